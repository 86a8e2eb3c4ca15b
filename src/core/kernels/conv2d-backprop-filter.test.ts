import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilter, registerWasmTrainingKernels } from './conv2d-backprop-filter';
import { batchChunks } from './im2col';
import { SippError } from '../util/errors';
import {
  type ConvCase,
  onBackend,
  outSize,
  randomArray,
  referenceFilterGrad,
  relativeError,
  sumOfProducts,
} from './test-util';

const TOL = 1e-4;

/** dW of sum(conv2d(x, W) * r) by tf.grad: its value is Conv2DBackpropFilter(x, dy = r). */
function gradW(c: ConvCase, outC: number, seed: string): Float32Array {
  return tf.tidy(() => {
    const { outH, outW } = outSize(c);
    const x = tf.tensor4d(
      randomArray(
        c.x.reduce((a, b) => a * b),
        `${seed}x`,
      ),
      c.x,
    );
    const wShape: [number, number, number, number] = [c.k[0], c.k[1], c.x[3], outC];
    const w = tf.tensor4d(
      randomArray(
        wShape.reduce((a, b) => a * b),
        `${seed}w`,
      ),
      wShape,
    );
    const r = tf.tensor4d(randomArray(c.x[0] * outH * outW * outC, `${seed}r`), [c.x[0], outH, outW, outC]);
    const g = tf.grad((wt: tf.Tensor) => sumOfProducts(tf.conv2d(x, wt as tf.Tensor4D, c.strides, c.pad), r));
    return g(w).dataSync() as Float32Array;
  });
}

const cases: (ConvCase & { outC: number })[] = [
  { x: [2, 7, 6, 3], k: [1, 1], strides: [1, 1], dilations: [1, 1], pad: 'valid', outC: 4 },
  { x: [2, 7, 6, 3], k: [1, 1], strides: [2, 2], dilations: [1, 1], pad: 'same', outC: 4 },
  { x: [3, 9, 8, 2], k: [3, 3], strides: [1, 1], dilations: [1, 1], pad: 'same', outC: 5 },
  { x: [3, 9, 8, 2], k: [3, 3], strides: [2, 2], dilations: [1, 1], pad: 'same', outC: 5 },
  { x: [3, 9, 8, 2], k: [3, 3], strides: [2, 1], dilations: [1, 1], pad: 'valid', outC: 5 },
  { x: [2, 12, 11, 4], k: [5, 5], strides: [1, 1], dilations: [1, 1], pad: 'valid', outC: 6 },
  { x: [2, 12, 11, 4], k: [5, 5], strides: [2, 2], dilations: [1, 1], pad: 'same', outC: 6 },
  { x: [2, 10, 10, 1], k: [5, 3], strides: [2, 2], dilations: [1, 1], pad: 'valid', outC: 3 },
  // Numeric padding: equal strides only, as tfjs computes both output sizes with the row stride.
  { x: [2, 11, 9, 3], k: [3, 3], strides: [2, 2], dilations: [1, 1], pad: 1, outC: 2 },
  {
    x: [2, 8, 7, 2],
    k: [3, 3],
    strides: [1, 2],
    dilations: [1, 1],
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
    outC: 3,
  },
];

const label = (c: ConvCase) =>
  `x ${c.x.join('x')} k ${c.k.join('x')} s ${c.strides.join(',')} ${typeof c.pad === 'object' ? 'explicit' : c.pad}`;

describe('Conv2DBackpropFilter on wasm', () => {
  beforeAll(() => registerWasmTrainingKernels());

  it.each(cases)('matches the cpu gradient: $x $k $strides $pad', async (c) => {
    const seed = label(c);
    const ref = await onBackend('cpu', () => gradW(c, c.outC, seed));
    const got = await onBackend('wasm', () => gradW(c, c.outC, seed));
    expect(relativeError(got, ref)).toBeLessThan(TOL);
  });

  it.each([
    { x: [2, 11, 10, 3], k: [3, 3], strides: [1, 1], dilations: [2, 2], pad: 'same' },
    { x: [2, 11, 10, 3], k: [3, 3], strides: [1, 1], dilations: [2, 2], pad: 'valid' },
    { x: [2, 12, 12, 2], k: [5, 5], strides: [2, 2], dilations: [2, 1], pad: 'same' },
    // Dilation 1: checks the float64 reference itself against tfjs's path.
    { x: [2, 9, 8, 2], k: [3, 3], strides: [2, 2], dilations: [1, 1], pad: 'same' },
  ] as ConvCase[])('honours dilations (direct kernel call vs float64): $dilations $pad', async (c) => {
    await tf.setBackend('wasm');
    const outC = 4;
    const { outH, outW } = outSize(c);
    const xs = randomArray(
      c.x.reduce((a, b) => a * b),
      'dx',
    );
    const dys = randomArray(c.x[0] * outH * outW * outC, 'ddy');
    const filterShape = [c.k[0], c.k[1], c.x[3], outC];
    const dw = tf.tidy(() => {
      const out = tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x: tf.tensor4d(xs, c.x), dy: tf.tensor4d(dys, [c.x[0], outH, outW, outC]) },
          { strides: c.strides, dilations: c.dilations, pad: c.pad, dataFormat: 'NHWC', filterShape },
        ) as tf.Tensor;
      expect(out.shape).toEqual(filterShape);
      return out.dataSync();
    });
    expect(relativeError(dw, referenceFilterGrad(c, xs, dys, outC))).toBeLessThan(TOL);
  });

  it('leaves tf.memory().numTensors unchanged across a gradient call', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([4, 12, 12, 3]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 8]) as tf.Tensor4D;
    const f = (wt: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, wt as tf.Tensor4D, 2, 'same')));
    tf.grad(f)(w).dispose(); // first call may allocate lazily-created engine state
    const before = tf.memory().numTensors;
    const g = tf.grad(f)(w);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // Called directly, outside any tidy: nothing of the kernel's own may survive.
    const dy = tf.conv2d(x, w, 2, 'same');
    const beforeDirect = tf.memory();
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: w.shape };
    (tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor).dispose();
    expect(tf.memory().numTensors).toBe(beforeDirect.numTensors);
    expect(tf.memory().numBytes).toBe(beforeDirect.numBytes);
    tf.dispose([x, w, dy]);
  });

  it('gives the same result when the batch is split into chunks', async () => {
    await tf.setBackend('wasm');
    const attrs = {
      strides: 2,
      pad: 'same' as const,
      filterShape: [3, 3, 2, 4] as [number, number, number, number],
    };
    const [whole, chunked] = tf.tidy(() => {
      const x = tf.tensor4d(randomArray(7 * 9 * 9 * 2, 'cx'), [7, 9, 9, 2]);
      const dy = tf.tensor4d(randomArray(7 * 5 * 5 * 4, 'cdy'), [7, 5, 5, 4]);
      // 25 positions x 18 patch entries = 450 per sample: a limit of 1000 makes chunks of 2 samples.
      return [
        conv2dBackpropFilter(x, dy, attrs).dataSync(),
        conv2dBackpropFilter(x, dy, attrs, 1000).dataSync(),
      ];
    });
    expect(batchChunks(7, 450, 1000)).toEqual([
      [0, 2],
      [2, 2],
      [4, 2],
      [6, 1],
    ]);
    expect(relativeError(chunked, whole)).toBeLessThan(1e-6);
    expect(relativeError(whole, new Float32Array(whole.length))).toBeGreaterThan(0);
  });

  it('rejects NCHW with a SippError', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const x = tf.zeros([1, 2, 5, 5]);
    const dy = tf.zeros([1, 3, 5, 5]);
    let err: unknown;
    try {
      tf.engine().runKernel(
        'Conv2DBackpropFilter',
        { x, dy },
        { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] },
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SippError);
    expect((err as SippError).code).toBe('kernel-unsupported');
    tf.dispose([x, dy]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('registers once and keeps working when called again', async () => {
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm')).toBeDefined();
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm')).toBeDefined();
  });

  it('lets a small Keras CNN train on wasm', async () => {
    await tf.setBackend('wasm');
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: 'relu' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    // Label = whether the left half is brighter: learnable only through the conv weights' gradient.
    const xs = tf.tidy(() => {
      const base = tf.randomUniform([64, 8, 8, 1]);
      const mask = tf.concat([tf.ones([64, 8, 4, 1]), tf.zeros([64, 8, 4, 1])], 2);
      const flip = tf.reshape(tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 2)), [64, 1, 1, 1]);
      return tf.add(base, tf.mul(flip, mask));
    });
    const ys = tf.oneHot(
      tf.tensor1d(
        Array.from({ length: 64 }, (_, i) => i % 2),
        'int32',
      ),
      2,
    );
    const conv = model.layers[0].getWeights()[0].dataSync().slice();
    const h = await model.fit(xs, ys, { epochs: 10, batchSize: 16, verbose: 0 });
    const loss = h.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);
    expect(relativeError(model.layers[0].getWeights()[0].dataSync(), conv)).toBeGreaterThan(1e-3);
    tf.dispose([xs, ys]);
    model.dispose();
  });
});

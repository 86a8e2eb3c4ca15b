import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './conv2d-backprop-filter';
import { depthwiseBackpropFilter } from './depthwise-backprop';
import {
  type ConvCase,
  onBackend,
  outSize,
  randomArray,
  referenceDepthwiseInputGrad,
  referenceFilterGrad,
  relativeError,
  sumOfProducts,
} from './test-util';

const TOL = 1e-4;

interface Case extends ConvCase {
  m: number;
}

function inputs(c: Case, seed: string) {
  const { outH, outW } = outSize(c);
  const fShape: [number, number, number, number] = [c.k[0], c.k[1], c.x[3], c.m];
  return {
    fShape,
    dyShape: [c.x[0], outH, outW, c.x[3] * c.m] as [number, number, number, number],
    x: randomArray(
      c.x.reduce((a, b) => a * b),
      `${seed}x`,
    ),
    w: randomArray(
      fShape.reduce((a, b) => a * b),
      `${seed}w`,
    ),
    r: randomArray(c.x[0] * outH * outW * c.x[3] * c.m, `${seed}r`),
  };
}

/** dX and dW of sum(depthwiseConv2d(x, W) * r) by tf.grads. */
function grads(c: Case, seed: string): [Float32Array, Float32Array] {
  const d = inputs(c, seed);
  return tf.tidy(() => {
    const r = tf.tensor4d(d.r, d.dyShape);
    const f = (xt: tf.Tensor, wt: tf.Tensor) =>
      sumOfProducts(tf.depthwiseConv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, c.strides, c.pad), r);
    const [dx, dw] = tf.grads(f)([tf.tensor4d(d.x, c.x), tf.tensor4d(d.w, d.fShape)]);
    return [dx.dataSync() as Float32Array, dw.dataSync() as Float32Array];
  });
}

const cases: Case[] = [
  { x: [2, 7, 6, 3], k: [1, 1], strides: [1, 1], dilations: [1, 1], pad: 'valid', m: 1 },
  { x: [2, 9, 8, 3], k: [3, 3], strides: [1, 1], dilations: [1, 1], pad: 'same', m: 1 },
  { x: [2, 9, 8, 3], k: [3, 3], strides: [2, 2], dilations: [1, 1], pad: 'same', m: 2 },
  { x: [2, 12, 11, 2], k: [5, 5], strides: [2, 2], dilations: [1, 1], pad: 'valid', m: 1 },
  { x: [1, 10, 9, 4], k: [5, 3], strides: [1, 2], dilations: [1, 1], pad: 'same', m: 3 },
];

describe('depthwise conv gradients on wasm', () => {
  beforeAll(() => registerWasmTrainingKernels());

  it.each(cases)('match the cpu gradients: $x $k $strides $pad m=$m', async (c) => {
    const seed = JSON.stringify(c);
    const [refX, refW] = await onBackend('cpu', () => grads(c, seed));
    const [gotX, gotW] = await onBackend('wasm', () => grads(c, seed));
    expect(relativeError(gotW, refW)).toBeLessThan(TOL);
    expect(relativeError(gotX, refX)).toBeLessThan(TOL);
  });

  it.each([
    { x: [2, 11, 10, 3], k: [3, 3], strides: [1, 1], dilations: [2, 2], pad: 'same', m: 1 },
    { x: [2, 11, 10, 2], k: [3, 3], strides: [1, 1], dilations: [2, 3], pad: 'valid', m: 2 },
  ] as Case[])('honour dilations (direct kernel calls vs float64): $dilations $pad', async (c) => {
    await tf.setBackend('wasm');
    const d = inputs(c, 'dil');
    const attrs = { strides: c.strides, dilations: c.dilations, pad: c.pad };
    const [dw, dx] = tf.tidy(() => {
      const dy = tf.tensor4d(d.r, d.dyShape);
      const run = (name: string, ins: tf.NamedTensorMap, extra: object) =>
        (tf.engine().runKernel(name, ins, { ...attrs, ...extra }) as tf.Tensor).dataSync();
      return [
        run(
          'DepthwiseConv2dNativeBackpropFilter',
          { x: tf.tensor4d(d.x, c.x), dy },
          { filterShape: d.fShape },
        ),
        run(
          'DepthwiseConv2dNativeBackpropInput',
          { dy, filter: tf.tensor4d(d.w, d.fShape) },
          { inputShape: c.x },
        ),
      ];
    });
    expect(relativeError(dw, referenceFilterGrad(c, d.x, d.r, 0, c.m))).toBeLessThan(TOL);
    expect(relativeError(dx, referenceDepthwiseInputGrad(c, d.w, c.m, d.r))).toBeLessThan(TOL);
  });

  it('chunks the batch without changing the filter gradient', async () => {
    await tf.setBackend('wasm');
    const attrs = { strides: 1, pad: 'same' as const };
    const [whole, chunked] = tf.tidy(() => {
      const x = tf.tensor4d(randomArray(5 * 6 * 6 * 2, 'cx'), [5, 6, 6, 2]);
      const dy = tf.tensor4d(randomArray(5 * 6 * 6 * 4, 'cdy'), [5, 6, 6, 4]);
      return [
        depthwiseBackpropFilter(x, dy, [3, 3, 2, 2], attrs).dataSync(),
        depthwiseBackpropFilter(x, dy, [3, 3, 2, 2], attrs, 700).dataSync(),
      ];
    });
    expect(relativeError(chunked, whole)).toBeLessThan(1e-6);
  });

  it('leaves tf.memory().numTensors unchanged across a gradient call', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([2, 9, 9, 3]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 2]) as tf.Tensor4D;
    const f = (xt: tf.Tensor, wt: tf.Tensor) =>
      tf.sum(tf.square(tf.depthwiseConv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, 2, 'same')));
    tf.dispose(tf.grads(f)([x, w]));
    const before = tf.memory().numTensors;
    tf.dispose(tf.grads(f)([x, w]));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });
});

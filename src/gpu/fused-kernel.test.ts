import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Reduction, SensitivityKernel } from '../core/sensitivity/kernel';
import { plainKernel } from '../core/sensitivity/plain';
import type { ConvGeometry } from '../core/types';
import {
  type ConvCase,
  firstMismatch,
  randomInput,
  randomInto,
  randomSplitWeights,
  referenceConvSigned,
  referenceDenseSigned,
  rng,
} from '../test-support/sensitivity-reference';
import { initWebGpuNode } from '../test-support/webgpu-node';
import {
  createWebGpuFusedKernel,
  planSplits,
  signedZConv,
  signedZDense,
  webgpuFusedKernel,
} from './fused-kernel';

const setup = await initWebGpuNode();
if (!setup.ok) console.warn(`Skipping WebGPU kernel tests: ${setup.reason}`);

// One dispatch per tile, no point splitting: exercises the programs without MaxOverSplits.
const unsplit = createWebGpuFusedKernel({ targetWorkgroups: 1 });

async function denseResult(
  kernel: SensitivityKernel,
  a: Float32Array,
  w: Float32Array,
  prior: Float32Array,
  rows: number,
  fanIn: number,
  outs: number,
) {
  const at = tf.tensor2d(a, [rows, fanIn]);
  const wt = tf.tensor2d(w, [fanIn, outs]);
  const into = tf.tensor2d(prior, [fanIn, outs]);
  const before = tf.memory().numTensors;
  const out = kernel.dense(at, wt, into);
  const created = tf.memory().numTensors - before;
  expect(out.shape).toEqual([fanIn, outs]);
  const got = await out.data();
  expect(await into.data(), 'into is left as it was').toEqual(prior);
  tf.dispose([at, wt, into, out]);
  return { got, created };
}

function expectClose(got: ArrayLike<number>, ref: ArrayLike<number>, label: string) {
  const bad = firstMismatch(got, ref);
  expect(bad, `${label}: ${JSON.stringify(bad)}`).toBeNull();
}

describe.skipIf(!setup.ok)(`webgpu-fused kernel (${setup.ok ? setup.adapter : 'no adapter'})`, () => {
  afterAll(() => {
    // Nothing a test made may remain on the device.
    expect(tf.memory().numTensors).toBe(0);
  });

  it('plans splits within the work and memory bounds', () => {
    const opts = { targetWorkgroups: 256, maxPartialFloats: 1 << 24 };
    expect(planSplits(17, 3, 40, 16, opts)).toEqual({ splits: 3, unitsPerSplit: 14 });
    expect(planSplits(1024, 1024, 128, 16, opts)).toEqual({ splits: 1, unitsPerSplit: 128 });
    expect(planSplits(64, 64, 9, 1, opts)).toEqual({ splits: 9, unitsPerSplit: 1 });
    expect(planSplits(2048, 4096, 500, 1, { targetWorkgroups: 4096, maxPartialFloats: 1 << 24 }).splits).toBe(
      2,
    );
  });

  const denseShapes: Array<[number, number, number]> = [
    // [rows, fanIn, outs]: tile edges (64), non-multiples, single row/column, and enough rows to split.
    [1, 1, 1],
    [3, 3, 17],
    [9, 17, 3],
    [5, 64, 64],
    [7, 130, 65],
    [2, 300, 130],
    [40, 17, 3],
    [33, 1, 300],
  ];
  for (const [rows, fanIn, outs] of denseShapes) {
    it(`dense rows=${rows} in=${fanIn} out=${outs} matches the float64 reference`, async () => {
      const rand = rng(rows * 1000 + fanIn * 10 + outs);
      const a = randomInput(rows * fanIn, rand);
      const { w } = randomSplitWeights(fanIn * outs, rand);
      const prior = randomInto(fanIn * outs, rand);
      const ref = referenceDenseSigned(a, w, rows, fanIn, outs, prior);
      for (const [name, kernel] of [
        ['split', webgpuFusedKernel],
        ['unsplit', unsplit],
      ] as const) {
        const { got, created } = await denseResult(kernel, a, w, prior, rows, fanIn, outs);
        expect(created, 'only the result survives').toBe(1);
        expectClose(got, ref, name);
      }
    });
  }

  it('dense z rule: a dead unit, an all-zero point and an all-positive kernel give exact zeros', async () => {
    const rows = 4,
      fanIn = 5,
      outs = 3;
    const rand = rng(7);
    const a = randomInput(rows * fanIn, rand, 0);
    a.fill(0, 2 * fanIn, 3 * fanIn); // point 2 is all zeros: Z = 0, V = 0 for it
    const w = new Float32Array(fanIn * outs);
    for (let j = 0; j < fanIn; j++) {
      w[j * outs + 0] = 0.1 + rand(); // unit 0: all positive, so its W- column is all zeros
      w[j * outs + 1] = 0; // unit 1: dead, Z+ = Z- = 0 for every point
      w[j * outs + 2] = rand() - 0.5;
    }
    const zeros = new Float32Array(fanIn * outs);
    const { got } = await denseResult(webgpuFusedKernel, a, w, zeros, rows, fanIn, outs);
    for (let j = 0; j < fanIn; j++) {
      expect(got[j * outs + 1], 'a dead unit has zero weights').toBe(0);
      expect(got[j * outs + 0], 'an all-positive unit has positive sensitivities').toBeGreaterThan(0);
    }
    expectClose(got, referenceDenseSigned(a, w, rows, fanIn, outs), 's');
    // Without the all-zero point nothing changes: it contributes 0, not 0 * Infinity = NaN.
    const kept = new Float32Array([...a.subarray(0, 2 * fanIn), ...a.subarray(3 * fanIn)]);
    const without = await denseResult(webgpuFusedKernel, kept, w, zeros, rows - 1, fanIn, outs);
    expect(Array.from(without.got)).toEqual(Array.from(got));
  });

  const geo = (k: number, s: number, d: number, padding: 'same' | 'valid'): ConvGeometry => ({
    kernelSize: [k, k],
    strides: [s, s],
    dilation: [d, d],
    padding,
  });
  const convCases: ConvCase[] = [
    { points: 1, inH: 5, inW: 5, channels: 3, outs: 4, geometry: geo(1, 1, 1, 'valid') },
    { points: 3, inH: 7, inW: 6, channels: 2, outs: 5, geometry: geo(3, 1, 1, 'same') },
    { points: 2, inH: 9, inW: 7, channels: 3, outs: 17, geometry: geo(3, 2, 1, 'same') },
    { points: 4, inH: 8, inW: 10, channels: 2, outs: 3, geometry: geo(3, 2, 1, 'same') },
    { points: 5, inH: 11, inW: 9, channels: 2, outs: 6, geometry: geo(5, 2, 1, 'valid') },
    { points: 2, inH: 8, inW: 9, channels: 3, outs: 4, geometry: geo(3, 1, 2, 'same') },
    { points: 3, inH: 9, inW: 9, channels: 2, outs: 5, geometry: geo(3, 1, 2, 'valid') },
    { points: 6, inH: 6, inW: 7, channels: 4, outs: 70, geometry: geo(5, 1, 1, 'same') },
    { points: 9, inH: 3, inW: 3, channels: 10, outs: 3, geometry: geo(3, 1, 1, 'valid') },
    {
      points: 2,
      inH: 7,
      inW: 8,
      channels: 3,
      outs: 2,
      geometry: { kernelSize: [3, 2], strides: [2, 1], dilation: [1, 1], padding: 'same' },
    },
  ];
  for (const c of convCases) {
    const g = c.geometry;
    const label = `conv ${g.kernelSize.join('x')} s${g.strides[0]} d${g.dilation[0]} ${g.padding} n=${c.points} ${c.inH}x${c.inW}x${c.channels}->${c.outs}`;
    it(`${label} matches the float64 reference (mean and max)`, async () => {
      const rand = rng(c.points * 7919 + c.inH * 31 + c.outs);
      const x = randomInput(c.points * c.inH * c.inW * c.channels, rand);
      const [kh, kw] = g.kernelSize;
      const fanIn = kh * kw * c.channels;
      const { w } = randomSplitWeights(fanIn * c.outs, rand);
      const prior = randomInto(fanIn * c.outs, rand, 0.01);
      const xt = tf.tensor4d(x, [c.points, c.inH, c.inW, c.channels]);
      const wt = tf.tensor4d(w, [kh, kw, c.channels, c.outs]);
      const into = tf.tensor2d(prior, [fanIn, c.outs]);
      for (const reduction of ['mean', 'max'] as Reduction[]) {
        const ref = referenceConvSigned(x, w, c, reduction, prior);
        for (const [name, kernel] of [
          ['split', webgpuFusedKernel],
          ['unsplit', unsplit],
        ] as const) {
          const before = tf.memory().numTensors;
          const out = kernel.conv(xt, wt, g, reduction, into);
          expect(tf.memory().numTensors - before).toBe(1);
          expect(out.shape).toEqual([fanIn, c.outs]);
          expectClose(await out.data(), ref, `${name} ${reduction}`);
          out.dispose();
        }
      }
      tf.dispose([xt, wt, into]);
    });
  }

  it('signed Z: one pass gives what two tfjs products on W+ and W- give', async () => {
    const rand = rng(41);
    const a = tf.tensor2d(randomInput(70 * 33, rand), [70, 33]);
    const w = tf.tensor2d(randomSplitWeights(33 * 67, rand).w, [33, 67]);
    const x = tf.tensor4d(randomInput(3 * 9 * 7 * 2, rand), [3, 9, 7, 2]);
    const wc = tf.tensor4d(randomSplitWeights(3 * 3 * 2 * 5, rand).w, [3, 3, 2, 5]);
    const g = geo(3, 2, 1, 'same');
    const cases: Array<[tf.Tensor, tf.Tensor]> = [
      [
        signedZDense(a, w),
        tf.tidy(() => tf.stack([tf.matMul(a, tf.relu(w)), tf.matMul(a, tf.minimum(w, 0))])),
      ],
      [
        signedZConv(x, wc, g),
        tf.tidy(() =>
          tf.concat([
            tf.conv2d(x, tf.relu(wc), 2, 'same'),
            tf.conv2d(x, tf.minimum(wc, 0) as tf.Tensor4D, 2, 'same'),
          ]),
        ),
      ],
    ];
    for (const [got, want] of cases) {
      expect(got.shape).toEqual(want.shape);
      expectClose(await got.data(), await want.data(), `Z ${got.shape}`);
    }
    tf.dispose([a, w, x, wc, ...cases.flat()]);
  });

  it('releases its device buffers: numDataIds and numBytes return to where they were', async () => {
    const rand = rng(3);
    const x = tf.tensor4d(randomInput(4 * 6 * 6 * 2, rand), [4, 6, 6, 2]);
    const wc = tf.tensor4d(randomSplitWeights(3 * 3 * 2 * 5, rand).w, [3, 3, 2, 5]);
    const intoC = tf.zeros([18, 5]) as tf.Tensor2D;
    const a = tf.tensor2d(randomInput(20 * 7, rand), [20, 7]);
    const w = tf.tensor2d(randomSplitWeights(7 * 3, rand).w, [7, 3]);
    const intoD = tf.zeros([7, 3]) as tf.Tensor2D;
    const backend = tf.backend();
    const ids = backend.numDataIds();
    const bytes = tf.memory().numBytes;
    for (let k = 0; k < 3; k++) {
      const c = webgpuFusedKernel.conv(x, wc, geo(3, 1, 1, 'same'), 'mean', intoC);
      const d = webgpuFusedKernel.dense(a, w, intoD);
      await Promise.all([c.data(), d.data()]);
      tf.dispose([c, d]);
    }
    expect(backend.numDataIds()).toBe(ids);
    expect(tf.memory().numBytes).toBe(bytes);
    tf.dispose([x, wc, intoC, a, w, intoD]);
  });

  it('agrees with the plain-ops kernel on the same backend', async () => {
    const rand = rng(99);
    const c: ConvCase = { points: 3, inH: 6, inW: 5, channels: 2, outs: 4, geometry: geo(3, 2, 1, 'same') };
    const x = tf.tensor4d(randomInput(3 * 6 * 5 * 2, rand), [3, 6, 5, 2]);
    const wt = tf.tensor4d(randomSplitWeights(3 * 3 * 2 * 4, rand).w, [3, 3, 2, 4]);
    const into = tf.tensor2d(randomInto(18 * 4, rand, 0.01), [18, 4]);
    for (const reduction of ['mean', 'max'] as Reduction[]) {
      const fused = webgpuFusedKernel.conv(x, wt, c.geometry, reduction, into);
      const plain = plainKernel.conv(x, wt, c.geometry, reduction, into);
      expectClose(await fused.data(), await plain.data(), reduction);
      tf.dispose([fused, plain]);
    }
    tf.dispose([x, wt, into]);
  });

  it('rejects a mismatched kernel and a foreign backend with SippErrors', async () => {
    const a = tf.zeros([2, 3]) as tf.Tensor2D;
    const w = tf.zeros([4, 5]) as tf.Tensor2D;
    const into = tf.zeros([3, 5]) as tf.Tensor2D;
    expect(() => webgpuFusedKernel.dense(a, w, w)).toThrow(expect.objectContaining({ code: 'KERNEL_SHAPE' }));
    const w3 = tf.zeros([3, 5]) as tf.Tensor2D;
    const intoBad = tf.zeros([3, 4]) as tf.Tensor2D;
    expect(() => webgpuFusedKernel.dense(a, w3, intoBad)).toThrow(
      expect.objectContaining({ code: 'KERNEL_SHAPE' }),
    );
    expect(webgpuFusedKernel.maxBufferBytes()).toBeGreaterThanOrEqual(128 * 2 ** 20);
    tf.dispose([a, w, into, w3, intoBad]);
    expect(await tf.setBackend('cpu')).toBe(true);
    try {
      const b = tf.zeros([2, 3]) as tf.Tensor2D;
      const v = tf.zeros([3, 5]) as tf.Tensor2D;
      expect(() => webgpuFusedKernel.dense(b, v, v)).toThrow(
        expect.objectContaining({ code: 'KERNEL_BACKEND' }),
      );
      tf.dispose([b, v]);
    } finally {
      expect(await tf.setBackend('webgpu')).toBe(true);
    }
  });
});

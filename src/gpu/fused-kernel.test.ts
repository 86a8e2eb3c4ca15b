import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Reduction, SensitivityKernel } from '../core/sensitivity/kernel';
import { plainKernel } from '../core/sensitivity/plain';
import type { ConvGeometry } from '../core/types';
import {
  type ConvCase,
  firstMismatch,
  randomInput,
  randomSplitWeights,
  referenceConv,
  referenceDense,
  rng,
  splitWeights,
} from '../test-support/sensitivity-reference';
import { initWebGpuNode } from '../test-support/webgpu-node';
import { createWebGpuFusedKernel, planSplits, webgpuFusedKernel } from './fused-kernel';

const setup = await initWebGpuNode();
if (!setup.ok) console.warn(`Skipping WebGPU kernel tests: ${setup.reason}`);

// One dispatch per tile, no point splitting: exercises the programs without MaxOverSplits.
const unsplit = createWebGpuFusedKernel({ targetWorkgroups: 1 });

async function denseResult(
  kernel: SensitivityKernel,
  a: Float32Array,
  pos: Float32Array,
  neg: Float32Array,
  rows: number,
  fanIn: number,
  outs: number,
) {
  const at = tf.tensor2d(a, [rows, fanIn]);
  const pt = tf.tensor2d(pos, [fanIn, outs]);
  const nt = tf.tensor2d(neg, [fanIn, outs]);
  const before = tf.memory().numTensors;
  const { mPos, mNeg } = kernel.dense(at, pt, nt);
  const created = tf.memory().numTensors - before;
  expect(mPos.shape).toEqual([fanIn, outs]);
  expect(mNeg.shape).toEqual([fanIn, outs]);
  const [gotPos, gotNeg] = await Promise.all([mPos.data(), mNeg.data()]);
  tf.dispose([at, pt, nt, mPos, mNeg]);
  return { gotPos, gotNeg, created };
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
      const { pos, neg } = randomSplitWeights(fanIn * outs, rand);
      const refPos = referenceDense(a, pos, rows, fanIn, outs);
      const refNeg = referenceDense(a, neg, rows, fanIn, outs);
      for (const [name, kernel] of [
        ['split', webgpuFusedKernel],
        ['unsplit', unsplit],
      ] as const) {
        const { gotPos, gotNeg, created } = await denseResult(kernel, a, pos, neg, rows, fanIn, outs);
        expect(created, 'only mPos and mNeg survive').toBe(2);
        expectClose(gotPos, refPos, `${name} mPos`);
        expectClose(gotNeg, refNeg, `${name} mNeg`);
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
    const { pos, neg } = splitWeights(w);
    const { gotPos, gotNeg } = await denseResult(webgpuFusedKernel, a, pos, neg, rows, fanIn, outs);
    for (let j = 0; j < fanIn; j++) {
      expect(gotPos[j * outs + 1]).toBe(0);
      expect(gotNeg[j * outs + 1]).toBe(0);
      expect(gotNeg[j * outs + 0]).toBe(0);
      expect(gotPos[j * outs + 0]).toBeGreaterThan(0);
    }
    expectClose(gotPos, referenceDense(a, pos, rows, fanIn, outs), 'mPos');
    expectClose(gotNeg, referenceDense(a, neg, rows, fanIn, outs), 'mNeg');
    // Without the all-zero point nothing changes: it contributes 0, not 0 * Infinity = NaN.
    const kept = new Float32Array([...a.subarray(0, 2 * fanIn), ...a.subarray(3 * fanIn)]);
    const without = await denseResult(webgpuFusedKernel, kept, pos, neg, rows - 1, fanIn, outs);
    expect(Array.from(without.gotPos)).toEqual(Array.from(gotPos));
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
      const { pos, neg } = randomSplitWeights(kh * kw * c.channels * c.outs, rand);
      const xt = tf.tensor4d(x, [c.points, c.inH, c.inW, c.channels]);
      const pt = tf.tensor4d(pos, [kh, kw, c.channels, c.outs]);
      const nt = tf.tensor4d(neg, [kh, kw, c.channels, c.outs]);
      for (const reduction of ['mean', 'max'] as Reduction[]) {
        const refPos = referenceConv(x, pos, c, reduction);
        const refNeg = referenceConv(x, neg, c, reduction);
        for (const [name, kernel] of [
          ['split', webgpuFusedKernel],
          ['unsplit', unsplit],
        ] as const) {
          const before = tf.memory().numTensors;
          const { mPos, mNeg } = kernel.conv(xt, pt, nt, g, reduction);
          expect(tf.memory().numTensors - before).toBe(2);
          expect(mPos.shape).toEqual([kh * kw * c.channels, c.outs]);
          expectClose(await mPos.data(), refPos, `${name} ${reduction} mPos`);
          expectClose(await mNeg.data(), refNeg, `${name} ${reduction} mNeg`);
          tf.dispose([mPos, mNeg]);
        }
      }
      tf.dispose([xt, pt, nt]);
    });
  }

  it('releases its device buffers: numDataIds and numBytes return to where they were', async () => {
    const rand = rng(3);
    const x = tf.tensor4d(randomInput(4 * 6 * 6 * 2, rand), [4, 6, 6, 2]);
    const { pos, neg } = randomSplitWeights(3 * 3 * 2 * 5, rand);
    const pt = tf.tensor4d(pos, [3, 3, 2, 5]);
    const nt = tf.tensor4d(neg, [3, 3, 2, 5]);
    const a = tf.tensor2d(randomInput(20 * 7, rand), [20, 7]);
    const w = tf.tensor2d(randomSplitWeights(7 * 3, rand).pos, [7, 3]);
    const backend = tf.backend();
    const ids = backend.numDataIds();
    const bytes = tf.memory().numBytes;
    for (let k = 0; k < 3; k++) {
      const c = webgpuFusedKernel.conv(x, pt, nt, geo(3, 1, 1, 'same'), 'mean');
      const d = webgpuFusedKernel.dense(a, w, w);
      await Promise.all([c.mPos.data(), d.mNeg.data()]);
      tf.dispose([c.mPos, c.mNeg, d.mPos, d.mNeg]);
    }
    expect(backend.numDataIds()).toBe(ids);
    expect(tf.memory().numBytes).toBe(bytes);
    tf.dispose([x, pt, nt, a, w]);
  });

  it('agrees with the plain-ops kernel on the same backend', async () => {
    const rand = rng(99);
    const c: ConvCase = { points: 3, inH: 6, inW: 5, channels: 2, outs: 4, geometry: geo(3, 2, 1, 'same') };
    const x = tf.tensor4d(randomInput(3 * 6 * 5 * 2, rand), [3, 6, 5, 2]);
    const { pos, neg } = randomSplitWeights(3 * 3 * 2 * 4, rand);
    const pt = tf.tensor4d(pos, [3, 3, 2, 4]);
    const nt = tf.tensor4d(neg, [3, 3, 2, 4]);
    for (const reduction of ['mean', 'max'] as Reduction[]) {
      const fused = webgpuFusedKernel.conv(x, pt, nt, c.geometry, reduction);
      const plain = plainKernel.conv(x, pt, nt, c.geometry, reduction);
      expectClose(await fused.mPos.data(), await plain.mPos.data(), `${reduction} mPos`);
      expectClose(await fused.mNeg.data(), await plain.mNeg.data(), `${reduction} mNeg`);
      tf.dispose([fused.mPos, fused.mNeg, plain.mPos, plain.mNeg]);
    }
    tf.dispose([x, pt, nt]);
  });

  it('rejects a mismatched kernel and a foreign backend with SippErrors', async () => {
    const a = tf.zeros([2, 3]) as tf.Tensor2D;
    const w = tf.zeros([4, 5]) as tf.Tensor2D;
    expect(() => webgpuFusedKernel.dense(a, w, w)).toThrow(expect.objectContaining({ code: 'KERNEL_SHAPE' }));
    tf.dispose([a, w]);
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

// What only the SIMD kernel has: W± kept in its heap between calls (keyed by the weight tensor's
// data), and blocks of rows within one call. The shared grid is in cpu-kernel.test.ts.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  firstMismatch,
  randomInput,
  randomInto,
  randomSplitWeights,
  referenceConvSigned,
  referenceDenseSigned,
  rng,
} from '../../test-support/sensitivity-reference';
import { useBackend } from '../../test-support/tf-node';
import { createSimdKernel } from './simd-kernel';
import { simdModule } from './simd/load';

const module = simdModule.module!;

beforeAll(() => useBackend('wasm'));

function expectClose(got: ArrayLike<number>, ref: ArrayLike<number>, label: string) {
  const bad = firstMismatch(got, ref);
  expect(bad, `${label}: ${JSON.stringify(bad)}`).toBeNull();
}

describe('wasm-simd kernel', () => {
  it('reuses W± of a weight tensor it has seen and never those of another one', () => {
    // A cache so small that the second layer evicts the first: hits, misses and evictions all happen.
    const kernel = createSimdKernel(module, { weightCacheBytes: 8 * 40 * 36 });
    const rand = rng(3);
    const [rows, fanIn, outs] = [6, 40, 33];
    const layers = [0, 1].map(() => randomSplitWeights(fanIn * outs, rand).w);
    const wt = layers.map((w) => tf.tensor2d(w, [fanIn, outs]));
    const before = tf.memory().numTensors;
    for (const li of [0, 0, 1, 0, 1, 1]) {
      const a = randomInput(rows * fanIn, rand);
      const prior = randomInto(fanIn * outs, rand);
      const at = tf.tensor2d(a, [rows, fanIn]);
      const into = tf.tensor2d(prior, [fanIn, outs]);
      const out = kernel.dense(at, wt[li], into);
      expectClose(
        out.dataSync(),
        referenceDenseSigned(a, layers[li], rows, fanIn, outs, prior),
        `layer ${li}`,
      );
      tf.dispose([at, into, out]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(wt);
  });

  it('carries the running maximum across blocks of points (mean: per point), with a big conv', () => {
    // 2 MB blocks: this call walks its 6 points a few at a time.
    const kernel = createSimdKernel(module, { blockBytes: 2 * 2 ** 20 });
    const rand = rng(9);
    const c = {
      points: 6,
      inH: 20,
      inW: 18,
      channels: 9,
      outs: 37,
      geometry: { kernelSize: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'same' },
    } as const;
    const fanIn = 9 * c.channels;
    const x = randomInput(c.points * c.inH * c.inW * c.channels, rand);
    const { w } = randomSplitWeights(fanIn * c.outs, rand);
    const prior = randomInto(fanIn * c.outs, rand, 0.01);
    const xt = tf.tensor4d(x, [c.points, c.inH, c.inW, c.channels]);
    const wt = tf.tensor4d(w, [3, 3, c.channels, c.outs]);
    const into = tf.tensor2d(prior, [fanIn, c.outs]);
    const geometry = {
      ...c.geometry,
      kernelSize: [3, 3] as [number, number],
      strides: [1, 1] as [number, number],
      dilation: [1, 1] as [number, number],
    };
    for (const reduction of ['mean', 'max'] as const) {
      const out = kernel.conv(xt, wt, geometry, reduction, into);
      expectClose(out.dataSync(), referenceConvSigned(x, w, { ...c, geometry }, reduction, prior), reduction);
      out.dispose();
    }
    tf.dispose([xt, wt, into]);
  });
});

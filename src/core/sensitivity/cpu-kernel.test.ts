import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  type ConvCase,
  firstMismatch,
  randomInput,
  randomInto,
  randomSplitWeights,
  referenceConvSigned,
  referenceDenseSigned,
  rng,
} from '../../test-support/sensitivity-reference';
import { useBackend } from '../../test-support/tf-node';
import type { ConvGeometry } from '../types';
import { cpuLoopsKernel } from './cpu-kernel';
import type { Reduction, SensitivityKernel } from './kernel';
import { plainKernel } from './plain';
import { createSimdKernel, simdUnavailable, wasmSimdKernel } from './simd-kernel';
import { simdModule } from './simd/load';

function expectClose(got: ArrayLike<number>, ref: ArrayLike<number>, label: string) {
  const bad = firstMismatch(got, ref);
  expect(bad, `${label}: ${JSON.stringify(bad)}`).toBeNull();
}

const geo = (k: number, s: number, d: number, padding: 'same' | 'valid'): ConvGeometry => ({
  kernelSize: [k, k],
  strides: [s, s],
  dilation: [d, d],
  padding,
});

it('the SIMD kernel loads in Node', () => {
  expect(simdUnavailable).toBeNull();
  expect(wasmSimdKernel?.name).toBe('wasm-simd');
});

// The same grid for every kernel of the typed-array contract. The SIMD kernel runs twice: as
// selected, where these small chunks fit one block, and with one point per block, so that the
// running maximum is carried across blocks inside one call (and the heap is dropped after each).
const kernels: Array<[string, SensitivityKernel]> = [['cpu-loops', cpuLoopsKernel]];
if (simdModule.module) {
  kernels.push(['wasm-simd', createSimdKernel(simdModule.module)]);
  kernels.push([
    'wasm-simd, one point per block',
    createSimdKernel(simdModule.module, { blockBytes: 1, retainBytes: 0 }),
  ]);
}

for (const backend of ['wasm', 'cpu'] as const) {
  for (const [kernelLabel, kernel] of kernels)
    describe(`${kernelLabel} kernel on ${backend}`, () => {
      it('is ready', async () => {
        await useBackend(backend);
        expect(tf.getBackend()).toBe(backend);
      });

      it('reproduces the worked example of §10: s = [[1/3, 1, 2/3], [1, 1, 0]]', () => {
        // W is [out, in] in the doc; the kernel takes Keras [in, out].
        const W = [
          [0.5, -1, 2],
          [-0.5, 0.25, 0],
        ];
        const a = tf.tensor2d([[1, 2, 0.5]]);
        const wt = tf.tensor2d([0.5, -0.5, -1, 0.25, 2, 0], [3, 2]);
        const into = tf.zeros([3, 2]) as tf.Tensor2D;
        const out = kernel.dense(a, wt, into);
        const got = out.dataSync();
        const s = W.map((row, i) => row.map((_, j) => got[j * 2 + i]));
        const want = [
          [1 / 3, 1, 2 / 3],
          [1, 1, 0],
        ];
        s.flat().forEach((v, k) => expect(v).toBeCloseTo(want.flat()[k], 6));
        tf.dispose([a, wt, into, out]);
      });

      const denseShapes: Array<[number, number, number]> = [
        [1, 1, 1],
        [3, 3, 17],
        [9, 17, 3],
        [5, 64, 64],
        [7, 130, 65],
        [4, 300, 130],
        [40, 17, 300],
      ];
      for (const [rows, fanIn, outs] of denseShapes) {
        it(`dense rows=${rows} in=${fanIn} out=${outs} matches the float64 reference, leak-free`, () => {
          const rand = rng(rows * 1000 + fanIn * 10 + outs + 1);
          const a = randomInput(rows * fanIn, rand);
          const { w } = randomSplitWeights(fanIn * outs, rand);
          const prior = randomInto(fanIn * outs, rand);
          const at = tf.tensor2d(a, [rows, fanIn]);
          const wt = tf.tensor2d(w, [fanIn, outs]);
          const into = tf.tensor2d(prior, [fanIn, outs]);
          const before = tf.memory().numTensors;
          const out = kernel.dense(at, wt, into);
          expect(tf.memory().numTensors - before).toBe(1);
          expect(out.shape).toEqual([fanIn, outs]);
          expectClose(out.dataSync(), referenceDenseSigned(a, w, rows, fanIn, outs, prior), 's');
          expect(into.dataSync(), 'into is left as it was').toEqual(prior);
          tf.dispose([at, wt, into, out]);
          expect(tf.memory().numTensors).toBe(before - 3);
        });
      }

      it('dense z rule: a dead unit, an all-zero point and an all-positive kernel give exact zeros', () => {
        const rows = 4,
          fanIn = 5,
          outs = 3;
        const rand = rng(7);
        const a = randomInput(rows * fanIn, rand, 0);
        a.fill(0, 2 * fanIn, 3 * fanIn);
        const w = new Float32Array(fanIn * outs);
        for (let j = 0; j < fanIn; j++) {
          w[j * outs] = 0.1 + rand();
          w[j * outs + 1] = 0;
          w[j * outs + 2] = rand() - 0.5;
        }
        const at = tf.tensor2d(a, [rows, fanIn]);
        const wt = tf.tensor2d(w, [fanIn, outs]);
        const into = tf.zeros([fanIn, outs]) as tf.Tensor2D;
        const out = kernel.dense(at, wt, into);
        const s = out.dataSync();
        for (let j = 0; j < fanIn; j++) {
          expect(s[j * outs + 1], 'a dead unit has zero weights').toBe(0);
          expect(s[j * outs], 'an all-positive unit has positive sensitivities').toBeGreaterThan(0);
        }
        expectClose(s, referenceDenseSigned(a, w, rows, fanIn, outs), 's');
        tf.dispose([at, wt, into, out]);
      });

      const convCases: ConvCase[] = [
        { points: 1, inH: 5, inW: 5, channels: 3, outs: 4, geometry: geo(1, 1, 1, 'valid') },
        { points: 3, inH: 7, inW: 6, channels: 2, outs: 5, geometry: geo(3, 1, 1, 'same') },
        { points: 2, inH: 9, inW: 7, channels: 3, outs: 17, geometry: geo(3, 2, 1, 'same') },
        { points: 4, inH: 8, inW: 10, channels: 2, outs: 3, geometry: geo(3, 2, 1, 'same') },
        { points: 5, inH: 11, inW: 9, channels: 2, outs: 6, geometry: geo(5, 2, 1, 'valid') },
        { points: 7, inH: 10, inW: 9, channels: 3, outs: 4, geometry: geo(5, 1, 1, 'same') },
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
        it(`${label} matches the float64 reference (mean and max), leak-free`, () => {
          const rand = rng(c.points * 7919 + c.inH * 31 + c.outs + 1);
          const x = randomInput(c.points * c.inH * c.inW * c.channels, rand);
          const [kh, kw] = g.kernelSize;
          const fanIn = kh * kw * c.channels;
          const { w } = randomSplitWeights(fanIn * c.outs, rand);
          const prior = randomInto(fanIn * c.outs, rand, 0.01);
          const xt = tf.tensor4d(x, [c.points, c.inH, c.inW, c.channels]);
          const wt = tf.tensor4d(w, [kh, kw, c.channels, c.outs]);
          const into = tf.tensor2d(prior, [fanIn, c.outs]);
          for (const reduction of ['mean', 'max'] as Reduction[]) {
            const before = tf.memory().numTensors;
            const out = kernel.conv(xt, wt, g, reduction, into);
            expect(tf.memory().numTensors - before).toBe(1);
            expect(out.shape).toEqual([fanIn, c.outs]);
            expectClose(out.dataSync(), referenceConvSigned(x, w, c, reduction, prior), reduction);
            out.dispose();
          }
          tf.dispose([xt, wt, into]);
        });
      }

      it('agrees with the plain-ops kernel', () => {
        const rand = rng(5);
        const x = tf.tensor4d(randomInput(4 * 9 * 8 * 3, rand), [4, 9, 8, 3]);
        const { w } = randomSplitWeights(3 * 3 * 3 * 6, rand);
        const wt = tf.tensor4d(w, [3, 3, 3, 6]);
        const into = tf.tensor2d(randomInto(27 * 6, rand, 0.01), [27, 6]);
        for (const reduction of ['mean', 'max'] as Reduction[]) {
          const loops = kernel.conv(x, wt, geo(3, 2, 1, 'same'), reduction, into);
          const plain = plainKernel.conv(x, wt, geo(3, 2, 1, 'same'), reduction, into);
          expectClose(loops.dataSync(), plain.dataSync(), reduction);
          tf.dispose([loops, plain]);
        }
        tf.dispose([x, wt, into]);
      });

      it('rejects mismatched shapes and stride with dilation as SippErrors', () => {
        const a = tf.zeros([2, 5, 5, 3]) as tf.Tensor4D;
        const w = tf.zeros([3, 3, 3, 4]) as tf.Tensor4D;
        const wrong = tf.zeros([3, 3, 2, 4]) as tf.Tensor4D;
        const into = tf.zeros([27, 4]) as tf.Tensor2D;
        const badInto = tf.zeros([27, 5]) as tf.Tensor2D;
        const before = tf.memory().numTensors;
        expect(() => kernel.conv(a, wrong, geo(3, 1, 1, 'same'), 'max', into)).toThrow(
          expect.objectContaining({ code: 'KERNEL_SHAPE' }),
        );
        expect(() => kernel.conv(a, w, geo(3, 1, 1, 'same'), 'max', badInto)).toThrow(
          expect.objectContaining({ code: 'KERNEL_SHAPE' }),
        );
        expect(() => kernel.conv(a, w, geo(5, 1, 1, 'same'), 'max', into)).toThrow(
          expect.objectContaining({ code: 'KERNEL_SHAPE' }),
        );
        expect(() => kernel.conv(a, w, geo(3, 2, 2, 'same'), 'max', into)).toThrow(
          expect.objectContaining({ code: 'CONV_GEOMETRY' }),
        );
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([a, w, wrong, into, badInto]);
      });

      it('leaves no tensors behind', () => {
        expect(tf.memory().numTensors).toBe(0);
      });
    });
}

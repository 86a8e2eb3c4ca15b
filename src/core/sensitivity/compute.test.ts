import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeModel, type PrunableLayer } from '../model/prunable';
import type { Progress } from '../types';
import { referenceSensitivity } from '../../test-support/reference64';
import { expectClose, rng, useBackend } from '../../test-support/tf-node';
import { accumulatorGroups, computeSensitivities, defaultChunkPoints } from './compute';
import { cpuLoopsKernel } from './cpu-kernel';
import type { SensitivityKernel } from './kernel';
import { wasmSimdKernel } from './simd-kernel';

beforeAll(() => useBackend('cpu'));

const WIDTH = 12;
const DEPTH = 4;

/** DEPTH equal Dense layers without bias, ReLU between: each layer's input is easy to recompute. */
function deepMlp(r: () => number): { model: tf.LayersModel; kernels: Float64Array[] } {
  const model = tf.sequential();
  const kernels: Float64Array[] = [];
  for (let l = 0; l < DEPTH; l++) {
    model.add(
      tf.layers.dense({
        inputShape: l === 0 ? [WIDTH] : undefined,
        units: WIDTH,
        useBias: false,
        activation: l < DEPTH - 1 ? 'relu' : 'linear',
        name: `fc${l}`,
      }),
    );
    const k = Float64Array.from({ length: WIDTH * WIDTH }, () => (r() < 0.1 ? 0 : r() * 2 - 1));
    const t = tf.tensor2d(Float32Array.from(k), [WIDTH, WIDTH]);
    model.layers[l].setWeights([t]);
    t.dispose();
    kernels.push(Float64Array.from(Float32Array.from(k)));
  }
  return { model, kernels };
}

/** Float64 inputs of every layer, computed from the float32-rounded points. */
function layerInputs(points: Float64Array[], kernels: Float64Array[]): Float64Array[][] {
  const inputs: Float64Array[][] = [points];
  for (let l = 0; l < DEPTH - 1; l++) {
    inputs.push(
      inputs[l].map((a) =>
        Float64Array.from({ length: WIDTH }, (_, i) => {
          let z = 0;
          for (let j = 0; j < WIDTH; j++) z += a[j] * kernels[l][j * WIDTH + i];
          return Math.max(0, z);
        }),
      ),
    );
  }
  return inputs;
}

function spyKernel(base: SensitivityKernel, maxBufferBytes: number, rows: number[]): SensitivityKernel {
  return {
    ...base,
    dense: (a, w, into) => {
      rows.push(a.shape[0]);
      return base.dense(a, w, into);
    },
    maxBufferBytes: () => maxBufferBytes,
  };
}

const layerOf = (key: string, kind: 'dense' | 'conv2d', fanIn: number, out: number) =>
  ({ key, kind, fanIn, out, positions: 1 }) as PrunableLayer;

describe('accumulator groups', () => {
  it('keep one group when one layer dominates, and split equal layers two by two', () => {
    const keys = (g: PrunableLayer[][]) => g.map((ls) => ls.map((p) => p.key));
    const big = [
      layerOf('a', 'dense', 784, 300),
      layerOf('b', 'dense', 300, 100),
      layerOf('c', 'dense', 100, 10),
    ];
    expect(keys(accumulatorGroups(big, ['max']))).toEqual([['a', 'b', 'c']]);
    const equal = ['a', 'b', 'c', 'd', 'e'].map((k) => layerOf(k, 'dense', 50, 50));
    expect(keys(accumulatorGroups(equal, ['max']))).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('count a conv layer once per reduction, a dense layer once', () => {
    const ls = [
      layerOf('c1', 'conv2d', 27, 10),
      layerOf('c2', 'conv2d', 27, 10),
      layerOf('d', 'dense', 27, 10),
    ];
    const keys = (r: ('mean' | 'max')[]) => accumulatorGroups(ls, r).map((g) => g.map((p) => p.key));
    expect(keys(['max'])).toEqual([['c1', 'c2'], ['d']]);
    expect(keys(['mean', 'max'])).toEqual([['c1'], ['c2'], ['d']]);
  });
});

describe('computeSensitivities over several groups and small buffers', () => {
  const n = 30;
  let model: tf.LayersModel;
  let points: Float64Array[];
  let want: Float64Array[];
  beforeAll(async () => {
    await useBackend('cpu');
    const r = rng(11);
    const mlp = deepMlp(r);
    model = mlp.model;
    // Mixed-sign inputs to the first layer: two sign copies there, one elsewhere (after ReLU).
    points = Array.from({ length: n }, () => Float64Array.from({ length: WIDTH }, () => r() * 2 - 1));
    const rounded = points.map((p) => Float64Array.from(Float32Array.from(p)));
    want = layerInputs(rounded, mlp.kernels).map((pts, l) =>
      referenceSensitivity(
        { kind: 'dense', kernel: mlp.kernels[l], kernelShape: [WIDTH, WIDTH] },
        pts,
        [WIDTH],
        'max',
      ),
    );
  });
  afterAll(() => model.dispose());

  for (const kernel of [cpuLoopsKernel, ...(wasmSimdKernel ? [wasmSimdKernel] : [])])
    it(`${kernel.name}: matches the float64 reference layer by layer, leak-free, with progress over every pass`, async () => {
      const info = analyzeModel(model);
      expect(accumulatorGroups(info.prunable, ['max'])).toHaveLength(2);
      const x = tf.tensor2d(points.map((p) => Array.from(p)));
      const before = tf.memory().numTensors;
      const seen: Progress[] = [];
      const res = await computeSensitivities(model, info.prunable, x, {
        reductions: ['max'],
        kernel,
        onProgress: (p) => seen.push(p),
      });
      expect(tf.memory().numTensors).toBe(before);
      info.prunable.forEach((p, l) => expectClose(res.get('max')!.get(p.key)!, want[l]));
      expect(seen.at(-1)).toEqual({ stage: 'sensitivities', done: 2 * n, total: 2 * n });
      seen.slice(1).forEach((p, k) => expect(p.done).toBeGreaterThanOrEqual(seen[k].done));
      x.dispose();
    });

  it('sizes chunks below the device buffer limit and gets the same answer', async () => {
    const info = analyzeModel(model);
    const x = tf.tensor2d(points.map((p) => Array.from(p)));
    // Exactly one kernel fits, and WIDTH / 2 points of the widest per-point tensor (Z for both
    // signs, 2 * WIDTH floats).
    const limit = 4 * WIDTH * WIDTH;
    expect(defaultChunkPoints(info.prunable, x, Infinity)).toBe(64);
    expect(defaultChunkPoints(info.prunable, x, limit)).toBe(WIDTH / 2);
    const rows: number[] = [];
    const res = await computeSensitivities(model, info.prunable, x, {
      reductions: ['max'],
      kernel: spyKernel(cpuLoopsKernel, limit, rows),
    });
    expect(Math.max(...rows)).toBe(WIDTH / 2);
    info.prunable.forEach((p, l) => expectClose(res.get('max')!.get(p.key)!, want[l]));
    x.dispose();
  });

  it('names the layer whose kernel exceeds the device buffer limit, and leaks nothing', async () => {
    const info = analyzeModel(model);
    const x = tf.tensor2d(points.map((p) => Array.from(p)));
    const before = tf.memory().numTensors;
    await expect(
      computeSensitivities(model, info.prunable, x, {
        reductions: ['max'],
        kernel: spyKernel(cpuLoopsKernel, 4 * WIDTH * WIDTH - 4, []),
      }),
    ).rejects.toMatchObject({ code: 'LAYER_TOO_LARGE', message: expect.stringContaining('fc0') });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../test-support/tf-node';
import { PruningSession } from '../session';
import type { LayerWeights } from '../prune/layout';
import { adaptSampleSize } from '../prune/sampling';
import { channelSensitivity } from './channels';
import { PfpAllocator, featureCounts, roundHalfEven } from './allocator';
import { ChannelPlan } from './plan';
import { channelProbabilities, type Draw } from './pfp';

// The worked example of docs/pfp-algorithm.md §8, Keras layout ([in, out], index j*out + i).
const K1 = [
  [1, 2, 1],
  [1, 1, 3],
];
const K2 = [
  [1, 0.5],
  [1, 2],
  [0.5, 1],
];
const flat = (m: number[][]) => Float32Array.from(m.flat());
const d1: LayerWeights = { key: 'd1', kernel: flat(K1), fanIn: 2, out: 3, taps: 1, positions: 1 };
const d2: LayerWeights = { key: 'd2', kernel: flat(K2), fanIn: 3, out: 2, taps: 1, positions: 1 };
// Per-weight sensitivities of §8.2.
const S1 = flat([
  [2 / 3, 4 / 5, 2 / 5],
  [2 / 3, 1 / 2, 6 / 7],
]);
const S2 = flat([
  [3 / 8, 3 / 23],
  [10 / 23, 10 / 17],
  [7 / 23, 7 / 17],
]);
const plan = () => new ChannelPlan([d1, d2], () => [S1, S2]);
const rows = (k: Float32Array, out: number) =>
  Array.from({ length: k.length / out }, (_, j) => Array.from(k.subarray(j * out, (j + 1) * out)));
const close = (a: number[][], b: number[][]) =>
  a.forEach((r, j) => r.forEach((v, i) => expect(v).toBeCloseTo(b[j][i], 5)));

function toyModel(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 3, activation: 'relu', inputShape: [2], name: 'd1' }));
  m.add(tf.layers.dense({ units: 2, name: 'd2' }));
  m.setWeights([tf.tensor(K1), tf.tensor([1, 0, 0]), tf.tensor(K2), tf.tensor([0.5, -0.5])]);
  return m;
}
const toyBatch = () => ({
  x: Float32Array.from([1, 2, 2, 1, 1, 1, 0.5, 0.5]),
  xShape: [4, 2],
  y: Int32Array.from([0, 1, 0, 0]),
  notices: [],
  source: 'toy',
  sourceDtype: 'float32',
});

beforeAll(async () => {
  await useBackend('cpu');
});

describe('§8.2 channel sensitivities, from the session’s one max-reduction pass', () => {
  let model: tf.LayersModel;
  let session: PruningSession;
  beforeAll(async () => {
    model = toyModel();
    session = await PruningSession.create(model, toyBatch(), { points: 3 });
    // SiPP-Rand and PFP together: one pass, shared.
    await session.prepare(['sipp-rand', 'pfp']);
  });
  afterAll(() => {
    session.dispose();
    model.dispose();
  });

  it('per-weight s and s_in of both layers', () => {
    const s = session.sensitivities('max')!;
    close(rows(s[0], 3), rows(S1, 3));
    close(rows(s[1], 2), rows(S2, 2));
    const s1 = channelSensitivity(d1, s[0]);
    const s2 = channelSensitivity(d2, s[1]);
    [4 / 5, 6 / 7].forEach((v, c) => expect(s1[c]).toBeCloseTo(v, 6));
    [0.375, 0.588235, 0.411765].forEach((v, c) => expect(s2[c]).toBeCloseTo(v, 5));
  });

  it('PFP at allocation (2, 1) with propagation gives §8.4’s kernels', async () => {
    // Our sizes are over all 17 parameters (zeros included): 6 of 17 is the level nearest kr 0.35.
    const r = await session.prune('pfp', 0.65, { propagate: true });
    expect(rows(r.kernels[0], 3)).toEqual([
      [0, 2, 0],
      [0, 1, 0],
    ]);
    expect(rows(r.kernels[1], 2)).toEqual([
      [0, 0],
      [1, 2],
      [0, 0],
    ]);
    // 6, not the reference's 7: our propagation (SiPP §5.4) also zeroes b1[0] of the dead unit.
    expect(r.nonzeroParams).toBe(6);
  });

  it('sign split: the SiPP §10 layer gives s_in = (1, 1, 2/3)', async () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 2, useBias: false, inputShape: [3] }));
    m.setWeights([
      tf.tensor([
        [0.5, -0.5],
        [-1, 0.25],
        [2, 0],
      ]),
    ]);
    const batch = { ...toyBatch(), x: Float32Array.from([1, 2, 0.5, 1, 1, 1]), xShape: [2, 3], y: null };
    const s = await PruningSession.create(m, batch, { points: 1 });
    await s.prepare(['pfp']);
    const L: LayerWeights = {
      key: 'x',
      kernel: new Float32Array(6),
      fanIn: 3,
      out: 2,
      taps: 1,
      positions: 1,
    };
    const sIn = channelSensitivity(L, s.sensitivities('max')![0]);
    [1, 1, 2 / 3].forEach((v, c) => expect(sIn[c]).toBeCloseTo(v, 6));
    s.dispose();
    m.dispose();
  });
});

describe('§8.3 allocator', () => {
  const sIn = [channelSensitivity(d1, S1), channelSensitivity(d2, S2)];
  const alloc = new PfpAllocator([d1, d2], sIn);

  it('constants and the ε thresholds of each layer', () => {
    expect(featureCounts(d1)).toEqual({ channels: 2, n: 2, o: 3, outs: 3, taps: 1 });
    const a1 = 6 * Math.log(1.6e17) * (58 / 35);
    const a2 = 6 * Math.log(1.6e17) * (11 / 8);
    expect(a1).toBeCloseTo(393.8758, 3);
    expect(a2).toBeCloseTo(326.8151, 3);
    expect(PfpAllocator.draws(a1, 2366.3)).toBe(1);
    expect(PfpAllocator.draws(a1, 2366.2)).toBe(2);
    expect(PfpAllocator.draws(a2, 983.5)).toBe(2);
    expect(PfpAllocator.draws(a2, 983.4)).toBe(3);
    expect(alloc.keptAt(1, 656.7)).toBe(3);
    expect(alloc.keptAt(1, 983.5)).toBe(2);
    expect(alloc.keptAt(1, 1963.9)).toBe(1);
    expect(alloc.keptAt(0, 2366.2)).toBe(2);
    expect(alloc.keptAt(0, 2366.3)).toBe(1);
  });

  it('allocation by budget, as the table of §8.3', () => {
    const expected: Record<number, number[]> = {
      0: [1, 1],
      3: [1, 1],
      4: [2, 1],
      5: [2, 1],
      6: [2, 2],
      9: [2, 2],
    };
    for (let b = 0; b <= 14; b++) {
      const want = expected[b] ?? (b < 4 ? [1, 1] : b < 6 ? [2, 1] : b < 10 ? [2, 2] : [2, 3]);
      expect(alloc.allocate(b).kept, `B = ${b}`).toEqual(want);
    }
  });

  it('banker’s rounding (F20)', () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, 3]);
  });
});

describe('§8.4 PFPNet: which channels go', () => {
  it('B = 9: hidden unit 0; B = 4: units 0 and 2; B = 1: also input 0', () => {
    const p = plan();
    let k = p.sparsify('pfp', 9, Math.random);
    expect(rows(k[1], 2)).toEqual([
      [0, 0],
      [1, 2],
      [0.5, 1],
    ]);
    expect(rows(k[0], 3)).toEqual(K1);
    k = p.sparsify('pfp', 4, Math.random);
    expect(rows(k[1], 2)).toEqual([
      [0, 0],
      [1, 2],
      [0, 0],
    ]);
    expect(rows(k[0], 3)).toEqual(K1);
    k = p.sparsify('pfp', 1, Math.random);
    expect(rows(k[0], 3)).toEqual([
      [0, 0, 0],
      [1, 1, 3],
    ]);
  });
});

/** A scripted multinomial: per call, the counts given, and a record of (q, m). */
function scripted(counts: number[][]): { draw: Draw; calls: { q: number[]; m: number }[] } {
  const calls: { q: number[]; m: number }[] = [];
  let t = 0;
  return {
    calls,
    draw: (q, m) => {
      calls.push({ q: Array.from(q), m });
      return Int32Array.from(counts[t++]);
    },
  };
}

describe('§8.6 PFPNetRand (mocked multinomial)', () => {
  it('draw counts for the targets of the table', () => {
    const q2 = channelProbabilities(channelSensitivity(d2, S2)).q32;
    const q1 = channelProbabilities(channelSensitivity(d1, S1)).q32;
    expect([1, 2, 3].map((k) => adaptSampleSize(q2, k))).toEqual([1, 2, 2]);
    expect(adaptSampleSize(q1, 2)).toBe(1);
  });

  it('the example run at (2, 2): γ = count/(m·q)', () => {
    // Reverse layer order: d2 first (units 0 and 1 once each), then d1 (input 1).
    const { draw, calls } = scripted([
      [1, 1, 0],
      [0, 1],
    ]);
    const k = plan().sparsify('pfp-rand', 8, Math.random, { draw, whole: 'resample' });
    expect(calls.map((c) => c.m)).toEqual([2, 1]);
    close(rows(k[1], 2), [
      [11 / 6, 11 / 12],
      [187 / 160, 187 / 80],
      [0, 0],
    ]);
    close(rows(k[0], 3), [
      [0, 0, 0],
      [29 / 15, 29 / 15, 87 / 15],
    ]);
  });

  it('by default a layer allocated all its channels is left as it is (F9)', () => {
    const { draw, calls } = scripted([[1, 1, 0]]);
    const k = plan().sparsify('pfp-rand', 8, Math.random, { draw });
    expect(calls).toHaveLength(1);
    expect(rows(k[0], 3)).toEqual(K1);
  });
});

describe('§8.7 PFPNetTop at B = 4, allocation (2, 1)', () => {
  it('d2 keeps unit 1 unscaled; d1 draws once and reweights by 1/q', () => {
    const { draw, calls } = scripted([[0, 1]]);
    const k = plan().sparsify('pfp-top', 4, Math.random, { draw, whole: 'resample' });
    expect(calls).toHaveLength(1);
    expect(calls[0].m).toBe(1);
    expect(rows(k[1], 2)).toEqual([
      [0, 0],
      [1, 2],
      [0, 0],
    ]);
    close(rows(k[0], 3), [
      [0, 0, 0],
      [29 / 15, 29 / 15, 87 / 15],
    ]);
  });
});

describe('§8.8 FT and SoftNet at B = 4', () => {
  it('keep unit 2 of d1 (L1 (2, 3, 4), L2 (√2, √5, √10)); the last layer is untouched', () => {
    for (const m of ['filter-norm', 'softnet'] as const) {
      const p = plan();
      expect(p.allocation(m, 4)).toEqual([1, 2]);
      const k = p.sparsify(m, 4, Math.random);
      expect(rows(k[0], 3)).toEqual([
        [0, 0, 1],
        [0, 0, 3],
      ]);
      expect(rows(k[1], 2)).toEqual(K2);
    }
  });

  it('filter-uniform keeps the first layer and a seeded random subset of d2’s inputs', () => {
    const p = plan();
    expect(p.allocation('filter-uniform', 4)).toEqual([2, 1]);
    const k = p.sparsify('filter-uniform', 4, Math.random);
    expect(rows(k[0], 3)).toEqual(K1);
    const kept = rows(k[1], 2).filter((r) => r.some((v) => v !== 0));
    expect(kept).toHaveLength(1);
  });
});

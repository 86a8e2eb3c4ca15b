// Per-layer limits: every method leaves an excluded layer exactly as trained and keeps a capped
// one within its cap, while the model as a whole still reaches the target (the others pay).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHOD_KEYS } from '../types';
import { PruningSession } from '../session';
import { batchFor, channelCnn, mlp } from '../../test-support/models';
import { useBackend } from '../../test-support/tf-node';
import type { PruneResult } from '../session-types';

let model: tf.LayersModel;
let session: PruningSession;

const zerosOf = (k: Float32Array) => k.reduce((s, v) => s + (v === 0 ? 1 : 0), 0);
const layerSparsity = (r: PruneResult, li: number) => zerosOf(r.kernels[li]) / r.kernels[li].length;

beforeAll(async () => {
  await useBackend('cpu');
  model = mlp([20, 32, 24, 6], 3);
  session = await PruningSession.create(model, batchFor(model, 80, 4, true), { points: 40 });
});
afterAll(() => {
  session.dispose();
  model.dispose();
});

describe('layer limits', () => {
  it('every method: fc3 excluded stays as trained, fc1 capped at 50 %, the target still met by fc2', async () => {
    const original = session.modelWith(null).getLayer('fc3').getWeights()[0].dataSync().slice();
    for (const method of METHOD_KEYS) {
      const free = await session.prune(method, 0.6, { seed: 1 });
      const r = await session.prune(method, 0.6, {
        seed: 1,
        limits: { exclude: ['fc3'], maxSparsity: { fc1: 0.5 } },
      });
      expect(Array.from(r.kernels[2]), method).toEqual(Array.from(original));
      expect(layerSparsity(r, 0), method).toBeLessThanOrEqual(0.5);
      expect(r.limits).toEqual({ exclude: ['fc3'], maxSparsity: { fc1: 0.5 } });
      if (free.withinTolerance) {
        expect(r.withinTolerance, method).toBe(true);
        expect(Math.abs(r.achievedSparsity - 0.6), method).toBeLessThan(
          method.startsWith('pfp') || method.startsWith('filter') || method === 'softnet' ? 0.08 : 0.01,
        );
        // What fc1 and fc3 no longer give, fc2 gives.
        expect(layerSparsity(r, 1), method).toBeGreaterThan(layerSparsity(free, 1));
      }
    }
  });

  it('a capped layer of a channel method gets whole channels back, never parts of one', async () => {
    const cnn = channelCnn(4);
    const s = await PruningSession.create(cnn, batchFor(cnn, 48, 2, true), { points: 24 });
    const free = await s.prune('pfp', 0.5);
    const names = s
      .layerReport()
      .filter((l) => l.prunable)
      .map((l) => l.name);
    // The layer PFP thinned most, capped at half of that.
    const L = names
      .map((_, li) => layerSparsity(free, li))
      .reduce((best, v, li, a) => (v > a[best] ? li : best), 0);
    const shape = s.modelWith(null).getLayer(names[L]).getWeights()[0].shape as number[];
    const out = shape[shape.length - 1];
    const C = shape[shape.length - 2];
    // Half a channel off a whole number of channels: single weights would fill it exactly.
    const cap = (Math.round((layerSparsity(free, L) * C) / 2) - 0.5) / C;
    expect(cap).toBeGreaterThan(0.05);
    const capped = await s.prune('pfp', 0.5, { limits: { maxSparsity: { [names[L]]: cap } } });
    const k = capped.kernels[L];
    expect(layerSparsity(capped, L)).toBeLessThanOrEqual(cap);
    // Input channel c owns the rows j = c (mod C) of the [fanIn, out] layout: each slice all zero or none.
    expect(shape.reduce((a, d) => a * d, 1)).toBe(k.length);
    const zeros = new Array<number>(C).fill(0);
    for (let t = 0; t < k.length; t++) if (k[t] === 0) zeros[Math.floor(t / out) % C]++;
    const per = k.length / C;
    expect(zeros.every((z) => z === 0 || z === per)).toBe(true);
    expect(zeros.filter((z) => z === per).length).toBeGreaterThan(0);
    s.dispose();
    cnn.dispose();
  });

  it('says why when the limits leave too little to prune, and names a layer that does not exist', async () => {
    const r = await session.prune('wt', 0.9, { limits: { exclude: ['fc1'] } });
    expect(r.withinTolerance).toBe(false);
    expect(r.unreachable).toMatch(
      /excluded and capped layers keep .* so at most .* sparsity is possible with these limits/,
    );
    await expect(session.prune('wt', 0.5, { limits: { exclude: ['fc9'] } })).rejects.toThrow(
      /no prunable layer named 'fc9'; its prunable layers are 'fc1', 'fc2', 'fc3'/,
    );
    await expect(session.prune('wt', 0.5, { limits: { maxSparsity: { fc1: 1.5 } } })).rejects.toThrow(
      /max layer sparsity of 'fc1' must be in \[0, 1\), got 1.5/,
    );
    await expect(session.prune('wt', 0.5, { limits: { exclude: ['fc1', 'fc2', 'fc3'] } })).rejects.toThrow(
      /every prunable layer is excluded/,
    );
  });

  it('leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    await session.prune('sipp', 0.7, { limits: { exclude: ['fc3'], maxSparsity: { fc1: 0.4 } } });
    expect(tf.memory().numTensors).toBe(before);
  });
});

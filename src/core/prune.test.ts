import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PruningSession } from './session';
import { METHOD_KEYS, type MethodKey, type Progress } from './types';
import { batchFor, cnn, mlp } from '../test-support/models';
import { useBackend } from '../test-support/tf-node';
import { sweep } from './sweep/sweep';
import { disposeModel } from './model/clone';
import { METHODS } from './methods';

// Whole-channel methods move in steps of a slice and are tested in structured/session-structured.test.ts.
const UNSTRUCTURED = METHOD_KEYS.filter((m) => !METHODS[m].structured);

let model: tf.LayersModel;
let session: PruningSession;

beforeAll(async () => {
  await useBackend('cpu');
  model = mlp([196, 300, 100, 10], 11);
  session = await PruningSession.create(model, batchFor(model, 120, 4, true), { points: 40 });
  await session.prepare([...METHOD_KEYS]);
});
afterAll(() => {
  session.dispose();
  model.dispose();
});

function nonzeroOfModel(m: tf.LayersModel): number {
  return m.getWeights().reduce((s, w) => s + (w.dataSync() as Float32Array).filter((v) => v !== 0).length, 0);
}

describe('budget: achieved sparsity within 0.5 % of the keep ratio', () => {
  const sparsities = [0.5, 0.7, 0.9, 0.95, 0.99];
  it.each(UNSTRUCTURED.flatMap((m) => sparsities.map((s) => [m, s] as [MethodKey, number])))(
    '%s at %f',
    async (method, s) => {
      const r = await session.prune(method, s, { seed: 5 });
      expect(r.withinTolerance, `${r.nonzeroParams} of ${r.totalParams} after ${r.trials} trials`).toBe(true);
      const kr = 1 - s;
      expect(Math.abs(1 - r.achievedSparsity - kr)).toBeLessThan(0.005 * kr);
      // The JSON is true to the weights: count zeros in the model written with the result.
      expect(nonzeroOfModel(session.modelWith(r))).toBe(r.nonzeroParams);
      expect(r.nonzeroParams).toBe(Math.round((1 - r.achievedSparsity) * r.totalParams));
    },
  );
});

describe('properties', () => {
  it('says in one sentence why a target cannot be met, and nothing when it is', async () => {
    let unmet = 0;
    for (const m of ['wt', 'sipp', 'filter-uniform'] as MethodKey[])
      for (const sp of [0.5, 0.999]) {
        const r = await session.prune(m, sp, { seed: 1 });
        if (r.withinTolerance) expect(r.unreachable).toBeNull();
        else {
          unmet++;
          expect(r.unreachable).toMatch(/nearest (step|it reaches|reached)/);
        }
      }
    expect(unmet).toBeGreaterThan(0);
  });

  it('at 0 % every method returns the model as it is: no zeros added, dense accuracy', async () => {
    const dense = await session.evaluate(null);
    for (const m of METHOD_KEYS) {
      const r = await session.prune(m, 0, { seed: 3 });
      // Only the zeros the model already has (its zero biases), none added.
      expect(r.achievedSparsity).toBeLessThan(0.01);
      expect(r.withinTolerance).toBe(true);
      expect(r.overrides.size).toBe(0);
      expect(await session.evaluate(r)).toEqual(dense);
    }
  });

  it('pruned entries are exactly zero and kept mask-only entries equal the original', async () => {
    const orig = model.getWeights().map((w) => w.dataSync() as Float32Array);
    for (const method of ['sipp-det', 'wt', 'snip', 'random'] as MethodKey[]) {
      const r = await session.prune(method, 0.8);
      r.kernels.forEach((k, li) => {
        const o = orig[li * 2];
        k.forEach((v, i) => expect(v === 0 || v === o[i]).toBe(true));
      });
    }
  });

  it('Det, WT and SNIP are deterministic; Rand repeats with a seed and changes without it', async () => {
    for (const method of ['sipp-det', 'wt', 'snip'] as MethodKey[]) {
      const a = await session.prune(method, 0.9);
      const b = await session.prune(method, 0.9);
      expect(a.kernels).toEqual(b.kernels);
    }
    const a = await session.prune('sipp-rand', 0.9, { seed: 1 });
    const b = await session.prune('sipp-rand', 0.9, { seed: 1 });
    const c = await session.prune('sipp-rand', 0.9, { seed: 2 });
    expect(a.kernels).toEqual(b.kernels);
    expect(a.kernels).not.toEqual(c.kernels);
    // The result does not depend on what was asked before: a fresh session agrees.
    const fresh = await PruningSession.create(model, batchFor(model, 120, 4, true), { points: 40 });
    const d = await fresh.prune('sipp-rand', 0.9, { seed: 1 });
    expect(d.kernels).toEqual(a.kernels);
    fresh.dispose();
  });

  it('Hybrid takes top-k exactly where err_det <= err_rand', async () => {
    for (const s of [0.5, 0.9, 0.98]) {
      const r = await session.prune('sipp', s);
      const d = r.hybrid!;
      let det = 0;
      let rand = 0;
      d.choice.forEach((c, i) => {
        if (d.allocation[i] < 1) return expect(c).toBe(0);
        expect(c).toBe(d.errDet[i] <= d.errRand[i] ? 1 : 2);
        if (c === 1) det++;
        else rand++;
      });
      expect(det + rand).toBeGreaterThan(0);
    }
  });

  it('the input model is unchanged and no tensors leak', async () => {
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const n0 = tf.memory().numTensors;
    for (const m of METHOD_KEYS) {
      const r = await session.prune(m, 0.9, { propagate: m === 'wt' });
      await session.evaluate(r);
    }
    expect(tf.memory().numTensors).toBe(n0);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
  });

  it('create/prepare/dispose leaves no tensors', async () => {
    const n0 = tf.memory().numTensors;
    const c = cnn();
    const nModel = tf.memory().numTensors;
    const s = await PruningSession.create(c, batchFor(c, 20, 9), { points: 8 });
    await s.prepare([...METHOD_KEYS]);
    await s.evaluate(await s.prune('sipp', 0.7));
    s.dispose();
    expect(tf.memory().numTensors).toBe(nModel);
    disposeModel(c);
    expect(tf.memory().numTensors).toBe(n0);
  });
});

describe('progress and cancel', () => {
  it('progress never goes backwards and ends at its total', async () => {
    const c = cnn(5);
    const s = await PruningSession.create(c, batchFor(c, 30, 9), { points: 12, chunkPoints: 5 });
    const events: Progress[] = [];
    const points: unknown[] = [];
    for await (const p of sweep(s, ['sipp', 'wt'], [0.5, 0.8], { onProgress: (e) => events.push(e) }))
      points.push(p);
    expect(points).toHaveLength(4);
    const byStage = new Map<string, Progress[]>();
    events.forEach((e) => byStage.set(e.stage, [...(byStage.get(e.stage) ?? []), e]));
    expect([...byStage.keys()]).toContain('sensitivities');
    expect([...byStage.keys()]).toContain('sweep');
    for (const list of byStage.values()) {
      for (let i = 1; i < list.length; i++) expect(list[i].done).toBeGreaterThanOrEqual(list[i - 1].done);
      expect(list[list.length - 1].done).toBe(list[list.length - 1].total);
    }
    s.dispose();
    c.dispose();
  });

  it('a cancelled sweep stops', async () => {
    const ctl = new AbortController();
    const got: unknown[] = [];
    const n0 = tf.memory().numTensors;
    await expect(async () => {
      for await (const p of sweep(session, ['wt', 'sipp'], [0.5, 0.6, 0.7, 0.8], { signal: ctl.signal })) {
        got.push(p);
        if (got.length === 2) ctl.abort();
      }
    }).rejects.toThrow(/Cancelled/);
    expect(got).toHaveLength(2);
    expect(tf.memory().numTensors).toBe(n0);
  });
});

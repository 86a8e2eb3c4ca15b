import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchFor, channelCnn } from '../../test-support/models';
import { useBackend } from '../../test-support/tf-node';
import { PruningSession } from '../session';
import type { Progress } from '../types';
import { isAbortError } from '../util/errors';
import { pruneCombined } from './combine';
import { shrinkModel } from './shrink';
import { disposeModel } from '../model/clone';

let model: tf.LayersModel;
let session: PruningSession;

beforeAll(async () => {
  await useBackend('cpu');
  model = channelCnn();
  session = await PruningSession.create(model, batchFor(model, 64, 4, true), { points: 24 });
});
afterAll(() => {
  session.dispose();
  model.dispose();
});

const spec = {
  structured: { method: 'pfp', sparsity: 0.5 },
  weights: { method: 'sipp', sparsity: 0.85 },
} as const;

describe('pruneCombined: structured, then weight-level on what remains', () => {
  it('reaches both targets relative to the dense size; structured zeros stay zero; valid on the session', async () => {
    const before = tf.memory().numTensors;
    const { result, structured } = await pruneCombined(session, spec, { seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(structured.method).toBe('pfp');
    expect(result.method).toBe('sipp');
    expect(result.totalParams).toBe(session.totalParams);
    expect(Math.abs(structured.achievedSparsity - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(result.achievedSparsity - 0.85)).toBeLessThan(0.02);
    expect(result.nonzeroParams).toBeLessThan(structured.nonzeroParams);
    // Never un-prunes: every zero of the structured step is a zero of the result.
    for (const [vi, s] of structured.overrides) {
      const f = result.overrides.get(vi)!;
      s.forEach((v, k) => {
        if (v === 0 && f[k] !== 0) expect.fail(`variable ${vi} entry ${k} came back`);
      });
    }
    // The counts are those of the session's own book: the result is a result of this session.
    expect(session.resultWith(result, result.overrides).nonzeroParams).toBe(result.nonzeroParams);
    const e = await session.evaluate(result);
    expect(e.evalPoints).toBe(40);
    // Whole channels are still whole: the slim model of the result has fewer channels.
    const { model: slim, report } = await shrinkModel(session.modelWith(result));
    expect(report.removedChannels).toBeGreaterThan(0);
    expect(report.paramsAfter).toBeLessThan(report.paramsBefore);
    disposeModel(slim);
  });

  it('equals pruning a derived session by hand (the weight step sees the structured network)', async () => {
    const { result, structured } = await pruneCombined(session, spec, { seed: 2 });
    const derived = await session.derive(structured);
    const r = await derived.prune('sipp', 0.85, { seed: 2 });
    const a = await derived.evaluate(r);
    derived.dispose();
    expect(await session.evaluate(result)).toEqual(a);
    expect(result.nonzeroParams).toBe(r.nonzeroParams);
  });

  it('total equal to the structured target: the weight step keeps what is left', async () => {
    const { result, structured } = await pruneCombined(session, {
      structured: { method: 'filter-norm', sparsity: 0.4 },
      weights: { method: 'wt', sparsity: 0.4 },
    });
    expect(result.achievedSparsity).toBeGreaterThanOrEqual(structured.achievedSparsity);
    expect(Math.abs(result.achievedSparsity - 0.4)).toBeLessThan(0.02);
  });

  it('refuses a total below the structured target and methods in the wrong step', async () => {
    await expect(
      pruneCombined(session, { ...spec, weights: { method: 'sipp', sparsity: 0.3 } }),
    ).rejects.toThrow(/total sparsity 0.3 .* below the structured step's 0.5/);
    await expect(
      pruneCombined(session, { ...spec, structured: { method: 'wt', sparsity: 0.5 } }),
    ).rejects.toThrow(/first step of a combination must be a structured method/);
    await expect(
      pruneCombined(session, { ...spec, weights: { method: 'softnet', sparsity: 0.9 } }),
    ).rejects.toThrow(/second step of a combination must zero single weights/);
    await expect(
      pruneCombined(session, { ...spec, weights: { method: 'sipp', sparsity: 1 } }),
    ).rejects.toThrow(/sparsity must be in \[0, 1\)/);
  });

  it('progress: one set of stages per step, done never decreases and ends at total', async () => {
    const fresh = await PruningSession.create(model, batchFor(model, 64, 4, true), { points: 24 });
    const seen: Progress[] = [];
    await pruneCombined(fresh, spec, { onProgress: (p) => seen.push(p) });
    fresh.dispose();
    const stages = [...new Set(seen.map((p) => p.stage))];
    expect(stages.some((s) => s.endsWith('(structured pfp)'))).toBe(true);
    expect(stages.some((s) => s.endsWith('(weights sipp)'))).toBe(true);
    expect(stages).toContain('sensitivities (weights sipp)'); // recomputed on the structured network
    for (const s of stages) {
      const ps = seen.filter((p) => p.stage === s);
      ps.forEach((p, i) => i > 0 && expect(p.done).toBeGreaterThanOrEqual(ps[i - 1].done));
      expect(ps[ps.length - 1].done).toBe(ps[ps.length - 1].total);
    }
  });

  it('cancel: an aborted signal stops it, leak-free', async () => {
    const before = tf.memory().numTensors;
    const ac = new AbortController();
    ac.abort();
    await expect(pruneCombined(session, spec, { signal: ac.signal })).rejects.toSatisfy(isAbortError);
    // Aborted during the weight step (after the derived session exists): it is disposed.
    const late = new AbortController();
    const run = pruneCombined(session, spec, {
      signal: late.signal,
      onProgress: (p) => p.stage.endsWith('(weights sipp)') && late.abort(),
    });
    await expect(run).rejects.toSatisfy(isAbortError);
    expect(tf.memory().numTensors).toBe(before);
  });
});

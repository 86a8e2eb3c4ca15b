// The cost of a curve point, measured in the worker: each point's model is shrunk (zeroed
// channels removed, as the slim download does) and, when that changed any shape, timed. A model
// with the dense shapes runs at the dense cost in TF.js (no sparse kernels), so it reuses the
// dense timing instead of measuring noise.
import * as tf from '@tensorflow/tfjs';
import {
  compareLatency,
  macsPerSample,
  measureLatency,
  type PruneResult,
  type PruningSession,
} from '../core';
import type { DenseCost, PointCost } from './protocol-cost';
import { withSlim } from './speed';

/** The dense model is timed as the speed box times it; each point's slim model as below. */
export const CURVE_RUNS = { batch: 64, runs: 5, warmup: 2 } as const;

/**
 * Runs for one point: about 60 ms of predicts (a millisecond model is noise at 3 runs), at least
 * 3 and at most 15 (a curve has dozens of points, each holding the model under the lock).
 */
export const pointRuns = (denseMs: number) =>
  Math.min(15, Math.max(3, Math.round(60 / Math.max(denseMs, 1e-3))));

const round = (ms: number) => Math.round(ms * 1000) / 1000;

const denseCosts = new WeakMap<PruningSession, DenseCost>();

/** The dense model's cost, measured once per session (a new model or batch is a new session). */
export async function denseCost(s: PruningSession): Promise<DenseCost> {
  const have = denseCosts.get(s);
  if (have) return have;
  const model = s.modelWith(null);
  const t = await measureLatency(model, undefined, CURVE_RUNS);
  const cost: DenseCost = {
    params: model.countParams(),
    nonzero: s.totalParams,
    macs: macsPerSample(model),
    latencyMs: round(t.medianMs),
    batch: CURVE_RUNS.batch,
    backend: tf.getBackend(),
  };
  denseCosts.set(s, cost);
  return cost;
}

export async function pointCost(s: PruningSession, result: PruneResult): Promise<PointCost> {
  const dense = await denseCost(s);
  return withSlim(s, result, async ({ model, report }) => {
    const base = {
      dense,
      params: report.paramsAfter,
      nonzero: report.nonzeroAfter,
      macs: report.macsAfter,
      batch: CURVE_RUNS.batch,
      removedChannels: report.removedChannels,
    };
    if (report.removedChannels === 0) return { ...base, latencyMs: dense.latencyMs };
    // Timed against the dense model in alternation and scaled to the dense timing: the machine's
    // load drifts between points, the ratio of two interleaved timings much less.
    const runs = pointRuns(dense.latencyMs);
    const t = await compareLatency(s.modelWith(null), model, { batch: CURVE_RUNS.batch, runs, warmup: 1 });
    return { ...base, latencyMs: round((dense.latencyMs * t.bMs) / t.aMs) };
  });
}

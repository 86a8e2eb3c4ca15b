// The speed job's measurement: the slider's result as a physically smaller model (zeroed channels
// removed), timed against the dense model on this worker's backend, as the CLI's `prune --slim`
// does. The slim model lives only for the measurement (or the export) and is freed afterwards.
import * as tf from '@tensorflow/tfjs';
import {
  AbortError,
  disposeModel,
  macsPerSample,
  compareLatency,
  shrinkModel,
  type PruneResult,
  type PruningSession,
  type ShrinkResult,
} from '../core';
import type { PruneParams, SpeedSummary } from './protocol';

/** As the CLI: a 64-sample batch, the median of 5 runs after 2 warm-ups. */
export const SPEED_RUNS = { batch: 64, runs: 5, warmup: 2 } as const;

const check = (signal: AbortSignal) => {
  if (signal.aborted) throw new AbortError();
};

/** Runs `fn` on the slim model of `result`, then frees it (also when `fn` throws). */
export async function withSlim<T>(
  s: PruningSession,
  result: PruneResult | null,
  fn: (slim: ShrinkResult) => Promise<T>,
): Promise<T> {
  const slim = await shrinkModel(s.modelWith(result));
  try {
    return await fn(slim);
  } finally {
    disposeModel(slim.model);
  }
}

/**
 * Parameters, MACs per sample and median latency of the dense and the slim model. Cancellable
 * between the steps (one step is a few predicts: well under a second on the demo models).
 */
export async function measureSpeed(
  s: PruningSession,
  result: PruneResult,
  p: PruneParams,
  signal: AbortSignal,
): Promise<SpeedSummary> {
  return withSlim(s, result, async ({ model, report }) => {
    check(signal);
    // The zeroed and the dense model have the same shapes, so the same cost: time the real dense one.
    const dense = s.modelWith(null);
    const macsDense = macsPerSample(dense);
    // In alternation: a load that comes and goes hits both alike (a few predicts: well under a second).
    const t = await compareLatency(dense, model, SPEED_RUNS);
    check(signal);
    const round = (ms: number) => Math.round(ms * 1000) / 1000;
    return {
      method: p.method,
      targetSparsity: p.sparsity,
      seed: p.seed,
      propagate: !!p.propagate,
      backend: tf.getBackend(),
      ...SPEED_RUNS,
      params: { dense: report.paramsBefore, slim: report.paramsAfter },
      macs: { dense: macsDense, slim: macsPerSample(model) },
      latencyMs: { dense: round(t.aMs), slim: round(t.bMs) },
      removedChannels: report.removedChannels,
      layers: report.layers.map((l) => ({
        name: l.name,
        className: l.className,
        before: l.before,
        after: l.after,
      })),
    };
  });
}

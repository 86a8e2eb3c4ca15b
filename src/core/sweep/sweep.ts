import type { LongCallOptions, MethodKey } from '../types';
import type { PruningSession } from '../session';
import type { LayerLimits } from '../prune/limits';
import { checkpoint } from '../util/progress';

export interface SweepPoint {
  method: MethodKey;
  sparsity: number;
  achievedSparsity: number;
  withinTolerance: boolean;
  accuracy: number | null;
  agreement: number;
}

export interface SweepOptions extends LongCallOptions {
  seed?: number;
  propagate?: boolean;
  limits?: LayerLimits;
}

/**
 * Accuracy versus sparsity for every (method, sparsity), reusing the session's scores; yields each
 * point as soon as it is computed. Progress: stage 'sweep', one step per point.
 */
export async function* sweep(
  session: PruningSession,
  methods: MethodKey[],
  sparsities: number[],
  opts: SweepOptions = {},
): AsyncGenerator<SweepPoint> {
  await session.prepare(methods, { signal: opts.signal, onProgress: opts.onProgress });
  const total = methods.length * sparsities.length;
  let done = 0;
  opts.onProgress?.({ stage: 'sweep', done, total });
  for (const method of methods) {
    for (const sparsity of sparsities) {
      await checkpoint(opts);
      const r = await session.prune(method, sparsity, {
        seed: opts.seed,
        propagate: opts.propagate,
        limits: opts.limits,
        signal: opts.signal,
      });
      const e = await session.evaluate(r, { signal: opts.signal });
      done++;
      opts.onProgress?.({ stage: 'sweep', done, total });
      yield {
        method,
        sparsity,
        achievedSparsity: r.achievedSparsity,
        withinTolerance: r.withinTolerance,
        accuracy: e.accuracy,
        agreement: e.agreement,
      };
    }
  }
}

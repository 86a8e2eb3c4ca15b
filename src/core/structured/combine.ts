// Structured then weight-level pruning (issue 13): whole channels go first, then single weights
// of what remains, with the weight method's scores recomputed on the structured network. The
// final result is valid on the session it was asked of, so it evaluates, exports and slims as
// any other result does.
import { METHODS } from '../methods';
import type { PruneOptions, PruneResult, PruningSession } from '../session';
import type { MethodKey, ProgressFn } from '../types';
import { SippError } from '../util/errors';
import { checkpoint } from '../util/progress';

export interface CombinedSpec {
  /** A structured method (METHODS[m].structured) and its own target sparsity. */
  structured: { method: MethodKey; sparsity: number };
  /**
   * A weight-level method and the TOTAL target, relative to the original dense size (as the
   * cascade's targets are): it must be at least the structured target.
   */
  weights: { method: MethodKey; sparsity: number };
}

export interface CombinedResult {
  /** Both steps together, valid on the session pruneCombined was called with. */
  result: PruneResult;
  /** The structured step alone, valid on the same session. */
  structured: PruneResult;
}

function checkSpec(spec: CombinedSpec): void {
  const { structured: s, weights: w } = spec;
  for (const [name, m] of [
    ['structured', s.method],
    ['weight-level', w.method],
  ] as const)
    if (!METHODS[m]) throw new SippError('unknown-method', `unknown ${name} method ${m}`);
  if (!METHODS[s.method].structured)
    throw new SippError(
      'bad-combination',
      `${s.method} zeroes single weights; the first step of a combination must be a structured method (pfp, pfp-rand, pfp-top, filter-norm, softnet, filter-uniform)`,
    );
  if (METHODS[w.method].structured)
    throw new SippError(
      'bad-combination',
      `${w.method} is a structured method; the second step of a combination must zero single weights (sipp, sipp-det, sipp-rand, wt, snip, uniform, random)`,
    );
  for (const v of [s.sparsity, w.sparsity])
    if (!(v >= 0 && v < 1)) throw new SippError('bad-sparsity', `sparsity must be in [0, 1), got ${v}`);
  if (w.sparsity < s.sparsity)
    throw new SippError(
      'bad-sparsity',
      `the total sparsity ${w.sparsity} (relative to the dense model) is below the structured step's ${s.sparsity}; ` +
        `the weight step only prunes further, so the total must be at least the structured target`,
    );
}

/** Progress of one step, its stages named after it (so that no stage restarts from 0). */
function stagesOf(step: string, onProgress?: ProgressFn): ProgressFn | undefined {
  return onProgress && ((p) => onProgress({ ...p, stage: `${p.stage} (${step})` }));
}

/**
 * Structured first (whole channels, to `spec.structured.sparsity`), then a weight-level method
 * on the structured network (a derived session, as the cascade's, so its scores are those of the
 * structured network) to the total `spec.weights.sparsity` of the ORIGINAL dense size. The
 * weight step only zeroes further: every structured zero stays zero (checked). Cancel: the
 * signal is checked between steps and inside each.
 */
export async function pruneCombined(
  session: PruningSession,
  spec: CombinedSpec,
  opts: PruneOptions = {},
): Promise<CombinedResult> {
  checkSpec(spec);
  const { structured: s, weights: w } = spec;
  const structured = await session.prune(s.method, s.sparsity, {
    ...opts,
    onProgress: stagesOf(`structured ${s.method}`, opts.onProgress),
  });
  await checkpoint(opts);
  const derived = await session.derive(structured);
  try {
    await checkpoint(opts);
    const r = await derived.prune(w.method, w.sparsity, {
      ...opts,
      onProgress: stagesOf(`weights ${w.method}`, opts.onProgress),
    });
    // The derived session's original is `structured`: what r leaves alone has its structured value.
    const overrides = new Map(structured.overrides);
    for (const [vi, v] of r.overrides) overrides.set(vi, v);
    for (const [vi, before] of structured.overrides) {
      const after = overrides.get(vi)!;
      if (before.some((v, k) => v === 0 && after[k] !== 0))
        throw new Error(`internal: the ${w.method} step un-pruned entries of variable ${vi}`);
    }
    return { result: session.resultWith(r, overrides), structured };
  } finally {
    derived.dispose();
  }
}

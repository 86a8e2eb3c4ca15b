/**
 * Budget and keep-ratio search of §5. Sizes count non-zero entries of all parameters (§5.1);
 * everything but prunable kernels is fixed cost.
 */
export interface SizeModel {
  /** size(original): non-zero entries of all parameters of the dense model. */
  originalNonzero: number;
  /** Non-zero parameters that are not prunable kernels (biases, BN, skipped layers). */
  fixedNonzero: number;
  /** compressible_size: non-zero prunable kernel entries. */
  compressible: number;
}

/** B = floor(kr'·size(original)) − fixed, clipped to [0, compressible] (§5.2). */
export function budgetFor(keepRatio: number, size: SizeModel): number {
  const b = Math.floor(keepRatio * size.originalNonzero) - size.fixedNonzero;
  return Math.min(Math.max(b, 0), size.compressible);
}

export interface Trial<T> {
  budget: number;
  /** Achieved size(pruned) for this budget, all parameters. */
  size: number;
  value: T;
}

export interface SearchResult<T> {
  best: Trial<T>;
  /** Achieved keep ratio of `best`. */
  keepRatio: number;
  /** True when |kr_actual − kr| < 0.5 %·kr; false means `best` is the nearest achievable. */
  withinTolerance: boolean;
  trials: number;
}

export const KEEP_TOLERANCE = 0.005;

/**
 * Finds a budget whose achieved keep ratio is within 0.5 % (relative) of `keepRatio`, the
 * counterpart of the reference's Brent search on kr' (§5.3). We search the integer budget B
 * directly (B is monotone in kr'): first B(kr), then bracketed secant steps with bisection
 * safeguards, at most `maxTrials` runs. Every trial restarts from the same inputs (the caller
 * seeds its RNG per trial), so the search is repeatable.
 */
export async function searchBudget<T>(
  keepRatio: number,
  size: SizeModel,
  run: (budget: number) => Promise<{ size: number; value: T }>,
  maxTrials = 30,
  /** Where to start instead of B(kr), e.g. corrected by what earlier searches of this method achieved. */
  firstBudget?: number,
): Promise<SearchResult<T>> {
  const cache = new Map<number, Trial<T>>();
  const tol = KEEP_TOLERANCE * keepRatio;
  const target = keepRatio * size.originalNonzero;
  const trial = async (budget: number): Promise<Trial<T>> => {
    const b = Math.min(Math.max(Math.round(budget), 0), size.compressible);
    let t = cache.get(b);
    if (!t) {
      const r = await run(b);
      t = { budget: b, size: r.size, value: r.value };
      cache.set(b, t);
    }
    return t;
  };
  const err = (t: Trial<T>) => t.size / size.originalNonzero - keepRatio;
  const done = (t: Trial<T>) => Math.abs(err(t)) < tol;

  let t = await trial(firstBudget ?? budgetFor(keepRatio, size));
  if (!done(t)) {
    // Bracket by growing steps away from the first trial: extreme budgets are expensive for the
    // sampling methods (B = everything means coupon-collecting every row), and rarely needed.
    let lo = t;
    let hi = t;
    for (let step = Math.max(1, 0.05 * t.budget); lo.size >= target && lo.budget > 0; step *= 2)
      lo = await trial(Math.max(0, lo.budget - step));
    for (
      let step = Math.max(1, 0.05 * t.budget);
      hi.size <= target && hi.budget < size.compressible;
      step *= 2
    )
      hi = await trial(Math.min(size.compressible, hi.budget + step));
    let side = 0;
    while (cache.size < maxTrials && hi.budget - lo.budget > 1 && !done(t)) {
      if (lo.size >= target || hi.size <= target) break; // not bracketed: nearest achievable
      let next = lo.budget + ((target - lo.size) * (hi.budget - lo.budget)) / (hi.size - lo.size);
      // Illinois-style safeguard: after two steps on the same side, bisect.
      if (side === 2 || side === -2 || !Number.isFinite(next)) next = 0.5 * (lo.budget + hi.budget);
      next = Math.min(Math.max(Math.round(next), lo.budget + 1), hi.budget - 1);
      if (cache.has(next)) next = Math.round(0.5 * (lo.budget + hi.budget));
      t = await trial(next);
      if (t.size < target) {
        lo = t;
        side = side > 0 ? side + 1 : 1;
      } else {
        hi = t;
        side = side < 0 ? side - 1 : -1;
      }
    }
  }
  let best = t;
  for (const c of cache.values()) if (Math.abs(err(c)) < Math.abs(err(best))) best = c;
  return {
    best,
    keepRatio: best.size / size.originalNonzero,
    withinTolerance: done(best),
    trials: cache.size,
  };
}

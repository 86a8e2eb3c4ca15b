import { alphaOf, C_CONSTANT, EPS32 } from '../prune/program';
import type { LayerWeights } from '../prune/layout';
import { countOnes, inputChannels, liveInputs, liveOutputs } from './channels';

/**
 * Allocators of structured pruning (pfp-algorithm.md §2 and §5.1): a budget B of prunable weights
 * becomes one integer per layer, the number of features (input channels or output filters) kept.
 * Both search one scalar (PFP: the relative error ε; the uniform allocator: the keep fraction r),
 * and pick the level of the estimated size closest to B (§2.3).
 */

/** Per-layer counts on the start weights (get_num_features): live channels n and live outputs o. */
export interface FeatureCounts {
  /** Input channels C (F / taps). */
  channels: number;
  /** n_ℓ: input channels with a non-zero weight slice. */
  n: number;
  /** o_ℓ: output units with a non-zero weight slice. */
  o: number;
  /** All output units (the channels the next layer reads). */
  outs: number;
  taps: number;
}

export function featureCounts(L: LayerWeights): FeatureCounts {
  return {
    channels: inputChannels(L),
    n: countOnes(liveInputs(L)),
    o: countOnes(liveOutputs(L)),
    outs: L.out,
    taps: L.taps,
  };
}

/**
 * Whether layer ℓ's outputs are layer ℓ+1's input channels one for one. torchprune pairs every
 * layer with the next (F6); we pair only where the counts match, so Flatten → Dense (one conv
 * channel = H·W Dense inputs) or a residual stream is not mis-estimated. The outer search corrects
 * the final size either way.
 */
export function chained(counts: FeatureCounts[], l: number): boolean {
  return l + 1 < counts.length && counts[l + 1].channels === counts[l].outs;
}

/** §2.2 steps 4–5, "in" mode: size(kept) = Σ kept_ℓ·o'_ℓ·k_ℓ with o'_ℓ = o_ℓ − (n_{ℓ+1} − kept_{ℓ+1}). */
export function sizeIn(counts: FeatureCounts[], kept: number[]): number {
  let size = 0;
  counts.forEach((c, l) => {
    const o = chained(counts, l) ? Math.max(1, c.o - (counts[l + 1].n - kept[l + 1])) : c.o;
    size += kept[l] * o * c.taps;
  });
  return size;
}

/** §5.1, "out" mode: size(kept) = Σ n'_ℓ·kept_ℓ·k_ℓ with n'_{ℓ+1} = n_{ℓ+1} − (o_ℓ − kept_ℓ). */
export function sizeOut(counts: FeatureCounts[], kept: number[]): number {
  let size = 0;
  counts.forEach((c, l) => {
    const n = l > 0 && chained(counts, l - 1) ? Math.max(1, c.n - (counts[l - 1].o - kept[l - 1])) : c.n;
    size += n * kept[l] * c.taps;
  });
  return size;
}

export interface Level {
  kept: number[];
  size: number;
}

/**
 * The level closest to `budget` of a size that does not increase with x on [a, b] (§2.3, the
 * reference's brentq with its "no bisection possible" ends). Bisection down to adjacent floats
 * leaves the two levels next to the jump; the closer wins, a tie goes to the larger (as in §8.3).
 */
export function closestLevel(at: (x: number) => Level, budget: number, a: number, b: number): Level {
  let lo = at(a);
  if (lo.size <= budget) return lo;
  let hi = at(b);
  if (hi.size >= budget) return hi;
  let xl = a;
  let xh = b;
  for (let it = 0; it < 2000; it++) {
    const xm = 0.5 * (xl + xh);
    if (xm <= xl || xm >= xh) break;
    const m = at(xm);
    if (m.size > budget) [xl, lo] = [xm, m];
    else [xh, hi] = [xm, m];
  }
  return lo.size - budget <= budget - hi.size ? lo : hi;
}

/** Per-layer constants of PFP's allocator (§2.1), in float64. */
interface PfpLayer {
  /** p_ℓ over channels with p > 0: log(1 − p) for E(m), in float64 (F4: no pow(1, ∞)). */
  logq: Float64Array;
  /** a_ℓ = α_ℓ·S_ℓ; 0 when S_ℓ ≤ ε₃₂ (F1: such a layer keeps one channel). */
  a: number;
  valid: boolean;
}

/** Smallest and largest ε of the search, in log space (§2.5: float64 needs no float32 ends). */
const LOG_EPS_RANGE: [number, number] = [Math.log(1e-150), Math.log(1e150)];
/** ⌈E − 1e-9⌉: a float sum of exactly 1 must not round up to 2 (F3). */
const CEIL_SLACK = 1e-9;

/** PFP's allocator (PFPRandAllocator, §2): one ε for all layers, kept channels per layer. */
export class PfpAllocator {
  private readonly layers: PfpLayer[];
  private readonly cache = new Map<number, Level>();

  constructor(
    layers: LayerWeights[],
    sIn: Float64Array[],
    readonly counts: FeatureCounts[] = layers.map(featureCounts),
  ) {
    this.layers = layers.map((L, l) => {
      const S = sIn[l].reduce((s, v) => s + v, 0);
      const valid = S > EPS32;
      const p = valid ? Array.from(sIn[l], (v) => v / S).filter((v) => v > 0) : [];
      return { logq: Float64Array.from(p, (v) => Math.log1p(-v)), a: valid ? alphaOf(L) * S : 0, valid };
    });
  }

  /** §2.2 step 1: m_ℓ(ε) = ⌈3·(6 + 2ε)·a_ℓ/ε²⌉, at least 1 (∞ where it overflows). */
  static draws(a: number, eps: number): number {
    const m = Math.ceil((C_CONSTANT * (6 + 2 * eps) * a) / (eps * eps));
    return m >= 1 ? m : 1;
  }

  /** §2.2 steps 2–3: ⌈expected distinct channels in m draws⌉, clamped to [1, n_ℓ]. */
  keptAt(l: number, eps: number): number {
    const L = this.layers[l];
    if (!L.valid) return 1;
    const m = PfpAllocator.draws(L.a, eps);
    let e = 0;
    for (let j = 0; j < L.logq.length; j++) e += 1 - Math.exp(m * L.logq[j]);
    return Math.max(1, Math.min(Math.ceil(e - CEIL_SLACK), this.counts[l].n));
  }

  levelAt(logEps: number): Level {
    const eps = Math.exp(logEps);
    const kept = this.layers.map((_, l) => this.keptAt(l, eps));
    return { kept, size: sizeIn(this.counts, kept) };
  }

  /** §2.3: the allocation whose estimated size is closest to B; cached per B. */
  allocate(budget: number): Level {
    let r = this.cache.get(budget);
    if (!r) {
      r = closestLevel((x) => this.levelAt(x), budget, ...LOG_EPS_RANGE);
      this.cache.set(budget, r);
    }
    return r;
  }
}

/** torch.round: half to even (F20). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * FilterUniAllocator (§5.1): one ratio r ∈ [1e-12, 1] for all layers, each keeps round(r·n_ℓ)
 * features, at least 1. "out" mode never prunes the last layer's outputs, "in" mode never the first
 * layer's inputs.
 */
export class UniformAllocator {
  private readonly cache = new Map<number, Level>();
  readonly features: number[];

  constructor(
    readonly counts: FeatureCounts[],
    readonly mode: 'in' | 'out',
  ) {
    this.features = counts.map((c) => (mode === 'in' ? c.n : c.o));
  }

  levelAt(negLogR: number): Level {
    const r = Math.exp(-negLogR);
    const last = this.counts.length - 1;
    const kept = this.features.map((n, l) =>
      (this.mode === 'out' && l === last) || (this.mode === 'in' && l === 0)
        ? n
        : Math.min(n, Math.max(1, roundHalfEven(r * n))),
    );
    return { kept, size: this.mode === 'in' ? sizeIn(this.counts, kept) : sizeOut(this.counts, kept) };
  }

  allocate(budget: number): Level {
    let r = this.cache.get(budget);
    if (!r) {
      r = closestLevel((x) => this.levelAt(x), budget, 0, 12 * Math.LN10);
      this.cache.set(budget, r);
    }
    return r;
  }
}

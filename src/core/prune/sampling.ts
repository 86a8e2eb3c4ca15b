import { EPS32 } from './program';
import type { RowSide } from './layout';

/** The sampling distribution of one row-side (§2.2): p = s/S_r, with p ≤ ε₃₂ never sampled. */
export interface RowDistribution {
  /** Positions (into RowSide.idx) that can be sampled. */
  pos: Int32Array;
  /** Their probabilities p (not renormalised: the reweighting uses these, P4). */
  p: Float64Array;
  /** Cumulative sums of p, renormalised to end at 1, for drawing. */
  cdf: Float64Array;
  /** log(1 − p), for the expected number of distinct draws. */
  logq: Float64Array;
}

export function rowDistribution(r: RowSide): RowDistribution {
  const keep: number[] = [];
  const probs: number[] = [];
  if (r.total > EPS32) {
    for (let t = 0; t < r.s.length; t++) {
      const p = r.s[t] / r.total;
      if (p > EPS32) {
        keep.push(t);
        probs.push(p);
      }
    }
  }
  const p = Float64Array.from(probs);
  const cdf = new Float64Array(p.length);
  let acc = 0;
  p.forEach((v, i) => (cdf[i] = acc += v));
  cdf.forEach((v, i) => (cdf[i] = v / acc));
  return { pos: Int32Array.from(keep), p, cdf, logq: Float64Array.from(p, (v) => Math.log1p(-v)) };
}

/** Expected number of distinct items in m draws: Σ_j 1 − (1 − p_j)^m. */
export function expectedDistinct(d: RowDistribution, m: number): number {
  let e = 0;
  for (let i = 0; i < d.logq.length; i++) e += 1 - Math.exp(m * d.logq[i]);
  return e;
}

/**
 * §2.4 adapt_sample_size: the number of draws m whose expected distinct count reaches the target k.
 * We return the smallest integer m ≥ 1 with ⌈E_m⌉ ≥ k (the reference bisects a step function and
 * can differ by a few draws). The target is capped at n − 1: a row never aims to keep everything.
 */
export function drawsFor(d: RowDistribution, target: number): number {
  const n = d.p.length;
  if (target <= 1) return Math.max(0, target);
  if (n <= 1) return n;
  const k = Math.min(target, n - 1);
  const reached = (m: number) => Math.ceil(expectedDistinct(d, m) - 1e-9) >= k;
  // E_m ≤ m, so no m below k can reach k: search (lo, hi] with lo = k − 1.
  let lo = k - 1;
  let hi = k;
  while (!reached(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > 2 ** 40) return hi; // only with pathological p; bounded anyway
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (reached(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Multinomial(m, p) by inverse-CDF draws: counts per sampleable position. */
export function drawCounts(d: RowDistribution, m: number, random: () => number): Int32Array {
  const counts = new Int32Array(d.p.length);
  const last = d.cdf.length - 1;
  for (let t = 0; t < m; t++) {
    const u = random();
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (d.cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    counts[lo]++;
  }
  return counts;
}

/**
 * §2.5 for one row-side: draws m times, reweights kept weights by count/(m·p), and applies the
 * escape clause (a draw that covers every non-zero weight of the row-side leaves it unchanged).
 * Writes into `out` (the pruned kernel, zero where not kept); returns the kept count.
 */
export function sampleRowSide(
  r: RowSide,
  d: RowDistribution,
  m: number,
  kernel: Float32Array,
  out: Float32Array,
  random: () => number,
): number {
  if (m < 1 || d.p.length === 0) return 0;
  const counts = drawCounts(d, m, random);
  let distinct = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0) distinct++;
  if (distinct >= r.idx.length) {
    for (let t = 0; t < r.idx.length; t++) out[r.idx[t]] = kernel[r.idx[t]];
    return r.idx.length;
  }
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) continue;
    const k = r.idx[d.pos[i]];
    out[k] = Math.fround((counts[i] / (m * d.p[i])) * kernel[k]);
  }
  return distinct;
}

/** Top-k of a row-side (mask only, §3.3), with the same escape clause. Returns the kept count. */
export function keepTopOfRowSide(r: RowSide, k: number, kernel: Float32Array, out: Float32Array): number {
  const take = Math.min(Math.max(0, k), r.idx.length);
  for (let t = 0; t < take; t++) out[r.idx[t]] = kernel[r.idx[t]];
  return take;
}

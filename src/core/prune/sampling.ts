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
  /** p in float32, as the reference's adapt_sample_size sees it. */
  q32: Float32Array;
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
  return {
    pos: Int32Array.from(keep),
    p,
    cdf,
    logq: Float64Array.from(p, (v) => Math.log1p(-v)),
    q32: Float32Array.from(p),
  };
}

/** Expected number of distinct items in m draws: Σ_j 1 − (1 − p_j)^m. */
export function expectedDistinct(d: RowDistribution, m: number): number {
  let e = 0;
  for (let i = 0; i < d.logq.length; i++) e += 1 - Math.exp(m * d.logq[i]);
  return e;
}

/** ⌈E_m⌉ as the reference computes it: float32 terms 1 − (1 − q)^m summed in float32, then ceil. */
function ceilExpected32(q: Float32Array, m: number): number {
  let e = 0;
  for (let i = 0; i < q.length; i++) {
    const term = Math.fround(1 - Math.fround(Math.pow(Math.fround(1 - q[i]), m)));
    e = Math.fround(e + term);
  }
  return Math.ceil(e);
}

// scipy.optimize.bisect's defaults: the reference calls it without tolerances.
const BISECT_XTOL = 2e-12;
const BISECT_RTOL = 8.881784197001252e-16;
const BISECT_ITER = 100;

/** scipy's bisect (Zeros/bisect.c), step for step: where it stops decides the draw count. */
function scipyBisect(f: (x: number) => number, a: number, b: number): number {
  const fa = f(a);
  const fb = f(b);
  // The reference raises here; the doubling below guarantees fb >= 0 and Jensen fa <= 0, so only
  // float32 rounding can get here, and the lower bound is then already enough.
  if (fa * fb > 0) return a;
  if (fa === 0) return a;
  if (fb === 0) return b;
  let dm = b - a;
  for (let i = 0; i < BISECT_ITER; i++) {
    dm *= 0.5;
    const xm = a + dm;
    const fm = f(xm);
    if (fm * fa >= 0) a = xm;
    if (fm === 0 || Math.abs(dm) < BISECT_XTOL + BISECT_RTOL * Math.abs(xm)) return xm;
  }
  return a;
}

/**
 * §2.4 adapt_sample_size exactly as the reference computes it (torchprune `base_util.py`): the
 * target is capped at n − 1 (a row never aims to keep everything), the search starts at the
 * Jensen lower bound m₀, an upper bound is doubled until ⌈E⌉ reaches the target, and scipy's
 * bisection on the step function m ↦ ⌈E_⌊m⌋⌉ − k decides m. That usually stops inside the
 * plateau ⌈E_m⌉ = k, not at its left end: drawing the smallest sufficient m instead costs
 * SiPP-Rand several points (measured side by side with the reference).
 * `q` are the row's non-zero probabilities in float32, as the reference holds them.
 */
export function adaptSampleSize(q: Float32Array, target: number): number {
  if (target === 0 || target === 1) return target;
  const n = q.length;
  if (n === 0 || n === 1) return n;
  const k = Math.min(Math.trunc(target), n - 1);
  const f = (x: number) => ceilExpected32(q, Math.trunc(x)) - k;
  let sum = 0;
  for (let i = 0; i < n; i++) sum = Math.fround(sum + q[i]);
  const mean = Math.fround(sum / n);
  const argMin = Math.floor(Math.log(n / (n - k)) / Math.log(Math.fround(1 / Math.fround(1 - mean))));
  let argMax = Math.max(1, argMin);
  while (f(argMax) < 0) {
    argMax *= 2;
    if (argMax > 2 ** 40) return argMax; // only with pathological q; bounded anyway
  }
  return Math.trunc(scipyBisect(f, argMin, argMax));
}

/** adapt_sample_size for a row-side's distribution (probabilities held in float32, as the reference). */
export function drawsFor(d: RowDistribution, target: number): number {
  return adaptSampleSize(d.q32, target);
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

import { EPS32 } from '../prune/program';
import { adaptSampleSize } from '../prune/sampling';
import { topMask } from './channels';

/**
 * The per-layer pruners and sparsifiers of PFP (pfp-algorithm.md §3). Each returns one scale per
 * input channel: 0 removes the channel's whole kernel slice, 1 keeps it, γ reweights it.
 */

/** counts ~ Multinomial(m, q) over the channels (q need not be normalised; q = 0 is never drawn). */
export type Draw = (q: Float64Array, m: number) => Int32Array;

export function multinomial(random: () => number): Draw {
  return (q, m) => {
    const cdf = new Float64Array(q.length);
    let acc = 0;
    q.forEach((v, c) => (cdf[c] = acc += v));
    const counts = new Int32Array(q.length);
    for (let t = 0; t < m; t++) {
      const u = random() * acc;
      let lo = 0;
      let hi = q.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] > u) hi = mid;
        else lo = mid + 1;
      }
      // Skip zero-probability channels that share the cdf value of the one drawn.
      while (q[lo] === 0 && lo < q.length - 1) lo++;
      counts[lo]++;
    }
    return counts;
  };
}

/** One layer as its pruner sees it. */
export interface ChannelLayer {
  /** s_in per input channel (§1.2). */
  s: Float64Array;
  /** Channels by s_in descending, ties: live first, then lower index (F10). */
  order: number[];
  /** n_ℓ: live input channels. */
  n: number;
}

/**
 * F9 of the note: the reference resamples (and reweights) a layer even when its allocation keeps
 * every live channel. 'keep' leaves such a layer as it is (our default, the intended behaviour);
 * 'resample' reproduces the reference, for the worked example of §8.6–8.7.
 */
export type WholeLayer = 'keep' | 'resample';

/** §3.2 step 1: q = s/S with S ≤ ε₃₂ → all 0 and q ≤ ε₃₂ → 0; `q32` the non-zero q in float32. */
export function channelProbabilities(
  s: Float64Array,
  truncate = true,
): { q: Float64Array; q32: Float32Array } {
  const S = s.reduce((a, v) => a + v, 0);
  const q = new Float64Array(s.length);
  if (S > EPS32 || !truncate) s.forEach((v, c) => (q[c] = S > 0 ? v / S : 0));
  if (truncate) q.forEach((v, c) => (q[c] = v > EPS32 ? v : 0));
  return { q, q32: Float32Array.from(q.filter((v) => v > 0)) };
}

/** PFPNet (§3.1): the top-k channels by s_in, a 0/1 mask with no reweighting. */
export function pfpDet(layer: ChannelLayer, k: number): Float64Array {
  return topMask(layer.order, k, layer.s.length);
}

function ones(n: number): Float64Array {
  return new Float64Array(n).fill(1);
}

/** Draws m channels by q and returns count/(m·q) per channel, added into `scale`. */
function sampleInto(scale: Float64Array, q: Float64Array, m: number, draw: Draw): void {
  const counts = draw(q, m);
  counts.forEach((n, c) => {
    if (n > 0) scale[c] += n / (m * q[c]);
  });
}

/**
 * PFPNetRand (§3.2): m = adapt_sample_size(q, k) draws with replacement, channel c scaled by
 * count_c/(m·q_c). F1: with S ≤ ε₃₂ the reference raises; we keep the lowest-index live channel.
 */
export function pfpRand(
  layer: ChannelLayer,
  k: number,
  draw: Draw,
  whole: WholeLayer = 'keep',
): Float64Array {
  const C = layer.s.length;
  if (whole === 'keep' && k >= layer.n) return ones(C);
  const { q, q32 } = channelProbabilities(layer.s);
  if (q32.length === 0) return topMask(layer.order, 1, C);
  const scale = new Float64Array(C);
  sampleInto(scale, q, adaptSampleSize(q32, k), draw);
  return scale;
}

/**
 * PFPNetTop (§3.3): channels whose expected count m*·p reaches 1 are kept as they are (k_det), the
 * other k_rand = k − k_det are sampled among the rest with q recomputed over them. One ranking
 * serves both parts, so no channel is in both or in neither (F11).
 */
export function pfpTop(layer: ChannelLayer, k: number, draw: Draw, whole: WholeLayer = 'keep'): Float64Array {
  const C = layer.s.length;
  if (whole === 'keep' && k >= layer.n) return ones(C);
  if (k <= 1) return pfpDet(layer, k);
  const { q: p, q32: p32 } = channelProbabilities(layer.s, false);
  if (p32.length === 0) return topMask(layer.order, 1, C);
  const mStar = adaptSampleSize(p32, k);
  let big = 0;
  p.forEach((v) => (big += v > 0 && v >= 1 / mStar ? 1 : 0));
  const kDet = Math.min(big, k);
  const kRand = k - kDet;
  const scale = topMask(layer.order, kDet, C);
  if (kRand > 0) {
    const rest = Float64Array.from(layer.s);
    for (let t = 0; t < kDet; t++) rest[layer.order[t]] = 0;
    const { q, q32 } = channelProbabilities(rest);
    if (q32.length > 0) sampleInto(scale, q, adaptSampleSize(q32, kRand), draw);
  }
  return scale;
}

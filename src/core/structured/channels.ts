import type { LayerWeights } from '../prune/layout';

/**
 * Channel views of a prunable kernel in the pruning layout [F, out] (index j*out + i), where the
 * row j = (u*kw + v)*C + c for every kind (Conv2DTranspose rows are already permuted into it), so
 * input channel c owns the rows j ≡ c (mod C) with C = F / taps.
 */
export function inputChannels(L: LayerWeights): number {
  return L.fanIn / L.taps;
}

/**
 * PFP's channel sensitivity s_in (pfp-algorithm.md §1.2) from SiPP's per-weight sensitivity with
 * the MAX reduction over positions: s_in[c] = max over (taps, outputs) of s[j, i]. Exact, because
 * every reduction in s_in is a max and maxima commute; so PFP reads the very pass SiPP-Rand and
 * SiPP-Hybrid use, and no second forward pass over S is needed. Returned in float64.
 */
export function channelSensitivity(L: LayerWeights, sMax: Float32Array): Float64Array {
  const C = inputChannels(L);
  const s = new Float64Array(C);
  for (let j = 0; j < L.fanIn; j++) {
    const c = j % C;
    const row = j * L.out;
    let m = s[c];
    for (let i = 0; i < L.out; i++) if (sMax[row + i] > m) m = sMax[row + i];
    s[c] = m;
  }
  return s;
}

/** 1 for each input channel whose kernel slice has a non-zero weight (get_num_features, "in"). */
export function liveInputs(L: LayerWeights): Uint8Array {
  const C = inputChannels(L);
  const live = new Uint8Array(C);
  for (let j = 0; j < L.fanIn; j++)
    for (let i = 0; i < L.out; i++) if (L.kernel[j * L.out + i] !== 0) live[j % C] = 1;
  return live;
}

/** 1 for each output unit or filter with a non-zero weight (get_num_features, "out"). */
export function liveOutputs(L: LayerWeights): Uint8Array {
  const live = new Uint8Array(L.out);
  for (let k = 0; k < L.kernel.length; k++) if (L.kernel[k] !== 0) live[k % L.out] = 1;
  return live;
}

export const countOnes = (a: Uint8Array): number => a.reduce((s, v) => s + v, 0);

/** The kernel with input channel c multiplied by scale[c] (0 zeroes the whole slice, 1 keeps it). */
export function scaleInputs(L: LayerWeights, scale: Float64Array): Float32Array {
  const C = inputChannels(L);
  const out = new Float32Array(L.kernel.length);
  for (let j = 0; j < L.fanIn; j++) {
    const g = scale[j % C];
    if (g === 0) continue;
    const row = j * L.out;
    for (let i = 0; i < L.out; i++)
      out[row + i] = g === 1 ? L.kernel[row + i] : Math.fround(g * L.kernel[row + i]);
  }
  return out;
}

/** The kernel with only the output filters where keep[i] = 1 (mask only). */
export function keepOutputs(L: LayerWeights, keep: Uint8Array): Float32Array {
  const out = new Float32Array(L.kernel.length);
  for (let k = 0; k < L.kernel.length; k++) if (keep[k % L.out]) out[k] = L.kernel[k];
  return out;
}

/**
 * Indices 0..n-1 by score, descending; ties: features with live weights first, then the lower index
 * (a fixed rule where the reference's argpartition is arbitrary, pfp-algorithm.md F10).
 */
export function rankFeatures(score: ArrayLike<number>, live: Uint8Array): number[] {
  return Array.from({ length: score.length }, (_, c) => c).sort(
    (a, b) => score[b] - score[a] || live[b] - live[a] || a - b,
  );
}

/** A 0/1 float mask that keeps the first k entries of `order`. */
export function topMask(order: number[], k: number, n: number): Float64Array {
  const m = new Float64Array(n);
  for (let t = 0; t < Math.min(k, n); t++) m[order[t]] = 1;
  return m;
}

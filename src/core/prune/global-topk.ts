import type { LayerWeights } from './layout';

/**
 * A global ranking of every non-zero prunable weight, best first. Det, WT and SNIP keep the top B
 * of one such ranking (§3, §7), so a slider step is a prefix cut: O(weights), no re-sorting.
 * Zero weights are not candidates: keeping them would spend budget on nothing (P12).
 */
export interface Ranking {
  /** Layer index of each ranked weight. */
  layer: Uint16Array;
  /** Flat kernel index within its layer. */
  index: Int32Array;
}

/** Ranks by `score` descending; ties by |w| descending, then layer and index (deterministic). */
export function rankByScore(layers: LayerWeights[], scores: Float32Array[]): Ranking {
  let n = 0;
  for (const L of layers) for (let k = 0; k < L.kernel.length; k++) if (L.kernel[k] !== 0) n++;
  const layer = new Uint16Array(n);
  const index = new Int32Array(n);
  const sc = new Float64Array(n);
  const mag = new Float64Array(n);
  let t = 0;
  layers.forEach((L, li) => {
    for (let k = 0; k < L.kernel.length; k++) {
      if (L.kernel[k] === 0) continue;
      layer[t] = li;
      index[t] = k;
      sc[t] = scores[li][k];
      mag[t] = Math.abs(L.kernel[k]);
      t++;
    }
  });
  const order = new Uint32Array(n).map((_, i) => i);
  order.sort((a, b) => sc[b] - sc[a] || mag[b] - mag[a] || a - b);
  return { layer: Uint16Array.from(order, (o) => layer[o]), index: Int32Array.from(order, (o) => index[o]) };
}

/** A seeded uniformly random ranking: the `random` baseline is a prefix of it. */
export function randomRanking(layers: LayerWeights[], random: () => number): Ranking {
  const zeros = layers.map((L) => new Float32Array(L.kernel.length));
  const r = rankByScore(layers, zeros);
  for (let i = r.index.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [r.index[i], r.index[j]] = [r.index[j], r.index[i]];
    [r.layer[i], r.layer[j]] = [r.layer[j], r.layer[i]];
  }
  return r;
}

/** Kernels that keep the first `budget` weights of the ranking (mask only, no reweighting). */
export function keepTop(layers: LayerWeights[], ranking: Ranking, budget: number): Float32Array[] {
  const out = layers.map((L) => new Float32Array(L.kernel.length));
  const b = Math.min(Math.max(0, Math.floor(budget)), ranking.index.length);
  for (let t = 0; t < b; t++) {
    const li = ranking.layer[t];
    const k = ranking.index[t];
    out[li][k] = layers[li].kernel[k];
  }
  return out;
}

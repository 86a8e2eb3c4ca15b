import type { LayerWeights } from '../prune/layout';

/**
 * The `uniform` baseline (§7, UniNet): every row of every layer keeps max(1, ⌊kr_u·F⌋) weights,
 * kr_u = B / (all prunable weights, zeros included), drawn uniformly with replacement among the
 * row's non-zero weights and reweighted (count·n/m), with the escape clause of §2.5.
 * Deviation: the reference's ⌊kr_u·F⌋ moves in steps of a whole layer's row count, too coarse for
 * the 0.5 % keep-ratio tolerance on small models; we give the rounding remainder of each layer
 * (Σ kr_u·F − Σ ⌊kr_u·F⌋) to its first rows, one extra weight each, so targets sum to B.
 */
export function uniformSparsify(
  layers: LayerWeights[],
  budget: number,
  random: () => number,
): Float32Array[] {
  const totalWeights = layers.reduce((s, L) => s + L.kernel.length, 0);
  const kr = totalWeights > 0 ? budget / totalWeights : 0;
  return layers.map((L) => {
    const out = new Float32Array(L.kernel.length);
    if (budget <= 0) return out;
    const exact = kr * L.fanIn;
    const base = Math.floor(exact);
    const extra = Math.round((exact - base) * L.out);
    const members: number[] = [];
    for (let i = 0; i < L.out; i++) {
      const target = Math.max(1, base + (i < extra ? 1 : 0));
      members.length = 0;
      for (let j = 0; j < L.fanIn; j++) if (L.kernel[j * L.out + i] !== 0) members.push(j * L.out + i);
      const n = members.length;
      if (n === 0) continue;
      const k = Math.min(target, n - 1);
      if (target >= n || k < 1) {
        // Keeping k ≥ n means the row stays as it is; n = 1 rows keep their only weight.
        for (const idx of members) out[idx] = L.kernel[idx];
        continue;
      }
      const m = uniformDraws(n, k);
      const counts = new Int32Array(n);
      for (let t = 0; t < m; t++) counts[Math.floor(random() * n)]++;
      let distinct = 0;
      counts.forEach((c) => (distinct += c > 0 ? 1 : 0));
      members.forEach((idx, t) => {
        if (distinct >= n) out[idx] = L.kernel[idx];
        else if (counts[t] > 0) out[idx] = Math.fround(((counts[t] * n) / m) * L.kernel[idx]);
      });
    }
    return out;
  });
}

/**
 * adapt_sample_size's closed form for uniform p, as the reference computes it
 * (`_adapt_uniform_sample_size`): ⌈ln(n/(n−k)) / ln(n/(n−1))⌉ with k capped at n − 1.
 */
export function uniformDraws(n: number, k: number): number {
  if (k <= 1) return k;
  if (n <= 1) return n;
  const kk = Math.min(Math.trunc(k), n - 1);
  return Math.ceil(Math.log(n / (n - kk)) / Math.log(n / (n - 1)));
}

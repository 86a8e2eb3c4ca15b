/**
 * CPU-side view of the prunable weights for the pruning algorithms. Kernels are in Keras layout
 * flattened to [F, out] (index j*out + i): row i of the paper is column i here.
 */
export interface LayerWeights {
  key: string;
  kernel: Float32Array;
  fanIn: number;
  out: number;
  /** kh·kw (1 for Dense): k_ℓ of §2.3. */
  taps: number;
  /** Output positions L_ℓ (1 for Dense). */
  positions: number;
}

/**
 * One row-side (§2): output unit i of a layer restricted to weights of one sign. `idx` holds the
 * flat kernel indices of that sign, sorted by sensitivity (descending; ties: larger |w| first, then
 * lower index) so that top-k is a prefix.
 */
export interface RowSide {
  layer: number;
  row: number;
  sign: 1 | -1;
  idx: Int32Array;
  /** Sensitivities of idx, in the same (descending) order. */
  s: Float64Array;
  /** S_r = Σ s. */
  total: number;
  /** n_r: entries with s > 0. */
  nonzeroS: number;
}

export function rowSides(layers: LayerWeights[], sens: Float32Array[]): RowSide[] {
  const out: RowSide[] = [];
  layers.forEach((L, li) => {
    const s = sens[li];
    // Allocator order of the reference: all + rows of a layer, then all − rows.
    for (const sign of [1, -1] as const) {
      for (let i = 0; i < L.out; i++) {
        const members: number[] = [];
        for (let j = 0; j < L.fanIn; j++) {
          const k = j * L.out + i;
          const w = L.kernel[k];
          if ((sign === 1 && w > 0) || (sign === -1 && w < 0)) members.push(k);
        }
        members.sort((a, b) => s[b] - s[a] || Math.abs(L.kernel[b]) - Math.abs(L.kernel[a]) || a - b);
        const sv = new Float64Array(members.length);
        let total = 0;
        let nonzeroS = 0;
        members.forEach((k, t) => {
          sv[t] = s[k];
          total += s[k];
          if (s[k] > 0) nonzeroS++;
        });
        out.push({ layer: li, row: i, sign, idx: Int32Array.from(members), s: sv, total, nonzeroS });
      }
    }
  });
  return out;
}

/** Non-zero count of a flat array. */
export function countNonzero(a: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) n++;
  return n;
}

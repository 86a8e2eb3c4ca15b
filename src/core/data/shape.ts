// Small helpers for shapes and flat indices, shared by the parsers so every message spells shapes the same way.

/** `[6, 28, 28]`: the form every data message uses for a shape or a multi-index. */
export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}

/** The multi-index of flat position `flat` in a C-order array of `shape`, formatted like a shape. */
export function formatIndex(flat: number, shape: readonly number[]): string {
  const idx: number[] = new Array(shape.length).fill(0);
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = rest % shape[d];
    rest = Math.floor(rest / shape[d]);
  }
  return formatShape(idx);
}

export function product(dims: readonly number[]): number {
  let p = 1;
  for (const d of dims) p *= d;
  return p;
}

/**
 * For each position of a C-order array, the position of the same element in Fortran (column-major)
 * storage, so a reader can walk Fortran bytes and fill a C-order result.
 */
export function fortranOrderIndex(shape: readonly number[]): Uint32Array {
  const n = product(shape);
  const rank = shape.length;
  const stride: number[] = [];
  let s = 1;
  for (let d = 0; d < rank; d++) {
    stride.push(s);
    s *= shape[d];
  }
  const out = new Uint32Array(n);
  const idx: number[] = new Array(rank).fill(0);
  let f = 0;
  for (let c = 0; c < n; c++) {
    out[c] = f;
    // Step the C-order multi-index (last axis fastest) and keep the Fortran offset in step with it.
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      f += stride[d];
      if (idx[d] < shape[d]) break;
      f -= stride[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Float64 reference of the empirical sensitivity (docs/sipp-algorithm.md §1), written as the
 * formula reads, in plain loops: per point, sign split, patches, Z±, the z rule, G, reduction over
 * positions, max over points and copies. Deliberately independent of the tfjs code under test.
 */
export interface RefLayer {
  kind: 'dense' | 'conv2d';
  /** Keras layout: dense [in, out]; conv [kh, kw, cin, out]. */
  kernel: Float64Array;
  kernelShape: number[];
  strides?: [number, number];
  dilation?: [number, number];
  padding?: 'valid' | 'same';
}

const EPS = 2 ** -23;

function padBefore(size: number, k: number, s: number, d: number, padding: string) {
  const eff = (k - 1) * d + 1;
  if (padding === 'valid') return { out: Math.floor((size - eff) / s) + 1, before: 0 };
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + eff - size, 0);
  return { out, before: Math.floor(total / 2) };
}

/** points: per point a flat NHWC sample (conv: [H, W, C]) or vector (dense: [in]). Returns [F*out]. */
export function referenceSensitivity(
  layer: RefLayer,
  points: Float64Array[],
  pointShape: number[],
  reduction: 'mean' | 'max',
): Float64Array {
  const isConv = layer.kind === 'conv2d';
  const [kh, kw, cin, out] = isConv ? layer.kernelShape : [1, 1, layer.kernelShape[0], layer.kernelShape[1]];
  const F = kh * kw * cin;
  const [H, W] = isConv ? pointShape : [1, 1];
  const [sh, sw] = layer.strides ?? [1, 1];
  const [dh, dw] = layer.dilation ?? [1, 1];
  const pad = layer.padding ?? 'valid';
  const ay = padBefore(H, kh, sh, dh, pad);
  const ax = padBefore(W, kw, sw, dw, pad);
  const L = ay.out * ax.out;
  const s = new Float64Array(F * out);
  for (const point of points) {
    const copies = point.some((v) => v < 0)
      ? [point.map((v) => Math.max(v, 0)), point.map((v) => Math.max(-v, 0))]
      : [point];
    for (const a of copies) {
      // patches P[p][j], j = (u*kw + v)*cin + c
      const P: Float64Array[] = [];
      for (let oy = 0; oy < ay.out; oy++)
        for (let ox = 0; ox < ax.out; ox++) {
          const col = new Float64Array(F);
          for (let u = 0; u < kh; u++)
            for (let v = 0; v < kw; v++) {
              const y = oy * sh + u * dh - ay.before;
              const x = ox * sw + v * dw - ax.before;
              if (y < 0 || y >= H || x < 0 || x >= W) continue;
              for (let c = 0; c < cin; c++) col[(u * kw + v) * cin + c] = a[(y * W + x) * cin + c];
            }
          P.push(col);
        }
      const g = new Float64Array(F * out);
      for (let i = 0; i < out; i++) {
        for (let p = 0; p < L; p++) {
          let zp = 0;
          let zn = 0;
          for (let j = 0; j < F; j++) {
            const w = layer.kernel[j * out + i];
            if (w > 0) zp += w * P[p][j];
            else if (w < 0) zn += w * P[p][j];
          }
          for (let j = 0; j < F; j++) {
            const w = layer.kernel[j * out + i];
            if (w === 0) continue;
            const z = w > 0 ? zp : zn;
            const G = Math.abs(z) <= EPS ? 0 : (w * P[p][j]) / z;
            const k = j * out + i;
            g[k] = reduction === 'mean' ? g[k] + G / L : Math.max(g[k], G);
          }
        }
      }
      for (let k = 0; k < s.length; k++) s[k] = Math.max(s[k], g[k]);
    }
  }
  return s;
}

// A sample's values as RGBA bytes for a canvas. Each picture is stretched from its own minimum
// to its maximum: inputs come scaled to [0, 1], to [-1, 1] or standardised, and all of them
// should look like the picture, not like a grey square.

export function toRgba(
  values: Float32Array,
  height: number,
  width: number,
  channels: 1 | 3,
): Uint8ClampedArray {
  const n = height * width;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n * channels; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi > lo ? hi - lo : 1;
  const base = Number.isFinite(lo) ? lo : 0;
  const out = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) {
      const v = values[p * channels + (channels === 3 ? c : 0)];
      out[p * 4 + c] = Number.isFinite(v) ? Math.round(((v - base) / span) * 255) : 0;
    }
    out[p * 4 + 3] = 255;
  }
  return out;
}

/** Whole-number zoom that brings the picture to about `target` CSS pixels (crisp, never blurred). */
export function zoomFor(height: number, width: number, target = 84): number {
  return Math.max(1, Math.floor(target / Math.max(height, width, 1)));
}

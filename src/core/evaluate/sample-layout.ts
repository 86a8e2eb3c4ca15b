// How to show one input sample to a person: as a picture when it is one, otherwise as its
// largest values. Pure (no tfjs), so the worker decides once and the page only draws.

export type SampleLayout =
  | {
      kind: 'image';
      height: number;
      width: number;
      channels: 1 | 3;
      /**
       * input: the model takes [H, W, C]; reshape: its first layer reshapes a flat vector into
       * one; square: a flat vector of k² values, drawn k×k as an assumption the page states.
       */
      source: 'input' | 'reshape' | 'square';
      /** Values per sample as the model takes them (H·W·C). */
      size: number;
    }
  | { kind: 'values'; size: number; shape: number[] };

/** Below this side a "square" vector is more likely features than pixels (49 values = 7×7). */
const MIN_SQUARE_SIDE = 8;

function imageOf(shape: number[]): { height: number; width: number; channels: 1 | 3 } | null {
  if (shape.length === 3 && (shape[2] === 1 || shape[2] === 3) && shape[0] > 1 && shape[1] > 1)
    return { height: shape[0], width: shape[1], channels: shape[2] as 1 | 3 };
  if (shape.length === 2 && shape[0] > 1 && shape[1] > 1)
    return { height: shape[0], width: shape[1], channels: 1 };
  return null;
}

/**
 * `perSample`: the model's input shape without the batch axis; `reshapeTo`: the target shape of
 * the model's first layer when that is a Reshape (without the batch axis), else null.
 */
export function sampleLayout(perSample: number[], reshapeTo: number[] | null): SampleLayout {
  const size = perSample.reduce((a, b) => a * b, 1);
  const direct = imageOf(perSample);
  if (direct) return { kind: 'image', ...direct, source: 'input', size };
  if (perSample.length === 1 && reshapeTo) {
    const r = imageOf(reshapeTo);
    if (r && r.height * r.width * r.channels === size)
      return { kind: 'image', ...r, source: 'reshape', size };
  }
  if (perSample.length === 1) {
    const k = Math.round(Math.sqrt(size));
    if (k >= MIN_SQUARE_SIDE && k * k === size)
      return { kind: 'image', height: k, width: k, channels: 1, source: 'square', size };
  }
  return { kind: 'values', size, shape: [...perSample] };
}

/** The k values of largest magnitude, largest first (ties: lower index first). */
export function topValues(values: ArrayLike<number>, k: number): { index: number; value: number }[] {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  idx.sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]) || a - b);
  return idx.slice(0, k).map((i) => ({ index: i, value: values[i] }));
}

/**
 * One sample's pixels, subsampled (nearest, every `step`-th row and column) so that neither side
 * exceeds `maxSide`: a 224×224 photo crosses postMessage as 112×112, a digit as it is.
 */
export function samplePixels(
  values: Float32Array,
  layout: Extract<SampleLayout, { kind: 'image' }>,
  maxSide: number,
): { data: Float32Array; height: number; width: number; step: number } {
  const step = Math.max(1, Math.ceil(Math.max(layout.height, layout.width) / maxSide));
  const { channels: c } = layout;
  if (step === 1)
    return { data: values.slice(0, layout.size), height: layout.height, width: layout.width, step };
  const height = Math.ceil(layout.height / step);
  const width = Math.ceil(layout.width / step);
  const data = new Float32Array(height * width * c);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let ch = 0; ch < c; ch++)
        data[(y * width + x) * c + ch] = values[(y * step * layout.width + x * step) * c + ch];
  return { data, height, width, step };
}

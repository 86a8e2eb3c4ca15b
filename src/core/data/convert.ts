// Conversion of parsed arrays (from .npy or JSON) into a batch's float32 inputs and int32 labels.
// Values are never rescaled here: where inputs look like raw 0..255 pixels a notice says so, and
// scaling stays an explicit choice (fitBatchToModel's scaleUint8).

import { SippError } from '../util/errors';
import { formatIndex, formatShape } from './shape';

/** What the converters need from an array, whichever parser produced it. */
export interface NumericArray {
  dtype: string;
  shape: number[];
  data: ArrayLike<number>;
}

export interface Inputs {
  x: Float32Array;
  notices: string[];
}

export interface Labels {
  y: Int32Array;
  /** Width of the one-hot rows the labels came from, or null when they were class indices. */
  oneHotWidth: number | null;
  notices: string[];
}

/** True when every value is an integer in 0..255 and some value exceeds 1 (so 0/1 masks do not count). */
export function looksLikeBytes(data: ArrayLike<number>): boolean {
  let max = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(v >= 0 && v <= 255 && Number.isInteger(v))) return false;
    if (v > max) max = v;
  }
  return max > 1;
}

/** `fromText`: the values came from JSON, where every number is a double; no conversion notice then. */
export function toInputs(a: NumericArray, file: string, fromText = false): Inputs {
  if (a.shape.length === 0) {
    throw new SippError(
      'batch-bad-shape',
      `${file}: x is a single number; expected an array of samples [N, ...].`,
    );
  }
  if (a.shape[0] === 0) {
    throw new SippError(
      'batch-empty',
      `${file}: x has shape ${formatShape(a.shape)}, which holds no samples.`,
    );
  }
  const x = Float32Array.from(a.data);
  checkFinite(x, a, file);
  return { x, notices: inputNotices(a, file, fromText) };
}

/** The message for raw 0..255 inputs; fitBatchToModel drops it once scaling is applied. */
export const RAW_PIXELS_NOTICE =
  'x holds integers in 0..255 (raw pixels?); they are used as they are, not rescaled. ' +
  'If the model was trained on inputs in [0, 1], turn on scaling by 1/255 (scaleUint8).';

/** Refuses NaN and infinities in `x` (the float32 values of `a`), naming the first one. */
export function checkFinite(x: Float32Array, a: NumericArray, file: string): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      const v = a.data[i];
      const why = Number.isFinite(v) ? ` (${v} is too large for float32)` : '';
      throw new SippError(
        'batch-nonfinite',
        `${file}: x${formatIndex(i, a.shape)} is ${x[i]}${why}; inputs must be finite numbers.`,
      );
    }
  }
}

/**
 * What parsing says about inputs: a dtype conversion to float32 (unless `keptAs` names the dtype they
 * are kept in, or they came from text) and raw 0..255 values. `bytesLike`: looksLikeBytes(a.data), when
 * the caller has it already.
 */
export function inputNotices(
  a: NumericArray,
  file: string,
  fromText = false,
  opts: { keptAs?: string; bytesLike?: boolean } = {},
): string[] {
  const notices: string[] = [];
  const kept = opts.keptAs ?? 'float32';
  if (a.dtype !== kept && !fromText) notices.push(`${file}: x was ${a.dtype}; converted to ${kept}.`);
  if (a.dtype === 'uint8' || (opts.bytesLike ?? looksLikeBytes(a.data))) {
    notices.push(`${file}: ${RAW_PIXELS_NOTICE}`);
  }
  return notices;
}

function classIndex(v: number, where: string, file: string): number {
  if (!Number.isInteger(v)) {
    throw new SippError('labels-not-integer', `${file}: label ${where} is ${v}, not an integer class index.`);
  }
  if (v < -0x80000000 || v > 0x7fffffff) {
    throw new SippError(
      'labels-out-of-range',
      `${file}: label ${where} is ${v}, far beyond any class index.`,
    );
  }
  return v;
}

/** Labels as class indices [N], a column [N, 1], or one-hot rows [N, C]. */
export function toLabels(a: NumericArray, file: string): Labels {
  const { shape, data } = a;
  const notices: string[] = [];
  if (shape.length === 1 || (shape.length === 2 && shape[1] === 1)) {
    if (shape.length === 2)
      notices.push(`${file}: y has shape ${formatShape(shape)}; read as one class index per sample.`);
    const y = new Int32Array(shape[0]);
    for (let i = 0; i < y.length; i++) y[i] = classIndex(data[i], 'y' + formatIndex(i, shape), file);
    return { y, oneHotWidth: null, notices };
  }
  if (shape.length !== 2) {
    throw new SippError(
      'labels-bad-shape',
      `${file}: y has shape ${formatShape(shape)}; expected class indices [N] or one-hot rows [N, classes].`,
    );
  }
  const [n, width] = shape;
  const notOneHot = (r: number, why: string): never => {
    const row = Array.from({ length: Math.min(width, 12) }, (_, k) => data[r * width + k]);
    throw new SippError(
      'labels-bad-onehot',
      `${file}: y has shape ${formatShape(shape)} but row ${r} is not one-hot (${why}; it needs exactly one 1, ` +
        `the rest 0): [${row.join(', ')}${width > 12 ? ', ...' : ''}].`,
    );
  };
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let hot = -1;
    for (let c = 0; c < width; c++) {
      const v = data[r * width + c];
      if (v === 0) continue;
      if (v !== 1) notOneHot(r, `it holds ${v}`);
      if (hot >= 0) notOneHot(r, 'it has more than one 1');
      hot = c;
    }
    if (hot < 0) notOneHot(r, 'it has no 1');
    y[r] = hot;
  }
  notices.push(`${file}: y holds one-hot rows of width ${width}; converted to class indices.`);
  return { y, oneHotWidth: width, notices };
}

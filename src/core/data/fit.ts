// Fitting a parsed batch to a model: shapes that hold the same values per sample are reshaped (with a
// notice), anything else is refused; labels are checked against the model's class count.

import type { Batch } from '../types';
import { SippError } from '../util/errors';
import { looksLikeBytes } from './convert';
import { formatShape, product } from './shape';

export interface FitOptions {
  /** Divide inputs by 255. Applied only when x holds integers in 0..255; never done unless asked. */
  scaleUint8?: boolean;
}

function sameSampleShape(sample: number[], model: (number | null)[]): boolean {
  return sample.length === model.length && model.every((d, i) => d === null || d === sample[i]);
}

/**
 * The shape [N, ...model sample] that x of shape `xShape` takes for a model with input shape
 * `modelInputShape`, with a notice when that is a reshape; or, when the values per sample differ, the
 * message that says so. Shared by batches and training sets, so both follow the same rules.
 */
export function fitSampleShape(
  xShape: number[],
  modelInputShape: (number | null)[],
  source: string,
): { shape: number[]; notice: string | null } | { mismatch: string } {
  const n = xShape[0];
  const sample = xShape.slice(1);
  const modelSample = modelInputShape.slice(1);
  if (modelInputShape.length > 0 && sameSampleShape(sample, modelSample))
    return { shape: xShape, notice: null };
  const fixed = modelSample.every((d): d is number => d !== null);
  const perSample = product(sample);
  const wanted = fixed ? product(modelSample as number[]) : NaN;
  if (modelInputShape.length === 0 || perSample !== wanted) {
    return {
      mismatch:
        `${source}: x has shape ${formatShape(xShape)} (${perSample} values per sample), but the model expects ` +
        `${formatShape(modelInputShape)}` +
        (fixed ? ` (${wanted} values per sample).` : '; the sizes cannot be matched.'),
    };
  }
  const shape = [n, ...(modelSample as number[])];
  return {
    shape,
    notice:
      `${source}: x reshaped from ${formatShape(xShape)} to ${formatShape(shape)} to fit the model input ` +
      `${formatShape(modelInputShape)} (same ${perSample} values per sample, same order).`,
  };
}

export type LabelProblem = { kind: 'count' | 'onehot-width' | 'range'; message: string };

/** What is wrong with labels `y` for `n` samples and a model of `numClasses` classes, or null. */
export function labelProblem(
  y: Int32Array,
  n: number,
  oneHotWidth: number | null | undefined,
  numClasses: number,
  source: string,
): LabelProblem | null {
  if (y.length !== n) {
    return { kind: 'count', message: `${source}: x has ${n} samples but y has ${y.length} labels.` };
  }
  // Narrower rows are class indices 0..width-1 of a larger model (a notice, see warnings.ts);
  // wider ones name classes the model does not have.
  if (oneHotWidth != null && oneHotWidth > numClasses) {
    return {
      kind: 'onehot-width',
      message: `${source}: y has one-hot rows of width ${oneHotWidth}, but the model has ${numClasses} classes.`,
    };
  }
  for (let i = 0; i < n; i++) {
    if (y[i] < 0 || y[i] >= numClasses) {
      return {
        kind: 'range',
        message: `${source}: label ${y[i]} (sample ${i}) is outside 0..${numClasses - 1}: the model has ${numClasses} classes.`,
      };
    }
  }
  return null;
}

/**
 * Checks `batch` against a model with input shape `modelInputShape` (batch axis first, e.g.
 * [null, 28, 28, 1]) and `numClasses` outputs; returns a new batch, reshaped or scaled if needed.
 * `oneHotWidth`, when the batch carries it (see LoadedBatch), must equal `numClasses`.
 */
export function fitBatchToModel(
  batch: Batch & { oneHotWidth?: number | null },
  modelInputShape: (number | null)[],
  numClasses: number,
  opts: FitOptions = {},
): Batch {
  const { xShape, source } = batch;
  const n = xShape.length > 0 ? xShape[0] : 0;
  if (n === 0) {
    throw new SippError('batch-empty', `${source}: the batch has shape ${formatShape(xShape)}, no samples.`);
  }
  const fitted = fitSampleShape(xShape, modelInputShape, source);
  if ('mismatch' in fitted) throw new SippError('batch-shape-mismatch', fitted.mismatch);
  const notices: string[] = fitted.notice ? [fitted.notice] : [];
  const shape = fitted.shape;
  if (batch.y) checkLabels(batch, n, numClasses);
  let x = batch.x;
  let earlier = batch.notices;
  if (opts.scaleUint8) {
    if (looksLikeBytes(x)) {
      x = x.map((v) => v / 255);
      // The parse-time hint "not rescaled, turn on scaling" no longer holds.
      earlier = earlier.filter((m) => !m.includes('not rescaled'));
      notices.push(`${source}: x divided by 255 (0..255 -> [0, 1]), as asked.`);
    } else {
      notices.push(
        `${source}: scaling by 1/255 was asked for but not applied: x does not hold integers in 0..255.`,
      );
    }
  }
  return { ...batch, x, xShape: shape, notices: [...earlier, ...notices] };
}

function checkLabels(batch: Batch & { oneHotWidth?: number | null }, n: number, numClasses: number): void {
  const { y, source } = batch;
  if (!y) return;
  const problem = labelProblem(y, n, batch.oneHotWidth, numClasses, source);
  if (!problem) return;
  switch (problem.kind) {
    case 'count':
      throw new SippError('labels-count-mismatch', problem.message);
    case 'onehot-width':
      throw new SippError('labels-onehot-width', problem.message);
    case 'range':
      throw new SippError('labels-out-of-range', problem.message);
  }
}

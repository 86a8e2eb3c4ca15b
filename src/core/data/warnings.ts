// Sanity warnings a careful colleague would give before anyone reads a pruning curve: a model
// that does not fit the data, labels that use a few of its classes, too few samples to measure
// accuracy, inputs on a scale the model probably never saw. Pure: numbers in, sentences out; the
// worker (next to the batch) and the CLI (`warnings` in --json) show the same list.
import type * as tf from '@tensorflow/tfjs';
import type { Batch } from '../types';

export type SanityCode =
  'near-chance' | 'labels-subset' | 'labels-onehot-narrow' | 'few-samples' | 'input-range';

export interface SanityWarning {
  code: SanityCode;
  /** 'warning': the numbers may mislead; 'notice': worth knowing, nothing is wrong as such. */
  level: 'warning' | 'notice';
  message: string;
}

export interface SanityInputs {
  /** Top-1 accuracy of the unpruned model on the evaluation points; null: the batch has no labels. */
  denseAccuracy: number | null;
  /** Classes the model outputs. */
  classes: number;
  /** The batch's labels (class indices), or null. */
  labels: Int32Array | null;
  /** Width of the one-hot rows the labels came from, or null/undefined for class indices. */
  oneHotWidth?: number | null;
  /** Samples accuracy is measured on. */
  evalPoints: number;
  /** Smallest and largest input value as the model receives it (after any divide by 255). */
  inputStats: InputStats | null;
  /** The model rescales or normalises its own input (a Rescaling/Normalization first layer). */
  inputRescaled?: boolean;
}

/**
 * "Near chance" is below 1.5x chance (1.5 / classes): a model that fits its data does far better,
 * and one that does not lands around 1 / classes.
 */
export const NEAR_CHANCE_FACTOR = 1.5;
/** Below this many evaluation samples one sample moves accuracy by more than one point. */
export const FEW_SAMPLES = 100;
/** Inputs above this are not [0, 1] (nor [-1, 1]) data, whatever rounding a pipeline did. */
export const RANGE_LIMIT = 1.5;

const pct = (v: number) => `${+(100 * v).toFixed(1)} %`;
const num = (v: number) => (Number.isInteger(v) ? String(v) : String(+v.toFixed(3)));

export function sanityWarnings(inp: SanityInputs): SanityWarning[] {
  const out: SanityWarning[] = [];
  const { classes, labels } = inp;
  if (inp.denseAccuracy !== null && classes >= 2 && inp.denseAccuracy < NEAR_CHANCE_FACTOR / classes) {
    out.push({
      code: 'near-chance',
      level: 'warning',
      message:
        `This model may not be meant for this data: dense accuracy ${pct(inp.denseAccuracy)} on ${classes} classes ` +
        `(chance is ${pct(1 / classes)}). Check the labels, the input scaling and that model and batch belong together.`,
    });
  }
  if (inp.oneHotWidth != null && inp.oneHotWidth < classes) {
    out.push({
      code: 'labels-onehot-narrow',
      level: 'notice',
      message:
        `The labels are one-hot rows of width ${inp.oneHotWidth} but the model has ${classes} classes: ` +
        `they are read as class indices 0..${inp.oneHotWidth - 1}.`,
    });
  } else if (labels && labels.length >= 2 * classes && classes > 2) {
    // With at least two samples per class, a top class that never appears is telling.
    let max = -1;
    const seen = new Set<number>();
    for (const y of labels) {
      if (y > max) max = y;
      seen.add(y);
    }
    if (max + 1 < classes) {
      out.push({
        code: 'labels-subset',
        level: 'notice',
        message:
          `The labels use ${seen.size} of the model's ${classes} classes (highest label ${max}): ` +
          `fine if the batch covers part of the task; accuracy is still over all ${classes} outputs.`,
      });
    }
  }
  if (inp.evalPoints > 0 && inp.evalPoints < FEW_SAMPLES) {
    const step = 100 / inp.evalPoints;
    out.push({
      code: 'few-samples',
      level: 'warning',
      message:
        `Accuracy on ${inp.evalPoints} sample${inp.evalPoints === 1 ? '' : 's'} moves in steps of ` +
        `${+step.toFixed(step >= 10 ? 0 : 1)} points: use a batch of at least ${FEW_SAMPLES} samples for numbers to compare.`,
    });
  }
  const s = inp.inputStats;
  // Standardised data (mean near 0, spread near 1) reaches ±4 and more: that is its scale, not a fault.
  const standardised =
    s?.mean !== undefined && s.std !== undefined && Math.abs(s.mean) <= 0.5 && s.std >= 0.5 && s.std <= 2;
  if (s && !inp.inputRescaled && s.max > RANGE_LIMIT && (s.integers || !standardised)) {
    const bytes = s.integers && s.min >= 0 && s.max <= 255;
    out.push({
      code: 'input-range',
      level: 'warning',
      message: bytes
        ? `Inputs range ${num(s.min)}..${num(s.max)}: if the model was trained on [0, 1], turn on divide by 255.`
        : `Inputs range ${num(s.min)}..${num(s.max)}, and the model's first layer does not rescale them: ` +
          `check that the batch is preprocessed as the model was trained.`,
    });
  }
  return out;
}

export interface InputStats {
  min: number;
  max: number;
  integers: boolean;
  mean?: number;
  std?: number;
}

/** Smallest and largest value, mean, spread and whether all are integers (one pass, no copy). */
export function inputStats(x: Float32Array): InputStats | null {
  if (x.length === 0) return null;
  let min = Infinity;
  let max = -Infinity;
  let integers = true;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v < min) min = v;
    if (v > max) max = v;
    if (integers && v !== Math.round(v)) integers = false;
    sum += v;
    sq += v * v;
  }
  const mean = sum / x.length;
  return { min, max, integers, mean, std: Math.sqrt(Math.max(0, sq / x.length - mean * mean)) };
}

const RESCALING = new Set(['Rescaling', 'Normalization', 'LayerNormalization', 'BatchNormalization']);

/** The model's first layer after its input rescales or normalises the input. */
export function rescalesInput(model: tf.LayersModel): boolean {
  const first = model.layers.find((l) => l.getClassName() !== 'InputLayer');
  return !!first && RESCALING.has(first.getClassName());
}

/** The warnings for a fitted batch, a model and the dense model's accuracy on the evaluation points. */
export function batchWarnings(
  model: tf.LayersModel,
  batch: Batch & { oneHotWidth?: number | null },
  classes: number,
  denseAccuracy: number | null,
  evalPoints: number,
): SanityWarning[] {
  return sanityWarnings({
    denseAccuracy,
    classes,
    labels: batch.y,
    oneHotWidth: batch.oneHotWidth,
    evalPoints,
    inputStats: inputStats(batch.x),
    inputRescaled: rescalesInput(model),
  });
}

// Training sets: the samples retraining (masked fine-tuning) learns from. They come in the same files as
// a batch (see batch.ts) and follow the same fitting rules (fit.ts), but may be as large as memory
// allows, so they are never turned into one Float32Array up front: uint8 samples stay bytes, viewed in
// place on the file's (or the unpacked .npz member's) buffer, float32 samples stay float32 (in place when
// aligned), other dtypes are read once into float32. gatherSamples builds float32 minibatches from them.

import type { Batch, NamedBytes } from '../types';
import { SippError } from '../util/errors';
import { seededRandom } from '../util/rng';
import { readBatchArrays, type RawBatchArrays } from './batch';
import { checkFinite, inputNotices, looksLikeBytes, RAW_PIXELS_NOTICE, toLabels } from './convert';
import { fitSampleShape, labelProblem } from './fit';
import type { NpyDtype } from './npy';
import { formatShape, product } from './shape';

export interface TrainingSet {
  /** Samples, row-major, [n, ...sample shape fitted to the model]. uint8 stays bytes (4x less memory than float32). */
  x: Uint8Array | Float32Array;
  /** [n, ...per-sample], per-sample fitted to the model's input (reshaped like fitBatchToModel does). */
  shape: number[];
  /** Integer class labels (one-hot rows converted), or null when the file has none. */
  y: Int32Array | null;
  /**
   * Factor applied when building a minibatch: 1/255 when scaling was asked for and x holds integers in
   * 0..255 (uint8, or floats that all are such integers, as fitBatchToModel decides for batches), else 1.
   */
  scale: number;
  /** File name(s), for messages. */
  source: string;
  /** What was done on the way in (reshape, uint8 scaling or not, one-hot converted, ...), in words. */
  notices: string[];
  /** dtype of x in the file. */
  sourceDtype: string;
}

export interface TrainingFitOptions {
  /** Divide inputs by 255 per minibatch. Applied only when x holds integers in 0..255; never unless asked. */
  scaleUint8?: boolean;
  /** refuse sets whose x would exceed this many bytes in memory as stored */
  maxBytes?: number;
}

const MB = 1e6;
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const count = (n: number) => n.toLocaleString('en');
const size = (bytes: number) => (bytes >= 1e5 ? mb(bytes) : `${(bytes / 1e3).toFixed(1)} kB`);

/** Bytes x takes as a TrainingSet keeps it: one per value for uint8, four (float32) for anything else. */
function storedBytes(dtype: string, shape: number[]): number {
  return product(shape) * (dtype === 'uint8' ? 1 : 4);
}

function tooLarge(source: string, what: string, dtype: string, maxBytes: number): never {
  const advice =
    dtype === 'uint8'
      ? 'use fewer samples (save a slice, e.g. x[:20000] and y[:20000])'
      : 'store x as uint8 if it holds 0..255 pixels (4x smaller than float32), or use fewer samples ' +
        '(save a slice, e.g. x[:20000] and y[:20000])';
  throw new SippError(
    'train-too-large',
    `${source}: ${what}, over the limit of ${mb(maxBytes)} for a training set; ${advice}.`,
  );
}

/** Refuses x of this dtype and shape before anything is copied: no samples, too large, wrong sample shape. */
function checkX(
  dtype: string,
  shape: number[],
  source: string,
  modelInputShape: (number | null)[],
  maxBytes: number | undefined,
): { shape: number[]; notice: string | null } {
  if (shape.length === 0) {
    throw new SippError(
      'train-shape',
      `${source}: x is a single number; expected an array of samples [N, ...] for the model input ` +
        `${formatShape(modelInputShape)}.`,
    );
  }
  if (shape[0] === 0) {
    throw new SippError(
      'train-empty',
      `${source}: x has shape ${formatShape(shape)}, which holds no samples.`,
    );
  }
  const fitted = fitSampleShape(shape, modelInputShape, source);
  if ('mismatch' in fitted) throw new SippError('train-shape', fitted.mismatch);
  const bytes = storedBytes(dtype, shape);
  if (maxBytes !== undefined && bytes > maxBytes) {
    const kept = dtype === 'uint8' ? 'uint8' : 'float32';
    tooLarge(source, `x ${formatShape(shape)} takes ${mb(bytes)} in memory as ${kept}`, dtype, maxBytes);
  }
  return fitted;
}

/**
 * Parses the file(s) of a training set (the formats of parseBatchFiles) and fits them to a model with
 * input shape `modelInputShape` (batch axis first) and `numClasses` outputs. Unlabelled sets are
 * allowed. Throws SippError with a code and a message naming the file and the problem.
 */
export function parseTrainingFiles(
  files: NamedBytes[],
  modelInputShape: (number | null)[],
  numClasses: number,
  opts: TrainingFitOptions = {},
): TrainingSet {
  const { maxBytes } = opts;
  const names = files.map((f) => f.name).join(', ');
  const raw: RawBatchArrays = readBatchArrays(files, {
    what: 'training set',
    view: {
      float32: true,
      // The checks made below, but before anything is copied (only .npy and .npz x get here).
      beforeRead: (dtype: NpyDtype, shape: number[]) => {
        checkX(dtype, shape, xName(files), modelInputShape, maxBytes);
      },
    },
    beforeUnpackX:
      maxBytes === undefined
        ? undefined
        : (size: number) => {
            // Every dtype keeps at least half its bytes (float64 -> float32), and numpy's header is far
            // below 1 MiB: a member this large cannot fit whatever it holds.
            const atLeast = (size - 2 ** 20) / 2;
            if (atLeast > maxBytes) {
              tooLarge(
                names,
                `x.npy unpacks to ${mb(size)}, so x would take at least ${mb(atLeast)} in memory`,
                'unknown',
                maxBytes,
              );
            }
          },
  });
  const { x: a, y: labelArray, names: src } = raw;
  const { source } = src;
  const fitted = checkX(a.dtype, a.shape, source, modelInputShape, maxBytes);
  const { shape } = fitted;
  const n = shape[0];

  let x: Uint8Array | Float32Array;
  if (a.data instanceof Uint8Array && a.dtype === 'uint8') x = a.data;
  else if (a.data instanceof Float32Array) x = a.data;
  else x = Float32Array.from(a.data);
  if (x instanceof Float32Array) checkFinite(x, a, src.xFile);

  const bytesLike = looksLikeBytes(x);
  const notices = inputNotices(a, src.xFile, src.fromText, {
    keptAs: a.dtype === 'uint8' ? 'uint8' : 'float32',
    bytesLike,
  });
  if (a.dtype === 'uint8') {
    notices.push(
      `${src.xFile}: x kept as uint8 bytes (${size(x.byteLength)}); each minibatch is converted to float32.`,
    );
  }
  if (fitted.notice) notices.push(fitted.notice);
  let scale = 1;
  if (opts.scaleUint8) {
    if (bytesLike) {
      scale = 1 / 255;
      // The parse-time hint "not rescaled, turn on scaling" no longer holds.
      const at = notices.indexOf(`${src.xFile}: ${RAW_PIXELS_NOTICE}`);
      if (at >= 0) notices.splice(at, 1);
      notices.push(`${source}: x divided by 255 (0..255 -> [0, 1]) in each minibatch, as asked.`);
    } else {
      notices.push(
        `${source}: scaling by 1/255 was asked for but not applied: x does not hold integers in 0..255.`,
      );
    }
  }

  let y: Int32Array | null = null;
  if (labelArray) {
    const labels = toLabels(labelArray, src.yFile);
    const problem = labelProblem(labels.y, n, labels.oneHotWidth, numClasses, source);
    if (problem) {
      switch (problem.kind) {
        case 'count':
          throw new SippError(
            'train-labels-count',
            `${source}: x has ${count(n)} samples (shape ${formatShape(a.shape)}) but y has ` +
              `${count(labels.y.length)} labels (shape ${formatShape(labelArray.shape)}).`,
          );
        case 'onehot-width':
          throw new SippError('train-onehot-width', problem.message);
        case 'range':
          throw new SippError('train-labels-range', problem.message);
      }
    }
    y = labels.y;
    notices.push(...labels.notices);
  } else {
    notices.push(
      `${source}: no labels (y); training can only follow the unpruned model's answers (distillation).`,
    );
  }
  return { x, shape, y, scale, source, notices, sourceDtype: a.dtype };
}

/** The name that messages about x use before the whole selection is known. */
function xName(files: NamedBytes[]): string {
  if (files.length !== 1) return files.map((f) => f.name).join(', ');
  const name = files[0].name;
  return /\.npz$/i.test(name) ? `${name} (x)` : name;
}

/**
 * An already parsed and fitted Batch (e.g. the evaluation batch) as a training set. Its x is used as it
 * is (no copy), already scaled if the batch was, so `scale` is 1.
 */
export function trainingSetFromBatch(batch: Batch, source?: string): TrainingSet {
  if ((batch.xShape[0] ?? 0) === 0) {
    throw new SippError(
      'train-empty',
      `${source ?? batch.source}: the batch has shape ${formatShape(batch.xShape)}, no samples to train on.`,
    );
  }
  return {
    x: batch.x,
    shape: [...batch.xShape],
    y: batch.y,
    scale: 1,
    source: source ?? batch.source,
    notices: [...batch.notices],
    sourceDtype: batch.sourceDtype,
  };
}

/** Float32 values of the given samples, in the given order, scaled: [indices.length * perSample]. */
export function gatherSamples(
  set: TrainingSet,
  indices: ArrayLike<number>,
  out?: Float32Array,
): Float32Array {
  const per = product(set.shape.slice(1));
  const n = set.shape[0];
  const need = indices.length * per;
  if (out && out.length < need) {
    throw new RangeError(`gatherSamples: out holds ${out.length} values, ${need} are needed.`);
  }
  const dst = out ? (out.length === need ? out : out.subarray(0, need)) : new Float32Array(need);
  const { x, scale } = set;
  // A table per byte value: one multiply per value is what dominates otherwise.
  const table = x instanceof Uint8Array ? Float32Array.from({ length: 256 }, (_, k) => k * scale) : null;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!(Number.isInteger(i) && i >= 0 && i < n)) {
      throw new RangeError(`gatherSamples: index ${i} (position ${k}) is outside 0..${n - 1}.`);
    }
    const from = i * per;
    const to = k * per;
    if (table) {
      for (let j = 0; j < per; j++) dst[to + j] = table[x[from + j]];
    } else if (scale === 1) {
      dst.set((x as Float32Array).subarray(from, from + per), to);
    } else {
      for (let j = 0; j < per; j++) dst[to + j] = x[from + j] * scale;
    }
  }
  return dst;
}

/**
 * A seeded split of one parsed, fitted batch: a random `trainFraction` of its samples (seeded shuffle,
 * seededRandom) become the training set, the rest the evaluation batch. Both keep the batch's order
 * among their samples, and both are copies.
 */
export function splitForTraining(
  batch: Batch,
  trainFraction: number,
  seed: number,
): { train: TrainingSet; batch: Batch; description: string } {
  const { source } = batch;
  if (!(trainFraction > 0 && trainFraction < 1)) {
    throw new SippError(
      'train-split-fraction',
      `${source}: a training fraction of ${trainFraction} was asked for; it must lie strictly between 0 and 1.`,
    );
  }
  const n = batch.xShape[0] ?? 0;
  const nTrain = Math.round(n * trainFraction);
  if (nTrain < 1 || nTrain > n - 1) {
    throw new SippError(
      'train-split-too-small',
      `${source}: ${count(n)} samples cannot be split ${Math.round(100 * trainFraction)} / ` +
        `${Math.round(100 * (1 - trainFraction))}: each part needs at least one sample.`,
    );
  }
  const rng = seededRandom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const trainIdx = Int32Array.from(order.slice(0, nTrain)).sort();
  const batchIdx = Int32Array.from(order.slice(nTrain)).sort();
  const per = product(batch.xShape.slice(1));
  const take = (idx: Int32Array) => {
    const x = new Float32Array(idx.length * per);
    idx.forEach((i, k) => x.set(batch.x.subarray(i * per, (i + 1) * per), k * per));
    const y = batch.y ? Int32Array.from(idx, (i) => (batch.y as Int32Array)[i]) : null;
    return { x, y, shape: [idx.length, ...batch.xShape.slice(1)] };
  };
  const description =
    `Split ${source} (seed ${seed}): ${count(nTrain)} samples for training, ` +
    `${count(n - nTrain)} for the batch`;
  const t = take(trainIdx);
  const b = take(batchIdx);
  return {
    train: {
      x: t.x,
      shape: t.shape,
      y: t.y,
      scale: 1,
      source: `${source} (training part)`,
      notices: [...batch.notices, description],
      sourceDtype: batch.sourceDtype,
    },
    batch: { ...batch, x: b.x, xShape: b.shape, y: b.y, notices: [...batch.notices, description] },
    description,
  };
}

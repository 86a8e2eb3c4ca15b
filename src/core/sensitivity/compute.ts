import * as tf from '@tensorflow/tfjs';
import type { LongCallOptions } from '../types';
import type { PrunableLayer } from '../model/prunable';
import { captureLayerInputs } from '../model/capture';
import { activationFloats, samplesPerChunk } from '../memory/chunks';
import { sensitivityWeight } from '../model/layer-inputs';
import { SippError, throwIfAborted } from '../util/errors';
import { checkpoint, StageProgress } from '../util/progress';
import type { Reduction, SensitivityKernel } from './kernel';
import { plainKernel } from './plain';

/**
 * Per prunable layer (by key), s flattened as [F, out] (index j*out + i): the Keras layout of the
 * kernel for every kind but Conv2DTranspose, whose rows are permuted (layer-inputs.ts storedIndex).
 */
export type SensitivityMap = Map<string, Float32Array>;

export interface SensitivityOptions extends LongCallOptions {
  reductions: Reduction[];
  kernel?: SensitivityKernel;
  /** Points per forward pass; bounds the memory of captured layer inputs. */
  chunkPoints?: number;
}

/** Floats of captured layer inputs per chunk: bounds memory whatever the batch size. */
const CAPTURE_BUDGET_FLOATS = 8 * 1024 * 1024;

/**
 * Points per chunk: the captured inputs of all layers stay within CAPTURE_BUDGET_FLOATS, and no
 * single tensor of a chunk (a layer's input, its Z) exceeds the device's buffer limit.
 */
export function defaultChunkPoints(
  layers: PrunableLayer[],
  x: tf.Tensor,
  maxBufferBytes = Infinity,
  model?: tf.LayersModel,
): number {
  const xPerPoint = x.size / Math.max(1, x.shape[0]);
  // Per point, a layer's input is at most its patches (F·L) and its Z for both signs is 2·out·L
  // (one tensor on webgpu); the model input approximates the first layer's when patches overlap.
  // A sample is rowsPerSample points of a layer (the T of a [N, T, F] Dense input).
  const perPoint = layers.reduce((s, p) => s + p.fanIn * p.positions * p.rowsPerSample, 0) + xPerPoint;
  const largest = Math.max(
    xPerPoint,
    ...layers.map((p) => Math.max(p.fanIn, 2 * p.out) * p.positions * p.rowsPerSample),
  );
  const byBuffer = Math.floor(maxBufferBytes / 4 / largest);
  // The capture's forward pass itself: every layer's output of the chunk (224x224 models: MBs a point).
  const byActivations = model ? samplesPerChunk(model, { max: Infinity, bufferLimit: Infinity }) : Infinity;
  return Math.max(1, Math.min(64, Math.floor(CAPTURE_BUDGET_FLOATS / perPoint), byBuffer, byActivations));
}

export interface SensitivityPlan {
  points: number;
  /** Points per forward pass. */
  chunkPoints: number;
  /** Groups of layers whose running maxima are kept together (one forward pass per chunk each). */
  groups: number;
  forwardPasses: number;
  /** Estimated tensor memory at the peak: a chunk's activations and captured inputs, the accumulators. */
  workingBytes: number;
}

/** What computeSensitivities will do with these options, before it runs. */
export function planSensitivities(
  model: tf.LayersModel,
  layers: PrunableLayer[],
  x: tf.Tensor,
  opts: Pick<SensitivityOptions, 'reductions' | 'kernel' | 'chunkPoints'>,
): SensitivityPlan {
  const kernel = opts.kernel ?? plainKernel;
  const reductions = [...new Set(opts.reductions)];
  const chunk = opts.chunkPoints ?? defaultChunkPoints(layers, x, kernel.maxBufferBytes(), model);
  const groups = accumulatorGroups(layers, reductions).length;
  const points = x.shape[0];
  const captured = layers.reduce((s, p) => s + p.fanIn * p.positions * p.rowsPerSample, 0);
  const largestKernel = Math.max(0, ...layers.map((p) => p.fanIn * p.out));
  // The §4x bound of accumulatorGroups: running maxima (2x), a kernel call's output and one
  // sign-split copy of W; plus one chunk's activations and captured inputs.
  const perChunk = Math.min(chunk, points) * (captured + activationFloats(model).total);
  return {
    points,
    chunkPoints: Math.min(chunk, points),
    groups,
    forwardPasses: groups * Math.ceil(points / chunk),
    workingBytes: 4 * (perChunk + 4 * largestKernel),
  };
}

/**
 * Layers whose running maxima are kept at the same time. One forward pass per group serves all its
 * layers; a group's accumulators stay within twice the largest kernel, so the peak (those, plus a
 * kernel call's own output and one sign-split copy of W, plus a chunk's activations) stays within
 * four times the largest kernel whatever the depth of the model. Most models are one group.
 */
export function accumulatorGroups(layers: PrunableLayer[], reductions: Reduction[]): PrunableLayer[][] {
  const floats = (p: PrunableLayer) => p.fanIn * p.out * (p.kind === 'dense' ? 1 : reductions.length);
  const budget = 2 * Math.max(0, ...layers.map((p) => p.fanIn * p.out));
  const groups: PrunableLayer[][] = [];
  let used = Infinity;
  for (const p of layers) {
    if (used + floats(p) > budget) {
      groups.push([]);
      used = 0;
    }
    groups[groups.length - 1].push(p);
    used += floats(p);
  }
  return groups;
}

/**
 * §1.3: an input with negative entries becomes two non-negative copies (A⁺, A⁻). Returned as makers,
 * so that one copy exists at a time; a non-negative input is used as it is (maker returns `a`).
 */
async function signCopies(a: tf.Tensor): Promise<Array<() => tf.Tensor>> {
  const minT = tf.min(a);
  const min = (await minT.data())[0];
  minT.dispose();
  if (min >= 0) return [() => a];
  return [() => tf.relu(a), () => tf.tidy(() => tf.relu(tf.neg(a)))];
}

function kernelCall(
  p: PrunableLayer,
  input: tf.Tensor,
  w: tf.Tensor,
  reduction: Reduction,
  kernel: SensitivityKernel,
  into: tf.Tensor2D,
): tf.Tensor2D {
  if (p.kind === 'dense') {
    // More than 2-D input: every leading index is a separate point (§1.4.1).
    return tf.tidy(() => kernel.dense(input.reshape([-1, p.fanIn]) as tf.Tensor2D, w as tf.Tensor2D, into));
  }
  return kernel.conv(input as tf.Tensor4D, w as tf.Tensor4D, p.geometry!, reduction, into);
}

/** A kernel too large for one device buffer cannot be bound at all: say which, before tfjs fails. */
function checkKernelSizes(layers: PrunableLayer[], kernel: SensitivityKernel): void {
  const limit = kernel.maxBufferBytes();
  for (const p of layers) {
    if (p.fanIn * p.out * 4 > limit) {
      throw new SippError(
        'LAYER_TOO_LARGE',
        `layer ${p.key}: its kernel (${p.fanIn} x ${p.out} floats, ${p.fanIn * p.out * 4} bytes) exceeds this device's largest buffer (${limit} bytes); try the wasm backend`,
      );
    }
  }
}

/**
 * Empirical sensitivities (§1) of every prunable layer of `model` over the points `x`, for each
 * requested reduction over conv positions (mean for SiPP-Det, max for Rand/Hybrid; identical for
 * Dense). `model` must be a private clone (capture hooks are set on it temporarily). Progress counts
 * points over all forward passes (one per accumulator group).
 */
export async function computeSensitivities(
  model: tf.LayersModel,
  layers: PrunableLayer[],
  x: tf.Tensor,
  opts: SensitivityOptions,
): Promise<Map<Reduction, SensitivityMap>> {
  const kernel = opts.kernel ?? plainKernel;
  checkKernelSizes(layers, kernel);
  const n = x.shape[0];
  const chunk = opts.chunkPoints ?? defaultChunkPoints(layers, x, kernel.maxBufferBytes(), model);
  const reductions = [...new Set(opts.reductions)];
  const groups = accumulatorGroups(layers, reductions);
  const result = new Map<Reduction, SensitivityMap>(reductions.map((r) => [r, new Map()]));
  const progress = new StageProgress('sensitivities', n * groups.length, opts.onProgress);
  const run: GroupRun = { kernel, chunk, reductions, opts, progress, result, lastYield: performance.now() };
  for (const group of groups) {
    await groupSensitivities(model, group, x, run);
  }
  progress.finish();
  return result;
}

/**
 * A turn of the event loop costs at least 1 ms in Node and up to 4 ms in a browser (setTimeout
 * clamping), as much as a whole chunk of a small model takes: yield between chunks only once this
 * long has passed since the last yield, which still lets a cancel through well within a second.
 */
const YIELD_EVERY_MS = 50;

interface GroupRun {
  kernel: SensitivityKernel;
  chunk: number;
  reductions: Reduction[];
  opts: SensitivityOptions;
  progress: StageProgress;
  result: Map<Reduction, SensitivityMap>;
  /** performance.now() at the last yield to the event loop (shared by the groups of one pass). */
  lastYield: number;
}

async function groupSensitivities(
  model: tf.LayersModel,
  layers: PrunableLayer[],
  x: tf.Tensor,
  run: GroupRun,
): Promise<void> {
  const { kernel, chunk, reductions } = run;
  const n = x.shape[0];
  // Dense has one position, so mean and max coincide: one running maximum serves both.
  const distinct = (p: PrunableLayer) => (p.kind === 'dense' ? reductions.slice(0, 1) : reductions);
  // In the layout the kernels take (Conv1D as [1, k, in, out], Conv2DTranspose flipped): new tensors.
  const weights = layers.map(sensitivityWeight);
  const accs = layers.map((p) => distinct(p).map(() => tf.zeros([p.fanIn, p.out]) as tf.Tensor2D));
  try {
    for (let start = 0; start < n; start += chunk) {
      if (performance.now() - run.lastYield >= YIELD_EVERY_MS) {
        await checkpoint(run.opts);
        run.lastYield = performance.now();
      } else throwIfAborted(run.opts.signal);
      const size = Math.min(chunk, n - start);
      const xc = x.slice(start, size);
      const inputs = captureLayerInputs(model, layers, xc);
      xc.dispose();
      try {
        for (let li = 0; li < layers.length; li++) {
          const input = inputs.get(layers[li].key)!;
          for (const make of await signCopies(input)) {
            const copy = make();
            try {
              distinct(layers[li]).forEach((red, ri) => {
                const old = accs[li][ri];
                accs[li][ri] = kernelCall(layers[li], copy, weights[li], red, kernel, old);
                old.dispose();
              });
            } finally {
              if (copy !== input) copy.dispose();
            }
          }
          // This layer is done with its input for this chunk.
          input.dispose();
        }
      } finally {
        inputs.forEach((t) => t.isDisposed || t.dispose());
      }
      run.progress.advance(size);
    }
    for (let li = 0; li < layers.length; li++) {
      for (const red of reductions) {
        const acc = accs[li][layers[li].kind === 'dense' ? 0 : reductions.indexOf(red)];
        run.result.get(red)!.set(layers[li].key, (await acc.data()) as Float32Array);
      }
      // Free this layer's maxima before the next layer's download.
      accs[li].forEach((t) => t.dispose());
    }
  } finally {
    accs.flat().forEach((t) => t.isDisposed || t.dispose());
    weights.forEach((t) => t.dispose());
  }
}

// How many samples go through the model at once, from bytes rather than a fixed count: at 28x28 a
// chunk of 256 samples is a few MB, at 224x224x3 one MobileNet activation of 256 samples is
// hundreds of MB and a forward pass under tf.tidy keeps every layer's output until it ends.
import * as tf from '@tensorflow/tfjs';
import { SippError } from '../util/errors';

const MiB = 2 ** 20;

/**
 * Working memory for one chunk's activations, per backend. wasm's heap (at most 4 GiB, often
 * 2 GiB) also holds the model, the batch chunk and the sensitivity accumulators; the CPU backends
 * copy freely; a GPU's own buffers are bounded separately (deviceBufferLimit).
 */
const BUDGET_BYTES: Record<string, number> = {
  wasm: 256 * MiB,
  webgpu: 256 * MiB,
  webgl: 256 * MiB,
  cpu: 512 * MiB,
  tensorflow: 1024 * MiB,
};

export function workingBudgetBytes(backend = tf.getBackend()): number {
  return BUDGET_BYTES[backend] ?? 256 * MiB;
}

/** The largest single buffer the backend allows (webgpu's storage binding limit), else Infinity. */
export function deviceBufferLimit(): number {
  const b = tf.backend() as unknown as { device?: { limits?: { maxStorageBufferBindingSize?: number } } };
  return b?.device?.limits?.maxStorageBufferBindingSize ?? Infinity;
}

function elements(shape: readonly (number | null)[]): number {
  return shape.slice(1).reduce((a: number, d) => a * (d ?? 1), 1);
}

function shapesOf(s: tf.Shape | tf.Shape[]): tf.Shape[] {
  return Array.isArray(s[0]) ? (s as tf.Shape[]) : [s as tf.Shape];
}

export interface ActivationSize {
  /** Floats of every layer's output for one sample (what an apply under tidy keeps alive). */
  total: number;
  /** Floats of the largest single output (or input) for one sample. */
  largest: number;
}

/** Per-sample activation sizes of `model`, nested models included. */
export function activationFloats(model: tf.LayersModel): ActivationSize {
  let total = 0;
  let largest = 0;
  const walk = (m: tf.LayersModel) => {
    for (const layer of m.layers) {
      if (layer instanceof tf.LayersModel) {
        walk(layer);
        continue;
      }
      let out: tf.Shape[];
      try {
        out = shapesOf(layer.outputShape);
      } catch {
        continue; // a layer called more than once has no single output shape; its calls are counted elsewhere
      }
      for (const s of out) {
        const n = elements(s);
        total += n;
        largest = Math.max(largest, n);
      }
    }
  };
  walk(model);
  for (const i of model.inputs) largest = Math.max(largest, elements(i.shape));
  return { total: Math.max(total, 1), largest: Math.max(largest, 1) };
}

export interface ChunkOptions {
  /** Forward and backward (gradients, training): the tape keeps activations and their gradients. */
  backward?: boolean;
  budgetBytes?: number;
  bufferLimit?: number;
  /** Upper bound on the count whatever the bytes (keeps progress fine-grained). */
  max?: number;
}

/** Samples per forward (or forward + backward) pass that keep the activations within the budget. */
export function samplesPerChunk(model: tf.LayersModel, opts: ChunkOptions = {}): number {
  const a = activationFloats(model);
  const budget = opts.budgetBytes ?? workingBudgetBytes();
  const limit = opts.bufferLimit ?? deviceBufferLimit();
  const perSample = 4 * a.total * (opts.backward ? 3 : 1);
  const byBudget = Math.floor(budget / perSample);
  const byBuffer = Math.floor(limit / (4 * a.largest));
  return Math.max(1, Math.min(opts.max ?? 256, byBudget, byBuffer));
}

/** Bytes a pass of `samples` samples needs (for messages and estimates). */
export function passBytes(model: tf.LayersModel, samples: number, backward = false): number {
  return 4 * activationFloats(model).total * samples * (backward ? 3 : 1);
}

const OOM =
  /memory access out of bounds|out of memory|Array buffer allocation failed|Invalid typed array length|Cannot allocate|allocation failed|Aborted\(OOM\)|Failed to allocate|RangeError: Array buffer/i;

/** True for the errors backends throw when memory runs out (wasm traps, failed allocations). */
export function isOutOfMemory(e: unknown): boolean {
  return e instanceof Error && !(e instanceof SippError) && OOM.test(`${e.name}: ${e.message}`);
}

/**
 * An out-of-memory error from the backend, in words: what ran out, and what to change. Other
 * errors are returned as they are.
 */
export function explainOutOfMemory(e: unknown, what: string, advice: string): unknown {
  if (!isOutOfMemory(e)) return e;
  const raw = (e as Error).message.split('\n')[0].slice(0, 120);
  return new SippError(
    'out-of-memory',
    `${what} ran out of memory on the ${tf.getBackend()} backend (${raw}). ${advice}`,
  );
}

export const formatBytes = (b: number): string =>
  b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GB` : `${Math.max(1, Math.round(b / MiB))} MB`;

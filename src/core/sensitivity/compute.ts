import * as tf from '@tensorflow/tfjs';
import type { LongCallOptions } from '../types';
import type { PrunableLayer } from '../model/prunable';
import { captureLayerInputs } from '../model/capture';
import { checkpoint, StageProgress } from '../util/progress';
import type { Reduction, SensitivityKernel } from './kernel';
import { plainKernel } from './plain';

/** Per prunable layer (by key), s in the kernel's Keras layout, flattened: index j*out + i. */
export type SensitivityMap = Map<string, Float32Array>;

export interface SensitivityOptions extends LongCallOptions {
  reductions: Reduction[];
  kernel?: SensitivityKernel;
  /** Points per forward pass; bounds the memory of captured layer inputs. */
  chunkPoints?: number;
}

/** Floats of captured layer inputs per chunk: bounds memory whatever the batch size. */
const CAPTURE_BUDGET_FLOATS = 8 * 1024 * 1024;

export function defaultChunkPoints(layers: PrunableLayer[], x: tf.Tensor): number {
  // Per point, the captured inputs of all layers; the layer's input size is F/(kh*kw) per position,
  // approximated by the model input size for the first layer and by fan-in elsewhere.
  const perPoint = layers.reduce((s, p) => s + p.fanIn * p.positions, 0) + x.size / x.shape[0];
  return Math.max(1, Math.min(64, Math.floor(CAPTURE_BUDGET_FLOATS / perPoint)));
}

interface Accumulator {
  pos: tf.Tensor2D | null;
  neg: tf.Tensor2D | null;
}

function accumulate(acc: Accumulator, m: { mPos: tf.Tensor2D; mNeg: tf.Tensor2D }): void {
  for (const side of ['pos', 'neg'] as const) {
    const fresh = side === 'pos' ? m.mPos : m.mNeg;
    const old = acc[side];
    if (old) {
      acc[side] = tf.maximum(old, fresh) as tf.Tensor2D;
      old.dispose();
      fresh.dispose();
    } else acc[side] = fresh;
  }
}

/** §1.3: an input with negative entries becomes two non-negative copies (A⁺, A⁻). */
async function signCopies(a: tf.Tensor): Promise<tf.Tensor[]> {
  const minT = tf.min(a);
  const min = (await minT.data())[0];
  minT.dispose();
  if (min >= 0) return [a.clone()];
  return [tf.relu(a), tf.tidy(() => tf.relu(tf.neg(a)))];
}

function layerChunk(
  p: PrunableLayer,
  input: tf.Tensor,
  wPos: tf.Tensor,
  wNeg: tf.Tensor,
  reduction: Reduction,
  kernel: SensitivityKernel,
) {
  if (p.kind === 'dense') {
    // More than 2-D input: every leading index is a separate point (§1.4.1).
    const a = input.reshape([-1, p.fanIn]) as tf.Tensor2D;
    const r = kernel.dense(a, wPos as tf.Tensor2D, wNeg as tf.Tensor2D);
    a.dispose();
    return r;
  }
  return kernel.conv(input as tf.Tensor4D, wPos as tf.Tensor4D, wNeg as tf.Tensor4D, p.geometry!, reduction);
}

/**
 * Empirical sensitivities (§1) of every prunable layer of `model` over the points `x`, for each
 * requested reduction over conv positions (mean for SiPP-Det, max for Rand/Hybrid; identical for
 * Dense). `model` must be a private clone (capture hooks are set on it temporarily).
 */
export async function computeSensitivities(
  model: tf.LayersModel,
  layers: PrunableLayer[],
  x: tf.Tensor,
  opts: SensitivityOptions,
): Promise<Map<Reduction, SensitivityMap>> {
  const kernel = opts.kernel ?? plainKernel;
  const n = x.shape[0];
  const chunk = opts.chunkPoints ?? defaultChunkPoints(layers, x);
  const reductions = [...new Set(opts.reductions)];
  const signed = layers.map((p) => {
    const w = p.layer.getWeights()[0];
    return { pos: tf.relu(w), neg: tf.minimum(w, 0) };
  });
  const accs = layers.map(() => reductions.map((): Accumulator => ({ pos: null, neg: null })));
  const progress = new StageProgress('sensitivities', n, opts.onProgress);
  try {
    for (let start = 0; start < n; start += chunk) {
      await checkpoint(opts);
      const size = Math.min(chunk, n - start);
      const xc = x.slice(start, size);
      const inputs = captureLayerInputs(model, layers, xc);
      xc.dispose();
      try {
        for (let li = 0; li < layers.length; li++) {
          const copies = await signCopies(inputs.get(layers[li].key)!);
          for (const copy of copies) {
            // Dense has one position, so mean and max coincide: compute once.
            const distinct = layers[li].kind === 'dense' ? reductions.slice(0, 1) : reductions;
            distinct.forEach((red, ri) => {
              accumulate(
                accs[li][ri],
                layerChunk(layers[li], copy, signed[li].pos, signed[li].neg, red, kernel),
              );
            });
            copy.dispose();
          }
        }
      } finally {
        inputs.forEach((t) => t.dispose());
      }
      progress.advance(size);
    }
    const result = new Map<Reduction, SensitivityMap>(reductions.map((r) => [r, new Map()]));
    for (let li = 0; li < layers.length; li++) {
      const w = layers[li].layer.getWeights()[0];
      for (let ri = 0; ri < reductions.length; ri++) {
        const acc = accs[li][layers[li].kind === 'dense' ? 0 : ri];
        const s = tf.tidy(() => {
          const shape2: [number, number] = [layers[li].fanIn, layers[li].out];
          const w2 = w.reshape(shape2);
          const mPos = acc.pos ?? tf.zeros(shape2);
          const mNeg = acc.neg ?? tf.zeros(shape2);
          // s = |w|·max_p(P·V) equals max_p(w·P/z) of §1.4 up to float32 rounding (§10 TF.js plan).
          return tf.mul(
            tf.abs(w2),
            tf.where(tf.greater(w2, 0), mPos, tf.where(tf.less(w2, 0), mNeg, tf.zerosLike(w2))),
          );
        });
        result.get(reductions[ri])!.set(layers[li].key, (await s.data()) as Float32Array);
        s.dispose();
      }
    }
    progress.finish();
    return result;
  } finally {
    signed.forEach((s) => (s.pos.dispose(), s.neg.dispose()));
    accs.flat().forEach((a) => (a.pos?.dispose(), a.neg?.dispose()));
  }
}

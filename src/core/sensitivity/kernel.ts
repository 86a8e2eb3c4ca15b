import type * as tf from '@tensorflow/tfjs';
import type { ConvGeometry } from '../types';

export type Reduction = 'mean' | 'max';

/**
 * The hot path of §1 of docs/sipp-algorithm.md, for one chunk of points of one layer.
 *
 * `a` is already sign-split (every entry >= 0, §1.3); `w` is the layer's kernel as it is, in Keras
 * layout (Dense `[in, out]`, Conv2D `[kh, kw, in, out]`). With Z± = a·W± (conv for Conv2D, no bias),
 * W+ = W ⊙ [W > 0], W- = W ⊙ [W < 0], and V± = 1/|Z±| (0 where |Z±| <= 2^-23, the z rule), each
 * weight (j, i) of the kernel flattened to `[F, out]` (F = kh*kw*in, j = (u*kw + v)*in + c) gets
 *
 *   s[j, i] = |w[j, i]| * max over points n of  R_p( P[n, p, j] * V^σ[n, p, i] ),  σ = sign w[j, i]
 *
 * where P are the layer's input patches and R_p is the mean or max over output positions p (Dense:
 * one position); s = 0 where w = 0. A kernel returns max(into, s): the running maximum over the
 * chunks seen so far, so a caller keeps exactly one weight-sized accumulator per layer and reduction
 * and no sign-split copies of W outlive one Z product. `into` is not disposed; the result is a new
 * tensor owned by the caller. Implementations: plain tfjs ops (plain.ts, any backend), typed-array
 * loops (cpu-kernel.ts, cpu and wasm) and fused WebGPU programs (src/gpu).
 */
export interface SensitivityKernel {
  readonly name: string;
  dense(a: tf.Tensor2D, w: tf.Tensor2D, into: tf.Tensor2D): tf.Tensor2D;
  conv(
    a: tf.Tensor4D,
    w: tf.Tensor4D,
    geometry: ConvGeometry,
    reduction: Reduction,
    into: tf.Tensor2D,
  ): tf.Tensor2D;
  /**
   * Largest buffer, in bytes, the kernel's device accepts for one tensor (WebGPU: the adapter's
   * storage-binding and buffer limits). The caller sizes its chunks of points below it.
   */
  maxBufferBytes(): number;
}

/** Float32 machine epsilon; |z| at or below it counts as infinite (contribution 0), as in the reference. */
export const EPS32 = 2 ** -23;

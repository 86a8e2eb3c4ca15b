import type * as tf from '@tensorflow/tfjs';
import type { ConvGeometry } from '../types';

export type Reduction = 'mean' | 'max';

/**
 * The hot path of §1 of docs/sipp-algorithm.md, for one chunk of points of one layer.
 *
 * Inputs are already sign-split (every entry of `a` is >= 0). `wPos` = W ⊙ [W > 0] and
 * `wNeg` = W ⊙ [W < 0] in Keras kernel layout (Dense `[in, out]`, Conv2D `[kh, kw, in, out]`).
 * With Z± = a·W± (conv for Conv2D, no bias) and V± = 1/Z± (0 where |Z±| <= 2^-23, the z rule),
 * the kernel returns, per weight (j, i) in the kernel's layout flattened to `[F, out]`
 * (F = kh*kw*in, index j = (u*kw + v)*in + c):
 *
 *   mPos[j, i] = max over points n of  R_p( P[n, p, j] * V+[n, p, i] )
 *   mNeg[j, i] = max over points n of  R_p( P[n, p, j] * V-[n, p, i] )   (V- >= 0 here: 1/|Z-|)
 *
 * where P are the layer's input patches and R_p is the mean or max over output positions p
 * (Dense: one position). The sensitivity is then s = |w| * (w > 0 ? mPos : w < 0 ? mNeg : 0),
 * maximised across chunks by the caller. Implementations: plain tfjs ops (plain.ts, any backend)
 * and fused WebGPU kernels (src/gpu). The returned tensors are owned by the caller.
 */
export interface SensitivityKernel {
  readonly name: string;
  dense(a: tf.Tensor2D, wPos: tf.Tensor2D, wNeg: tf.Tensor2D): { mPos: tf.Tensor2D; mNeg: tf.Tensor2D };
  conv(
    a: tf.Tensor4D,
    wPos: tf.Tensor4D,
    wNeg: tf.Tensor4D,
    geometry: ConvGeometry,
    reduction: Reduction,
  ): { mPos: tf.Tensor2D; mNeg: tf.Tensor2D };
}

/** Float32 machine epsilon; |z| at or below it counts as infinite (contribution 0), as in the reference. */
export const EPS32 = 2 ** -23;

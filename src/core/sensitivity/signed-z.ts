import * as tf from '@tensorflow/tfjs';

/**
 * Z+ = f(W+) and Z- = f(W-) for a linear f (matMul or conv2d with W), one sign at a time, so that at
 * most one sign-split copy of W exists at any moment (the memory bound of issue 5 counts them).
 */
export function signedPreActivations<T extends tf.Tensor>(
  w: T,
  apply: (wSide: T) => tf.Tensor,
): [tf.Tensor, tf.Tensor] {
  const zPos = tf.tidy(() => apply(tf.relu(w) as T));
  const zNeg = tf.tidy(() => apply(tf.minimum(w, 0) as T));
  return [zPos, zNeg];
}

import * as tf from '@tensorflow/tfjs';

/** True when the model's output already is a probability vector (softmax as its last activation). */
export function outputsProbabilities(model: tf.LayersModel): boolean {
  const layer = model.outputLayers?.[0] ?? model.layers[model.layers.length - 1];
  const cls = layer.getClassName();
  if (cls === 'Softmax') return true;
  const cfg = layer.getConfig() as { activation?: string };
  if (cfg.activation === 'softmax') return true;
  if (layer instanceof tf.LayersModel) return outputsProbabilities(layer);
  return false;
}

/** Mean cross-entropy of integer labels, from probabilities or from logits. */
export function crossEntropy(output: tf.Tensor, labels: tf.Tensor1D, probabilities: boolean): tf.Scalar {
  return tf.tidy(() => {
    const depth = output.shape[output.shape.length - 1]!;
    const oneHot = tf.oneHot(labels, depth).toFloat();
    const logits = output.reshape([-1, depth]);
    if (!probabilities) return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
    const p = tf.clipByValue(logits, 1e-7, 1 - 1e-7);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(p)), -1))) as tf.Scalar;
  });
}

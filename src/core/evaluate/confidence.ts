// Top-1 class and how sure the model is of it, for showing flipped samples. The confidence is a
// probability: a model that ends in softmax already gives one per row; for one that ends in
// logits the row is passed through softmax first, so both kinds read the same way.
import * as tf from '@tensorflow/tfjs';
import type { LongCallOptions } from '../types';
import { explainOutOfMemory } from '../memory/chunks';
import { sampleCount, sliceSamples, type Samples } from '../memory/samples';
import { checkpoint } from '../util/progress';

export interface TopPredictions {
  classes: Int32Array;
  /** Probability of the predicted class, per sample. */
  confidence: Float32Array;
}

/** A row is already a distribution when it is non-negative, at most 1 and sums to 1 (to 1e-3). */
function probabilities(y: tf.Tensor2D): tf.Tensor2D {
  const isDistribution = tf.logicalAnd(
    tf.logicalAnd(tf.greaterEqual(y.min(-1), 0), tf.lessEqual(y.max(-1), 1)),
    tf.less(tf.abs(tf.sub(y.sum(-1), 1)), 1e-3),
  );
  return tf.where(isDistribution.expandDims(-1).tile([1, y.shape[1]]), y, tf.softmax(y)) as tf.Tensor2D;
}

export async function predictTop(
  model: tf.LayersModel,
  x: Samples,
  chunk: number,
  opts: LongCallOptions = {},
): Promise<TopPredictions> {
  const n = sampleCount(x);
  const classes = new Int32Array(n);
  const confidence = new Float32Array(n);
  for (let start = 0; start < n; start += chunk) {
    if (start > 0) await checkpoint(opts);
    const size = Math.min(chunk, n - start);
    let out: [tf.Tensor, tf.Tensor];
    try {
      out = tf.tidy(() => {
        const y = model.apply(sliceSamples(x, start, size), { training: false }) as tf.Tensor;
        const p = probabilities(y.reshape([size, -1]) as tf.Tensor2D);
        return [tf.argMax(p, -1), p.max(-1)];
      });
    } catch (e) {
      throw explainOutOfMemory(
        e,
        `A forward pass of ${size} samples (of ${n})`,
        'Use a batch with fewer or smaller samples.',
      );
    }
    classes.set((await out[0].data()) as Int32Array, start);
    confidence.set((await out[1].data()) as Float32Array, start);
    out[0].dispose();
    out[1].dispose();
  }
  return { classes, confidence };
}

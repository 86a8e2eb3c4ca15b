import * as tf from '@tensorflow/tfjs';
import type { LongCallOptions } from '../types';
import { explainOutOfMemory } from '../memory/chunks';
import { sampleCount, sliceSamples, type Samples } from '../memory/samples';
import { checkpoint } from '../util/progress';

/** Top-1 class of every sample, computed in chunks so memory stays bounded. */
export async function predictClasses(
  model: tf.LayersModel,
  x: Samples,
  chunk: number,
  opts: LongCallOptions = {},
): Promise<Int32Array> {
  const n = sampleCount(x);
  const out = new Int32Array(n);
  for (let start = 0; start < n; start += chunk) {
    if (start > 0) await checkpoint(opts);
    const size = Math.min(chunk, n - start);
    let cls: tf.Tensor;
    try {
      cls = tf.tidy(() => {
        const y = model.apply(sliceSamples(x, start, size), { training: false }) as tf.Tensor;
        return tf.argMax(y.reshape([size, -1]), -1);
      });
    } catch (e) {
      throw explainOutOfMemory(
        e,
        `A forward pass of ${size} samples (of ${n})`,
        'Use a batch with fewer or smaller samples.',
      );
    }
    out.set((await cls.data()) as Int32Array, start);
    cls.dispose();
  }
  return out;
}

/** Fraction of positions where a and b agree (top-1 accuracy when b holds labels). */
export function agreement(a: Int32Array, b: Int32Array): number {
  if (a.length === 0) return 0;
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

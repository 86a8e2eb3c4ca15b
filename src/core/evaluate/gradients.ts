import * as tf from '@tensorflow/tfjs';
import type { LongCallOptions } from '../types';
import { explainOutOfMemory } from '../memory/chunks';
import { sampleCount, sliceSamples, type Samples } from '../memory/samples';
import { checkpoint, StageProgress } from '../util/progress';
import { crossEntropy, outputsProbabilities } from './loss';

export interface GradientSums {
  /** Σ over chunks of (chunk size / N)·∇L_chunk: the gradient of the mean loss over all points. */
  mean: Float32Array[];
  /** Σ over chunks of |∇L_chunk|: zero exactly where every chunk's gradient is exactly zero. */
  absSum: Float32Array[];
}

/**
 * Gradients of the mean cross-entropy over (x, labels) with respect to `variables`, in inference
 * mode (P13), accumulated over chunks so memory stays bounded. Used by SNIP (§7) and propagation (§5.4).
 */
export async function lossGradients(
  model: tf.LayersModel,
  variables: tf.Variable[],
  x: Samples,
  labels: Int32Array,
  chunk: number,
  stage: string,
  opts: LongCallOptions = {},
): Promise<GradientSums> {
  const n = sampleCount(x);
  const probs = outputsProbabilities(model);
  const mean = variables.map((v) => new Float32Array(v.size));
  const absSum = variables.map((v) => new Float32Array(v.size));
  const progress = new StageProgress(stage, n, opts.onProgress);
  for (let start = 0; start < n; start += chunk) {
    await checkpoint(opts);
    const size = Math.min(chunk, n - start);
    const grads = explainingMemory(size, () =>
      tf.tidy(() => {
        const xc = sliceSamples(x, start, size);
        const yc = tf.tensor1d(labels.subarray(start, start + size), 'int32');
        const f = () => crossEntropy(model.apply(xc, { training: false }) as tf.Tensor, yc, probs);
        const { value, grads } = tf.variableGrads(f, variables);
        value.dispose();
        return variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
      }),
    );
    for (let i = 0; i < variables.length; i++) {
      const g = (await grads[i].data()) as Float32Array;
      const w = size / n;
      for (let k = 0; k < g.length; k++) {
        mean[i][k] += w * g[k];
        absSum[i][k] += Math.abs(g[k]);
      }
      grads[i].dispose();
    }
    progress.advance(size);
  }
  progress.finish();
  return { mean, absSum };
}

function explainingMemory<T>(size: number, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw explainOutOfMemory(
      e,
      `The gradients of ${size} samples`,
      'Use fewer sensitivity points (--points), or smaller samples.',
    );
  }
}

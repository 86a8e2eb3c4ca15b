// Samples kept on the JavaScript side and uploaded chunk by chunk: a batch of 1,000 samples at
// 224x224x3 is 600 MB of float32, which must not sit on the wasm heap (or the GPU) as one tensor
// beside the activations of the chunk being computed.
import * as tf from '@tensorflow/tfjs';

export interface HostSamples {
  /** Row-major, [n, ...per-sample]. */
  data: Float32Array;
  shape: number[];
}

export type Samples = tf.Tensor | HostSamples;

export function isHost(x: Samples): x is HostSamples {
  return !(x instanceof tf.Tensor);
}

export function sampleCount(x: Samples): number {
  return x.shape[0] ?? 0;
}

/** Samples start .. start+size as a tensor (a new one: dispose it, or create it inside tf.tidy). */
export function sliceSamples(x: Samples, start: number, size: number): tf.Tensor {
  if (!isHost(x)) return x.slice(start, size);
  const per = x.shape.slice(1);
  const len = per.reduce((a, b) => a * b, 1);
  return tf.tensor(x.data.subarray(start * len, (start + size) * len), [size, ...per]);
}

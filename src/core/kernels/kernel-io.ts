import * as tf from '@tensorflow/tfjs';

/**
 * The inputs of a kernelFunc are engine tensors when it is reached through tf ops, but the kernel
 * API only promises TensorInfo; wrapping with an extra reference lets us use tf ops on it without
 * freeing the caller's data when our wrapper is disposed.
 */
export function asTensor(backend: tf.KernelBackend, info: tf.TensorInfo): tf.Tensor {
  if (info instanceof tf.Tensor) return info;
  backend.incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info, backend);
}

/** Undoes asTensor: drops our wrapper, never the caller's tensor. */
export function release(t: tf.Tensor, info: tf.TensorInfo): void {
  if (t !== info) t.dispose();
}

/**
 * Turns a tensor computed with tf ops inside a kernelFunc into the kernel's output. The engine
 * wraps the returned TensorInfo in a new tensor; taking a reference first and disposing ours keeps
 * exactly one owner, so tf.memory() stays balanced.
 */
export function asKernelOutput(backend: tf.KernelBackend, t: tf.Tensor): tf.TensorInfo {
  backend.incRef(t.dataId);
  const info = { dataId: t.dataId, shape: t.shape.slice(), dtype: t.dtype };
  t.dispose();
  return info;
}

/** Runs a tf-ops implementation as a kernelFunc body with balanced references. */
export function runWithOps(
  backend: tf.KernelBackend,
  inputs: tf.TensorInfo[],
  body: (tensors: tf.Tensor[]) => tf.Tensor,
): tf.TensorInfo {
  const tensors = inputs.map((info) => asTensor(backend, info));
  try {
    return asKernelOutput(backend, body(tensors));
  } finally {
    tensors.forEach((t, i) => release(t, inputs[i]));
  }
}

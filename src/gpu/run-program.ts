import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { SippError } from '../core/util/errors';

export type ProgramUniforms = Array<{ type: 'int32' | 'float32'; data: number[] }>;

/** The active backend as a WebGPUBackend; anything else is a caller's mistake worth naming. */
export function activeWebGpuBackend(what: string): WebGPUBackend {
  const name = tf.getBackend();
  if (name !== 'webgpu') {
    throw new SippError(
      'KERNEL_BACKEND',
      `${what} runs only on the webgpu backend, but the active backend is '${name}'`,
    );
  }
  // Only a type import: the package registers its backend on import, which is the worker's call.
  return tf.backend() as unknown as WebGPUBackend;
}

/**
 * Runs a program and hands its output to the engine as an ordinary tensor, so tf.tidy and
 * tf.memory() see it exactly like a built-in kernel's output. Inputs must be float32: the WGSL
 * declares every buffer as array<f32>.
 */
export function runProgram(
  backend: WebGPUBackend,
  program: WebGPUProgram,
  inputs: tf.Tensor[],
  uniforms?: ProgramUniforms,
): tf.Tensor {
  const info = backend.runWebGPUProgram(program, inputs, 'float32', uniforms);
  return tf.engine().makeTensorFromTensorInfo(info);
}

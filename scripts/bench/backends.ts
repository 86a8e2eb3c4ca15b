// Starting one tfjs backend in a Node benchmark process, the way the CLI and the tests do:
// wasm with one thread (as in the app's worker), webgpu through Dawn (SwiftShader here, or the
// Vulkan driver VK_ICD_FILENAMES names: npm run bench:gpu).
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from '../../src/core';
import { machineDescription } from './results';

/** Starts `backend` and returns the device description the records carry. */
export async function startBackend(backend: string): Promise<string> {
  const cpu = machineDescription(`Node ${process.version}`);
  if (backend === 'webgpu') {
    const { initWebGpuNode } = await import('../../src/test-support/webgpu-node');
    const r = await initWebGpuNode();
    if (!r.ok) throw new Error(r.reason);
    const soft = /swiftshader/i.test(r.adapter) ? ': SwiftShader, Vulkan on the CPU, not a GPU' : '';
    return `WebGPU through Dawn (npm webgpu) on ${r.adapter}${soft}; ${cpu}`;
  }
  if (backend === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    // One thread, as in the app's worker (the threaded build hangs there).
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  if (backend === 'wasm') {
    registerWasmTrainingKernels();
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    return `WebAssembly (tfjs-backend-wasm${simd ? ', SIMD' : ''}, 1 thread); ${cpu}`;
  }
  return `plain JavaScript (tfjs cpu); ${cpu}`;
}

// WebGPU in Node for tests and scripts: Dawn from the `webgpu` npm package on Chromium's SwiftShader.
// Node-only (fs, process.env); never import it from src/core or the app.
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';

/** Debian's chromium ships this ICD; Dawn finds no adapter through Mesa's lavapipe on these machines. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export type WebGpuNodeResult = { ok: true; adapter: string } | { ok: false; reason: string };

let pending: Promise<WebGpuNodeResult> | null = null;

/**
 * Makes `navigator.gpu` available, registers and selects the tfjs `webgpu` backend.
 *
 * Resolves `{ ok: false }` only when SwiftShader's ICD file is absent (a machine without chromium):
 * where the file exists a missing adapter is a broken setup, and this rejects so that CI fails
 * loudly instead of silently skipping the WebGPU tests.
 */
export function initWebGpuNode(): Promise<WebGpuNodeResult> {
  pending ??= init();
  return pending;
}

async function init(): Promise<WebGpuNodeResult> {
  const icdPresent = existsSync(SWIFTSHADER_ICD);
  // The Vulkan loader reads this when Dawn creates its instance, so it must be set before
  // `webgpu` is first imported; the dynamic import below guarantees that order.
  if (icdPresent && !process.env.VK_ICD_FILENAMES) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

  const { create, globals } = await import('webgpu');
  // GPUBufferUsage, GPUMapMode, GPUShaderStage ... are read as globals by the tfjs backend.
  Object.assign(globalThis, globals);
  const gpu = create([]);
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });

  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    const why = `no WebGPU adapter from Dawn (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'})`;
    if (!icdPresent) {
      return {
        ok: false,
        reason: `${why}; ${SWIFTSHADER_ICD} is absent (apt-get install chromium libvulkan1)`,
      };
    }
    throw new Error(`${why}, although ${SWIFTSHADER_ICD} exists: is libvulkan1 installed?`);
  }

  // The backend registers itself at import time, and only if navigator.gpu exists by then.
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu')))
    throw new Error('tf.setBackend("webgpu") failed although an adapter exists');
  await tf.ready();
  const info = adapter.info;
  return { ok: true, adapter: `${info.vendor} ${info.architecture} ${info.description}`.trim() };
}

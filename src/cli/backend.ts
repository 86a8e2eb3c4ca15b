import { existsSync, readdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels, SippError } from '../core';

export type CliBackend = 'wasm' | 'cpu' | 'webgpu';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * True when this machine has a GPU the Vulkan loader can drive: an NVIDIA driver's ICD or a DRM
 * render node. Mesa installs ICD files for Intel/AMD/lavapipe whether or not such a GPU exists,
 * and Dawn finds no adapter through lavapipe, so ICD files alone prove nothing.
 */
function hasHardwareGpu(): boolean {
  for (const dir of ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d']) {
    if (existsSync(dir) && readdirSync(dir).some((f) => /nvidia/i.test(f))) return true;
  }
  return existsSync('/dev/dri') && readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
}

async function initWebGpu(): Promise<string> {
  // The loader reads VK_ICD_FILENAMES when Dawn starts, so decide before importing `webgpu`.
  if (!process.env.VK_ICD_FILENAMES && !hasHardwareGpu() && existsSync(SWIFTSHADER_ICD))
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter)
    throw new SippError(
      'no-webgpu-adapter',
      `--backend webgpu: no WebGPU adapter found (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'}). ` +
        'Install a Vulkan driver, or apt-get install chromium libvulkan1 for the SwiftShader software adapter; or use --backend wasm.',
    );
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu')))
    throw new SippError('backend-failed', 'the tfjs webgpu backend failed to start');
  const info = adapter.info;
  return `webgpu (${[info.vendor, info.architecture, info.description].filter(Boolean).join(' ')})`;
}

/** Starts the requested backend; wasm (the fastest CPU path in Node) falls back to cpu. */
export async function startBackend(
  requested: CliBackend,
): Promise<{ name: CliBackend; description: string }> {
  if (requested === 'webgpu') return { name: 'webgpu', description: await initWebGpu() };
  if (requested === 'wasm') {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (await tf.setBackend('wasm').catch(() => false)) {
      await tf.ready();
      registerWasmTrainingKernels();
      return { name: 'wasm', description: 'wasm' };
    }
  }
  if (!(await tf.setBackend('cpu'))) throw new SippError('backend-failed', 'no tfjs backend could start');
  await tf.ready();
  return { name: 'cpu', description: requested === 'wasm' ? 'cpu (wasm failed to start)' : 'cpu' };
}

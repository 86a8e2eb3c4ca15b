// Choosing the tfjs backend inside the worker: webgpu, then webgl, then wasm, then cpu, with the
// reason in words. Capabilities are probed once per worker; a backend counts as working only
// when tf.setBackend says so AND a small matMul on it gives the right numbers.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { kernelFor, registerWasmTrainingKernels } from '../core';
import { BACKEND_NAMES, type BackendChoice, type BackendInfo, type BackendName } from './protocol';

interface GpuProbe {
  /** The adapter's name alone ("SwiftShader"). */
  name: string;
  /** The name, marked "(software)" when it is one. */
  description: string;
  software: boolean;
}

interface Probes {
  webgpu: GpuProbe | null;
  webgl: GpuProbe | null;
}

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render/i;

async function probeWebGpu(): Promise<GpuProbe | null> {
  const gpu = (self.navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return null;
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return null;
    const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
    const fallbackFlag =
      (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
      (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter ??
      false;
    const parts = [info?.vendor, info?.architecture, info?.description].filter((s) => s && s.length > 0);
    const text = parts.join(' ') || 'unnamed adapter';
    const software = fallbackFlag || SOFTWARE_RENDERER.test(text);
    const name = prettyAdapter(text);
    return { name, description: software ? `${name} (software)` : name, software };
  } catch {
    return null;
  }
}

function prettyAdapter(text: string): string {
  return /swiftshader/i.test(text) ? 'SwiftShader' : text;
}

function probeWebGl(): GpuProbe | null {
  try {
    if (typeof OffscreenCanvas === 'undefined') return null;
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    if (!gl) return null;
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    const software = SOFTWARE_RENDERER.test(renderer);
    const short = /swiftshader/i.test(renderer) ? 'SwiftShader' : renderer.replace(/^ANGLE \((.*)\)$/, '$1');
    return { name: short, description: software ? `${short} (software)` : short, software };
  } catch {
    return null;
  }
}

let probes: Promise<Probes> | null = null;
function probeOnce(): Promise<Probes> {
  probes ??= (async () => ({ webgpu: await probeWebGpu(), webgl: probeWebGl() }))();
  return probes;
}

let wasmPathsSet = false;
let wasmKernelsRegistered = false;

/** Sets the backend and checks that it computes: a matMul with known result, read back asynchronously. */
async function tryBackend(name: BackendName): Promise<string | null> {
  try {
    if (name === 'wasm' && !wasmPathsSet) {
      // The threaded build hangs in a bundled worker on cross-origin-isolated pages; and the
      // binaries must come from our own origin (no CDN): Vite serves them from the build.
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      setWasmPaths({
        'tfjs-backend-wasm.wasm': wasmPlainUrl,
        'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
        'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
      });
      wasmPathsSet = true;
    }
    if (!(await tf.setBackend(name))) return `${name} did not initialise`;
    await tf.ready();
    if (name === 'wasm' && !wasmKernelsRegistered) {
      registerWasmTrainingKernels();
      wasmKernelsRegistered = true;
    }
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const b = tf.tensor2d([5, 6, 7, 8], [2, 2]);
    const c = tf.matMul(a, b);
    // Never dataSync() here: on webgpu it can return zeros and break the device.
    const v = await c.data();
    tf.dispose([a, b, c]);
    const want = [19, 22, 43, 50];
    if (!want.every((w, i) => Math.abs(v[i] - w) < 1e-3)) return `${name} computed a wrong test product`;
    return null;
  } catch (e) {
    return `${name} failed to start: ${e instanceof Error ? e.message : String(e)}`;
  }
}

function describe(name: BackendName, p: Probes): string {
  switch (name) {
    case 'webgpu':
      return p.webgpu?.description ?? 'WebGPU';
    case 'webgl':
      return p.webgl?.description ?? 'WebGL';
    case 'wasm':
      return `WebAssembly${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? ', SIMD' : ''}, 1 thread`;
    case 'cpu':
      return 'plain JavaScript';
  }
}

/** Why the automatic choice passes over `name`, or null when it should be tried. */
function autoSkip(name: BackendName, p: Probes): string | null {
  switch (name) {
    case 'webgpu':
      if (!p.webgpu) return 'no WebGPU adapter';
      if (p.webgpu.software)
        return `the only WebGPU adapter is a software fallback (${p.webgpu.name}), where WebAssembly is about 50 times faster`;
      return null;
    case 'webgl':
      if (!p.webgl) return 'no WebGL 2';
      if (p.webgl.software) return `WebGL runs in software (${p.webgl.name})`;
      return null;
    case 'wasm':
    case 'cpu':
      return null;
  }
}

/**
 * Starts the backend asked for ('auto': the first good one in webgpu, webgl, wasm, cpu order).
 * A forced backend that fails falls back along the same order, and the result says so.
 * `exclude` holds backends that already failed in this session.
 */
export async function startBackend(choice: BackendChoice, exclude: BackendName[] = []): Promise<BackendInfo> {
  const p = await probeOnce();
  const skipped: string[] = [];
  let fellBackFrom: BackendInfo['fellBackFrom'];
  if (choice !== 'auto') {
    const err = exclude.includes(choice)
      ? `${choice} failed earlier in this session`
      : await tryBackend(choice);
    if (!err) {
      const reason = autoSkip(choice, p);
      return info(
        choice,
        choice,
        p,
        reason ? `forced by the user, although ${reason}` : 'chosen by the user',
      );
    }
    fellBackFrom = { name: choice, error: err };
  }
  for (const name of BACKEND_NAMES) {
    if (name === choice) continue;
    if (exclude.includes(name)) {
      skipped.push(`${name} failed earlier in this session`);
      continue;
    }
    const why = autoSkip(name, p);
    if (why) {
      skipped.push(why);
      continue;
    }
    const err = await tryBackend(name);
    if (err) {
      skipped.push(err);
      continue;
    }
    const reason = skipped.length === 0 ? `the fastest backend found` : `${skipped.join('; ')}`;
    const result = info(name, choice, p, reason);
    if (fellBackFrom) result.fellBackFrom = fellBackFrom;
    return result;
  }
  throw new Error(`no TensorFlow.js backend could start: ${skipped.join('; ')}`);
}

function info(name: BackendName, choice: BackendChoice, p: Probes, reason: string): BackendInfo {
  return {
    name,
    choice,
    adapter: describe(name, p),
    softwareAdapter: !!p.webgpu?.software,
    reason: reason.charAt(0).toUpperCase() + reason.slice(1) + '.',
    kernel: kernelFor(name).name,
  };
}

/** Calls `onLost` when the WebGPU device of the running backend goes away. */
export function watchDeviceLoss(onLost: (message: string) => void): void {
  if (tf.getBackend() !== 'webgpu') return;
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  device?.lost.then((i) =>
    onLost(`the GPU device was lost (${i.reason}${i.message ? `: ${i.message}` : ''})`),
  );
}

/** Destroys the WebGPU device: a stand-in for a GPU reset, for tests of the fallback. */
export function loseDevice(): boolean {
  if (tf.getBackend() !== 'webgpu') return false;
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  device?.destroy();
  return !!device;
}

import { cpuLoopsKernel } from './cpu-kernel';
import type { SensitivityKernel } from './kernel';
import { plainKernel } from './plain';
import { wasmSimdKernel } from './simd-kernel';
import { webgpuFusedKernel } from '../../gpu/fused-kernel';

export type KernelVariant = 'auto' | 'plain' | 'fused' | 'loops';

/** SIPP_SENSITIVITY_KERNEL=cpu-loops (Node: CLI, benchmarks) forces the JavaScript loops on cpu/wasm. */
const forceLoops = () =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
    ?.SIPP_SENSITIVITY_KERNEL === 'cpu-loops';

/**
 * The fastest correct sensitivity kernel for a tfjs backend: fused WGSL on webgpu, WebAssembly
 * SIMD on cpu and wasm (the JavaScript loops where the SIMD module did not load), plain ops on
 * webgl. 'plain' forces the reference path, 'loops' the JavaScript loops (benchmarks, tests).
 */
export function kernelFor(backend: string, variant: KernelVariant = 'auto'): SensitivityKernel {
  if (variant === 'plain') return plainKernel;
  if (backend === 'webgpu') return webgpuFusedKernel;
  if (backend === 'cpu' || backend === 'wasm') {
    return variant === 'loops' || forceLoops() ? cpuLoopsKernel : (wasmSimdKernel ?? cpuLoopsKernel);
  }
  return plainKernel;
}

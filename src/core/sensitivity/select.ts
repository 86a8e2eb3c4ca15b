import { cpuLoopsKernel } from './cpu-kernel';
import type { SensitivityKernel } from './kernel';
import { plainKernel } from './plain';
import { webgpuFusedKernel } from '../../gpu/fused-kernel';

export type KernelVariant = 'auto' | 'plain' | 'fused';

/**
 * The fastest correct sensitivity kernel for a tfjs backend: fused WGSL on webgpu, typed-array
 * loops on cpu and wasm, plain ops on webgl. 'plain' forces the reference path (benchmarks, tests).
 */
export function kernelFor(backend: string, variant: KernelVariant = 'auto'): SensitivityKernel {
  if (variant === 'plain') return plainKernel;
  if (backend === 'webgpu') return webgpuFusedKernel;
  if (backend === 'cpu' || backend === 'wasm') return cpuLoopsKernel;
  return plainKernel;
}

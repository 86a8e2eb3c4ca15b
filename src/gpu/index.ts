// Custom WebGPU kernels. Importing this module has no side effects: the tfjs webgpu backend is only
// referenced by type, and registering it stays the worker's job.
export { createWebGpuFusedKernel, webgpuFusedKernel, type WebGpuFusedOptions } from './fused-kernel';

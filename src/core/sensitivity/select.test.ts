import { afterEach, describe, expect, it } from 'vitest';
import { kernelFor } from './select';

describe('kernelFor', () => {
  afterEach(() => {
    delete process.env.SIPP_SENSITIVITY_KERNEL;
  });

  it('picks the WebAssembly SIMD kernel on wasm and cpu, fused WGSL on webgpu, plain ops on webgl', () => {
    expect(kernelFor('wasm').name).toBe('wasm-simd');
    expect(kernelFor('cpu').name).toBe('wasm-simd');
    expect(kernelFor('webgpu').name).toBe('webgpu-fused');
    expect(kernelFor('webgl').name).toBe('plain-ops');
  });

  it("forces the JavaScript loops with 'loops' or SIPP_SENSITIVITY_KERNEL=cpu-loops, plain ops with 'plain'", () => {
    expect(kernelFor('wasm', 'loops').name).toBe('cpu-loops');
    expect(kernelFor('wasm', 'plain').name).toBe('plain-ops');
    process.env.SIPP_SENSITIVITY_KERNEL = 'cpu-loops';
    expect(kernelFor('wasm').name).toBe('cpu-loops');
    expect(kernelFor('cpu').name).toBe('cpu-loops');
    expect(kernelFor('webgpu').name).toBe('webgpu-fused');
  });
});

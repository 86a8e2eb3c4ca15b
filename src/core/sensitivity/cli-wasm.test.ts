// Issue 12's check: `sensitivities --backend wasm` (the WebAssembly SIMD kernel, and the JavaScript
// one when forced) on shapes the kernels were not written against (16-output blocks plus a tail,
// stride with 'same', dilation), mixed-sign inputs, against the float64 reference
// (src/test-support/cli-sensitivities.ts has the cases).
import { describe } from 'vitest';
import { cliSensitivityTests } from '../../test-support/cli-sensitivities';

describe('cli sensitivities --backend wasm vs the float64 reference', () => {
  cliSensitivityTests('wasm', [
    { kernel: 'wasm-simd' },
    // The JavaScript kernel once, on the widest case: it is the comparison row, tested in full elsewhere.
    {
      kernel: 'cpu-loops',
      env: { SIPP_SENSITIVITY_KERNEL: 'cpu-loops' },
      only: (n) => n === 'conv-3x2-d2-valid',
    },
  ]);
});

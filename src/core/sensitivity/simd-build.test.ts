// The committed sensitivity.wasm is what its committed AssemblyScript source compiles to: rebuilding
// with the same compiler and options (scripts/build-wasm.ts) gives the same bytes. A change to the
// source without `npm run build:wasm`, or a hand-edited binary, fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileKernel, OUTPUT } from '../../../scripts/build-wasm';

describe('sensitivity.wasm', () => {
  it('is reproduced byte for byte by rebuilding wasm/sensitivity/sensitivity.ts', async () => {
    const committed = new Uint8Array(readFileSync(OUTPUT));
    const rebuilt = await compileKernel();
    expect(rebuilt.length).toBe(committed.length);
    // One comparison, not a 4 KB diff of numbers when it fails.
    expect(Buffer.compare(Buffer.from(rebuilt), Buffer.from(committed))).toBe(0);
  });

  it('uses 128-bit SIMD and imports its memory, as the loader expects', () => {
    const mod = new WebAssembly.Module(readFileSync(OUTPUT));
    expect(WebAssembly.Module.imports(mod)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    const names = WebAssembly.Module.exports(mod).map((e) => e.name);
    for (const f of ['splitWeights', 'rowLists', 'signedZDense', 'reciprocals', 'buildLists', 'maxTimes'])
      expect(names).toContain(f);
    // Without SIMD the module would fail to validate; a scalar build would validate everywhere.
    expect(WebAssembly.validate(readFileSync(OUTPUT))).toBe(true);
  });
});

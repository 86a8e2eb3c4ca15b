// npm run build:wasm: compiles the SIMD sensitivity kernel (wasm/sensitivity/sensitivity.ts,
// AssemblyScript) into src/core/sensitivity/simd/sensitivity.wasm. The .wasm is committed, so the
// app build and CI need no compiler step; src/core/sensitivity/simd-build.test.ts rebuilds it with
// these same options and checks the committed file byte for byte.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

export const SOURCE = fileURLToPath(new URL('../wasm/sensitivity/sensitivity.ts', import.meta.url));
export const OUTPUT = fileURLToPath(
  new URL('../src/core/sensitivity/simd/sensitivity.wasm', import.meta.url),
);

/**
 * The options are part of the artefact: -O3 for speed, no assertions (the caller validates every
 * shape and size), the stub runtime (the kernel allocates nothing), memory imported so that the
 * JavaScript side sizes and grows it, and SIMD (on by default in asc; named so a default change
 * cannot drop it silently).
 */
const ARGS = [
  '--optimizeLevel',
  '3',
  '--shrinkLevel',
  '0',
  '--noAssert',
  '--runtime',
  'stub',
  '--importMemory',
  '--enable',
  'simd',
  '--outFile',
  'sensitivity.wasm',
];

export async function compileKernel(): Promise<Uint8Array> {
  let binary: Uint8Array | null = null;
  let log = '';
  const { error } = await asc.main([SOURCE, ...ARGS], {
    writeFile: (name, contents) => {
      if (name.endsWith('.wasm') && typeof contents !== 'string') binary = contents;
    },
    stdout: { write: (s: string) => ((log += s), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (s: string) => ((log += s), true) } as unknown as NodeJS.WritableStream,
  });
  if (error) throw new Error(`asc failed: ${error.message}\n${log}`);
  if (!binary) throw new Error(`asc wrote no .wasm\n${log}`);
  return binary;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bytes = await compileKernel();
  const before = (() => {
    try {
      return readFileSync(OUTPUT);
    } catch {
      return null;
    }
  })();
  writeFileSync(OUTPUT, bytes);
  const same = before !== null && Buffer.compare(before, Buffer.from(bytes)) === 0;
  console.log(`${OUTPUT}: ${bytes.length} bytes${same ? ' (unchanged)' : ''}`);
}

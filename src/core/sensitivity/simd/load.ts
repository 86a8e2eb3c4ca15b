// Loads the compiled SIMD kernel (sensitivity.wasm beside this file, built from wasm/sensitivity/ by
// npm run build:wasm). The kernel contract is synchronous, so the module is read and compiled
// synchronously, once, when this file is evaluated: in Node (CLI, tests, benchmarks) from disk; in
// the app, where Vite emits the file as an asset of the worker bundle, by a synchronous request to
// the app's own origin (a few KB, allowed in workers and, as text, on a page).
// Not a top-level await: a module worker that awaits while it is evaluated drops the messages
// posted to it meanwhile (seen: the benchmark worker never received its request).
// Any failure (no WebAssembly SIMD, a blocked request) leaves `module` null with the reason, and
// the JavaScript kernel is used instead.

const WASM_URL = new URL('./sensitivity.wasm', import.meta.url);

export type SimdModule = { module: WebAssembly.Module; reason: null } | { module: null; reason: string };

type NodeFs = { readFileSync(path: URL): Uint8Array };

function readFromDisk(url: URL): Uint8Array {
  // getBuiltinModule (Node >= 20.16) reads synchronously and keeps 'node:fs' out of the browser
  // bundle's import graph.
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as NodeFs | undefined;
  if (!fs) throw new Error('this Node has no process.getBuiltinModule (needs Node >= 20.16)');
  return fs.readFileSync(url);
}

function decodeDataUrl(url: URL): Uint8Array {
  const [head, body] = url.href.split(',', 2);
  if (!head.endsWith(';base64')) throw new Error('unexpected data: URL for sensitivity.wasm');
  return Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
}

function requestSync(url: URL): Uint8Array {
  const xhr = new XMLHttpRequest();
  xhr.open('GET', url.href, false);
  // Bytes as a binary string: the one response type a synchronous request may use on a page too.
  xhr.overrideMimeType('text/plain; charset=x-user-defined');
  xhr.send();
  if (xhr.status !== 200) throw new Error(`${url.href}: HTTP ${xhr.status}`);
  const text = xhr.responseText;
  const bytes = new Uint8Array(text.length);
  for (let k = 0; k < text.length; k++) bytes[k] = text.charCodeAt(k) & 0xff;
  return bytes;
}

function load(): SimdModule {
  try {
    if (typeof WebAssembly !== 'object') return { module: null, reason: 'no WebAssembly in this runtime' };
    const bytes =
      WASM_URL.protocol === 'file:'
        ? readFromDisk(WASM_URL)
        : WASM_URL.protocol === 'data:'
          ? decodeDataUrl(WASM_URL)
          : requestSync(WASM_URL);
    // Compiling fails where SIMD is missing (validation stops at the first v128 instruction).
    return { module: new WebAssembly.Module(bytes as BufferSource), reason: null };
  } catch (e) {
    return {
      module: null,
      reason: `the SIMD kernel did not load: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}

export const simdModule: SimdModule = load();

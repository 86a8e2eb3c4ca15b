// The browser benchmark: the same suite as `npm run bench`, inside a module worker like the app's
// engine, on the backend the page asks for. No fallback: a backend that does not start is an error.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { kernelFor, registerWasmTrainingKernels } from '../core';
import { loadDemoFiles } from './demo';
import { MEMORY_CASES, memoryRecord, runMemoryCase, SMALL_MEMORY_CASES } from './memory';
import type { BenchEvent, BenchRequest } from './protocol';
import type { BenchRecord } from './records';
import { benchKernels } from './kernels';
import { runSuite } from './suite';

const post = (e: BenchEvent) => self.postMessage(e);

async function adapterText(): Promise<string> {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) return 'no adapter';
  const i = adapter.info;
  const fallback = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
  const name = [i.vendor, i.architecture, i.description].filter(Boolean).join(' ');
  return `${name || 'unnamed adapter'}${fallback ? ' (fallback adapter: a CPU, not a GPU)' : ''}`;
}

async function start(backend: BenchRequest['backend']): Promise<string> {
  const where = `Chromium worker (${navigator.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? navigator.userAgent}), ${navigator.hardwareConcurrency} logical cores`;
  if (backend === 'wasm') {
    // The threaded build hangs in a bundled worker; the binaries come from our own origin.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmPlainUrl,
      'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
    });
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  if (backend === 'wasm') {
    registerWasmTrainingKernels();
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    return `WebAssembly (tfjs-backend-wasm${simd ? ', SIMD' : ''}, 1 thread); ${where}`;
  }
  return `WebGPU on ${await adapterText()}; ${where}`;
}

/** Issue 5, part 3: the memory cases, one after another, on the started backend. */
async function memorySuite(req: BenchRequest, device: string): Promise<BenchRecord[]> {
  const table = req.small ? SMALL_MEMORY_CASES : MEMORY_CASES;
  const records: BenchRecord[] = [];
  for (const name of req.cases ?? ['M1']) {
    const c = table[name];
    if (!c) throw new Error(`unknown memory case ${name}`);
    post({ type: 'log', line: `${name}: ${c.title}` });
    const r = await runMemoryCase(c, {
      kernel: kernelFor(req.backend),
      log: (line) => post({ type: 'log', line }),
    });
    records.push(memoryRecord(r, 'chromium', device));
    const m = records[records.length - 1].memory!;
    post({
      type: 'log',
      line: `${name}: extra ${(m.extraBytes / 2 ** 20).toFixed(1)} MiB, ratio ${m.ratio}, ${r.seconds.toFixed(1)} s, leaked ${m.leakedTensors}`,
    });
  }
  return records;
}

self.onmessage = async (e: MessageEvent<BenchRequest>) => {
  const req = e.data;
  try {
    const device = await start(req.backend);
    post({ type: 'log', line: `device: ${device}` });
    if (req.suite === 'memory') {
      post({ type: 'done', records: await memorySuite(req, device) });
      return;
    }
    const demo = await loadDemoFiles(async (p) => {
      const res = await fetch(new URL(p, req.demoBase));
      if (!res.ok) throw new Error(`${p}: HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    });
    const records = await runSuite({
      runtime: 'chromium',
      backend: req.backend,
      device,
      clock: { now: () => performance.now() },
      runs: req.runs,
      budgetMs: req.budgetS * 1000,
      kernels: benchKernels(req.backend),
      demo,
      ...(req.only ? { only: req.only } : {}),
      log: (line) => post({ type: 'log', line }),
    });
    post({ type: 'done', records });
  } catch (err) {
    post({
      type: 'error',
      message: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err),
    });
  }
};

// The bench page: starts the benchmark worker on the backend named in the URL
// (bench.html?backend=webgpu|wasm&runs=5&budget=40) and exposes progress on window.__bench,
// which scripts/bench/browser.ts polls. bench.html?suite=memory&cases=M1[&small] runs the memory
// cases (issue 5, part 3) instead; e2e/memory.spec.ts drives that.
import type { BenchRecord } from './records';
import type { BenchEvent, BenchRequest } from './protocol';

interface BenchState {
  done: boolean;
  records: BenchRecord[];
  log: string[];
  error?: string;
}

declare global {
  interface Window {
    __bench: BenchState;
  }
}

const params = new URLSearchParams(location.search);
const backend = params.get('backend') === 'wasm' ? 'wasm' : 'webgpu';
const state: BenchState = { done: false, records: [], log: [] };
window.__bench = state;
const out = document.getElementById('log')!;
const show = (line: string) => {
  state.log.push(line);
  out.textContent += `\n${line}`;
};

const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
worker.onmessage = (e: MessageEvent<BenchEvent>) => {
  const ev = e.data;
  switch (ev.type) {
    case 'log':
      show(ev.line);
      break;
    case 'done':
      state.records = ev.records;
      state.done = true;
      show('done');
      break;
    case 'error':
      state.error = ev.message;
      state.done = true;
      show(`error: ${ev.message}`);
      break;
  }
};
worker.onerror = (e) => {
  state.error = e.message || 'the benchmark worker failed to load';
  state.done = true;
};
const req: BenchRequest = {
  backend,
  runs: Number(params.get('runs') ?? 5),
  budgetS: Number(params.get('budget') ?? 40),
  demoBase: new URL('demo/', location.href).href,
  suite: params.get('suite') === 'memory' ? 'memory' : 'timing',
  cases: (params.get('cases') ?? 'M1').split(','),
  small: params.has('small'),
  ...(params.get('only') ? { only: params.get('only')!.split(',') } : {}),
};
show(
  req.suite === 'memory'
    ? `backend ${backend}, memory cases ${req.cases!.join(', ')}${req.small ? ' (small sizes)' : ''}`
    : `backend ${backend}, ${req.runs} runs, budget ${req.budgetS} s per measurement`,
);
worker.postMessage(req);

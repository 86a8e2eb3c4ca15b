// npm run bench:memory: issue 5, part 3 in Node: peak tensor memory of one sensitivity pass over
// synthetic models (src/bench/memory.ts), against the bound 4 x largest weight + one chunk.
//   npm run bench:memory                        webgpu:M1, webgpu:M3 (Dawn on SwiftShader), wasm:M1, wasm:M2, wasm:M3
//   BENCH_MEMORY=wasm:M2 npm run bench:memory   a subset (backend:case, comma-separated)
//   npm run bench:memory -- --small             the unit tests' small sizes: a quick check, nothing written
//   npm run bench:memory -- --report            also rewrite the generated part of BENCHMARKS.md
// One child process per case, so that RSS and the backend's buffer pools start clean. Writes the
// records into bench/results.json, replacing only the Node memory records of the cases it ran.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kernelFor } from '../../src/core';
import { MEMORY_CASES, memoryRecord, runMemoryCase, SMALL_MEMORY_CASES } from '../../src/bench/memory';
import { skippedAll, type BenchRecord } from '../../src/bench/records';
import { startBackend } from './backends';
import { memoryTable } from './report-memory';
import { writeReport } from './report';
import { load1, machineDescription, mergeResults, replacesMemory, type RunInfo } from './results';

const DEFAULT_PLAN = 'webgpu:M1,webgpu:M3,wasm:M1,wasm:M2,wasm:M3';
/** A case running past this is a hang (the webgpu M1 took about 145 s with the first kernels). */
const CHILD_TIMEOUT_MS = 30 * 60_000;

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    out: { type: 'string' },
    small: { type: 'boolean', default: false },
    report: { type: 'boolean', default: false },
  },
});

async function child(spec: string, out: string, small: boolean): Promise<void> {
  const [backend, name] = spec.split(':');
  const c = (small ? SMALL_MEMORY_CASES : MEMORY_CASES)[name];
  if (!c) throw new Error(`unknown memory case ${name} (${Object.keys(MEMORY_CASES).join(', ')})`);
  const device = await startBackend(backend);
  console.log(`[${spec}] ${c.title} on ${device}`);
  const r = await runMemoryCase(c, { kernel: kernelFor(backend), log: (l) => console.log(`[${spec}]${l}`) });
  writeFileSync(out, JSON.stringify(memoryRecord(r, 'node', device)));
}

function failed(spec: string, why: string): BenchRecord {
  const [backend, name] = spec.split(':');
  return {
    ...skippedAll('node', backend, why),
    name,
    suite: 'memory',
    title: MEMORY_CASES[name]?.title ?? name,
  };
}

function summary(r: BenchRecord): string {
  const m = r.memory;
  if (!m) return `${r.name} ${r.backend}: skipped (${r.skipped})`;
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  return (
    `${r.name} ${r.backend}: extra ${mb(m.extraBytes)} (peak ${mb(m.peakBytes)} - before ${mb(m.beforeBytes)}), ` +
    `largest weight ${mb(m.largestWeightBytes)}, chunk ${mb(m.chunkBytes)}: ratio ${m.ratio} ` +
    `(bound ${m.bound}; distinct buffers ${m.newDataRatio}), ${((r.medianMs ?? 0) / 1000).toFixed(1)} s, ` +
    `${m.leakedTensors} tensors leaked`
  );
}

function parent(small: boolean, report: boolean): void {
  const plan = (process.env.BENCH_MEMORY ?? DEFAULT_PLAN).split(',').map((s) => s.trim());
  const dir = mkdtempSync(join(tmpdir(), 'sipp-bench-memory-'));
  const loadBefore = load1();
  const t0 = performance.now();
  const records: BenchRecord[] = [];
  try {
    for (const spec of plan) {
      const out = join(dir, `${spec.replace(':', '-')}.json`);
      // process.execArgv carries tsx's loader, so the child runs this same TypeScript file.
      const args = [...process.execArgv, process.argv[1], '--child', spec, '--out', out];
      const r = spawnSync(process.execPath, small ? [...args, '--small'] : args, {
        stdio: 'inherit',
        timeout: CHILD_TIMEOUT_MS,
      });
      const rec =
        r.status === 0
          ? (JSON.parse(readFileSync(out, 'utf8')) as BenchRecord)
          : failed(spec, `the benchmark process exited with ${r.status ?? r.signal}`);
      console.log(summary(rec));
      records.push(rec);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n${memoryTable(records)}\n`);
  if (small) {
    console.log('--small: nothing written');
    return;
  }
  const info: RunInfo = {
    runtime: 'node',
    suite: 'memory',
    date: new Date().toISOString(),
    machine: machineDescription(`Node ${process.version}`),
    loadBefore,
    loadAfter: load1(),
    durationS: (performance.now() - t0) / 1000,
    runsPerMeasurement: 1,
    budgetS: {},
  };
  const results = mergeResults(info, records, undefined, replacesMemory('node', records));
  if (report) writeReport(results);
  console.log(
    `bench/results.json${report ? ' and BENCHMARKS.md' : ''} written (${info.durationS.toFixed(0)} s)`,
  );
}

if (values.child && values.out) await child(values.child, values.out, values.small!);
else parent(values.small!, values.report!);

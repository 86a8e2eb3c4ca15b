// npm run bench: issue 5's side-by-side benchmarks in Node, one child process per backend (a
// process that has switched tfjs backends keeps state from the first; a fresh one measures cleanly).
//   npm run bench                          wasm, webgpu (Dawn on SwiftShader), cpu (P1 only)
//   BENCH_BACKENDS=wasm npm run bench      a subset
//   BENCH_RUNS=7 BENCH_BUDGET_S=120        more runs, a bigger time budget per measurement
//   BENCH_ONLY=P1,P1-z npx tsx scripts/bench/node.ts --backend webgpu --out /tmp/r.json
//                                          one backend, some measurements, no report written
// Writes bench/results.json (the Node records; browser ones are kept) and BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { benchKernels } from '../../src/bench/kernels';
import { loadDemoFiles } from '../../src/bench/demo';
import { skippedAll, suiteOf, type BenchRecord } from '../../src/bench/records';
import { runSuite } from '../../src/bench/suite';
import { load1, machineDescription, mergeResults, readResults, type RunInfo } from './results';
import { startBackend } from './backends';
import { writeReport } from './report';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** SwiftShader runs every size far slower than wasm; a smaller budget keeps the whole run near 10 minutes. */
const BUDGET_S: Record<string, number> = { wasm: 60, webgpu: 30, cpu: 25 };
const budgetFor = (backend: string) => Number(process.env.BENCH_BUDGET_S ?? BUDGET_S[backend] ?? 60);
/** cpu is the last-resort fallback: P1 alone shows its kernels; P2-P4 on it would double the run time. */
const ONLY: Record<string, string[] | undefined> = { cpu: ['P1', 'P1-z'] };

async function child(backend: string, out: string): Promise<void> {
  const device = await startBackend(backend);
  const demo = await loadDemoFiles(async (p) => new Uint8Array(readFileSync(join('public/demo', p))));
  const records = await runSuite({
    runtime: 'node',
    backend,
    device,
    clock: {
      now: () => performance.now(),
      cpu: () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      },
    },
    runs: RUNS,
    budgetMs: budgetFor(backend) * 1000,
    kernels: benchKernels(backend),
    demo,
    only: process.env.BENCH_ONLY?.split(',') ?? ONLY[backend],
    log: (line) => console.log(line),
  });
  writeFileSync(out, JSON.stringify(records));
}

function failed(backend: string, why: string): BenchRecord {
  return skippedAll('node', backend, why);
}

function parent(): void {
  if (RUNS < 5) throw new Error(`BENCH_RUNS=${RUNS}: the issue asks for medians of at least 5 runs`);
  const backends = (process.env.BENCH_BACKENDS ?? 'wasm,webgpu,cpu').split(',').map((s) => s.trim());
  const dir = mkdtempSync(join(tmpdir(), 'sipp-bench-'));
  const loadBefore = load1();
  const t0 = performance.now();
  const records: BenchRecord[] = [];
  try {
    for (const backend of backends) {
      const out = join(dir, `${backend}.json`);
      // process.execArgv carries tsx's loader, so the child runs this same TypeScript file.
      const r = spawnSync(
        process.execPath,
        [...process.execArgv, process.argv[1], '--backend', backend, '--out', out],
        {
          stdio: 'inherit',
        },
      );
      if (r.status === 0) records.push(...(JSON.parse(readFileSync(out, 'utf8')) as BenchRecord[]));
      else records.push(failed(backend, `the benchmark process exited with ${r.status ?? r.signal}`));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const info: RunInfo = {
    runtime: 'node',
    date: new Date().toISOString(),
    machine: machineDescription(`Node ${process.version}, @tensorflow/tfjs ${tf.version.tfjs}`),
    loadBefore,
    loadAfter: load1(),
    durationS: (performance.now() - t0) / 1000,
    runsPerMeasurement: RUNS,
    budgetS: Object.fromEntries(backends.map((b) => [b, budgetFor(b)])),
  };
  const only = process.env.BENCH_ONLY?.split(',');
  const previous = readResults().runs.find((r) => r.runtime === 'node' && suiteOf(r) === 'timing');
  if (only && previous) {
    // Some rows only: they replace their own rows, and the earlier run's header stays, noting the update.
    const update = {
      date: info.date,
      only,
      backends,
      durationS: info.durationS,
      loadBefore: info.loadBefore,
      loadAfter: info.loadAfter,
    };
    const kept = { ...previous, updates: [...(previous.updates ?? []), update] };
    const replaces = (r: BenchRecord) =>
      r.runtime === 'node' &&
      suiteOf(r) === 'timing' &&
      only.includes(r.name) &&
      backends.includes(r.backend);
    writeReport(mergeResults(kept, records, undefined, replaces));
  } else writeReport(mergeResults(info, records));
  console.log(`bench/results.json and BENCHMARKS.md written (${info.durationS.toFixed(0)} s)`);
}

const { values } = parseArgs({ options: { backend: { type: 'string' }, out: { type: 'string' } } });
if (values.backend && values.out) await child(values.backend, values.out);
else parent();

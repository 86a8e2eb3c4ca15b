// npm run bench:browser (after vite build): the same benchmarks in the built app's bench page, in
// headless Chromium driven by Playwright, one fresh page (and worker) per backend.
//   BENCH_BACKENDS=wasm   a subset (default webgpu,wasm)
//   BENCH_RUNS, BENCH_BUDGET_S as for npm run bench
//   BENCH_ONLY=P1,P2      some measurements only: they replace their own rows, the rest are kept
//   BENCH_DIST=dir BENCH_PORT=n   serve another build (vite build --outDir dir) on another port
//   BENCH_RECORDS_OUT=f   write the records to f instead of bench/results.json and BENCHMARKS.md
//   BENCH_CHROMIUM_ARGS   extra Chromium flags, space-separated (npm run bench:gpu: the GPU ones)
// Writes the Chromium records into bench/results.json (Node records kept) and BENCHMARKS.md.
//
// npm run bench:memory:browser (--memory): the memory cases (issue 5, part 3) instead, in the same page.
//   BENCH_BACKENDS (default webgpu), BENCH_MEMORY_CASES=M1,M3 (default M1); --small: the unit tests'
//   sizes, nothing written; --report: also rewrite BENCHMARKS.md's generated part (not by default).
//   Replaces only the Chromium memory records of the backends and cases it ran.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { skippedAll, suiteOf, type BenchRecord } from '../../src/bench/records';
import {
  load1,
  machineDescription,
  mergeResults,
  readResults,
  replacesMemory,
  type RunInfo,
} from './results';
import { writeReport } from './report';
import { memoryTable } from './report-memory';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../chromium';

const PORT = Number(process.env.BENCH_PORT ?? 4174); // e2e uses 4173
const DIST = process.env.BENCH_DIST ?? 'dist';
const BASE = `http://127.0.0.1:${PORT}`;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** Per measurement; SwiftShader gets less, as in the Node script, to keep the run near 10 minutes. */
const BUDGET_S: Record<string, number> = { wasm: 60, webgpu: 30 };
const budgetFor = (b: string) => Number(process.env.BENCH_BUDGET_S ?? BUDGET_S[b] ?? 60);
/** One backend's whole suite; a run past this is a hang, not a slow device. */
const PAGE_TIMEOUT_MS = 30 * 60_000;
const MEMORY = process.argv.includes('--memory');
const SMALL = process.argv.includes('--small');
const MEMORY_CASES = (process.env.BENCH_MEMORY_CASES ?? 'M1').split(',').map((s) => s.trim());
const ONLY = process.env.BENCH_ONLY;
const RECORDS_OUT = process.env.BENCH_RECORDS_OUT;
const EXTRA_ARGS = (process.env.BENCH_CHROMIUM_ARGS ?? '').split(' ').filter(Boolean);

function pageUrl(backend: string): string {
  const only = ONLY ? `&only=${encodeURIComponent(ONLY)}` : '';
  if (!MEMORY)
    return `${BASE}/bench.html?backend=${backend}&runs=${RUNS}&budget=${budgetFor(backend)}${only}`;
  return `${BASE}/bench.html?backend=${backend}&suite=memory&cases=${MEMORY_CASES.join(',')}${SMALL ? '&small' : ''}`;
}

/** What stands in for a backend whose page failed: one record, or one per memory case. */
function failedRecords(backend: string, why: string): BenchRecord[] {
  const all = skippedAll('chromium', backend, why);
  return MEMORY ? MEMORY_CASES.map((name) => ({ ...all, name, suite: 'memory' as const })) : [all];
}

async function waitForServer(server: ChildProcess): Promise<void> {
  for (let k = 0; k < 120; k++) {
    if (server.exitCode !== null) throw new Error(`vite preview exited with ${server.exitCode}`);
    try {
      if ((await fetch(`${BASE}/bench.html`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`vite preview did not answer on ${BASE} within 60 s`);
}

interface PageResult {
  done: boolean;
  records: BenchRecord[];
  error?: string;
}

async function main(): Promise<void> {
  if (!MEMORY && RUNS < 5)
    throw new Error(`BENCH_RUNS=${RUNS}: the issue asks for medians of at least 5 runs`);
  if (!existsSync(`${DIST}/bench.html`))
    throw new Error(`${DIST}/bench.html is missing: run vite build first`);
  const backends = (process.env.BENCH_BACKENDS ?? (MEMORY ? 'webgpu' : 'webgpu,wasm'))
    .split(',')
    .map((s) => s.trim());
  const loadBefore = load1();
  const t0 = performance.now();
  const server = spawn(
    'node_modules/.bin/vite',
    ['preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort', '--outDir', DIST],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const records: BenchRecord[] = [];
  let version = 'Chromium';
  try {
    await waitForServer(server);
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS, ...EXTRA_ARGS],
    });
    version = `Chromium ${browser.version()}`;
    try {
      for (const backend of backends) {
        const page = await browser.newPage();
        page.on('pageerror', (e) => console.error(`[${backend}] page error: ${e.message}`));
        let printed = 0;
        await page.goto(pageUrl(backend));
        const deadline = Date.now() + PAGE_TIMEOUT_MS;
        let result: PageResult | null = null;
        while (Date.now() < deadline) {
          const state = await page.evaluate(() => window.__bench ?? null);
          for (; state && printed < state.log.length; printed++)
            console.log(`[${backend}] ${state.log[printed]}`);
          if (state?.done) {
            result = state;
            break;
          }
          await new Promise((r) => setTimeout(r, 2000));
        }
        await page.close();
        if (result && !result.error) records.push(...result.records);
        else {
          const why = result ? `the benchmark worker failed: ${result.error!.split('\n')[0]}` : 'timed out';
          console.error(`[${backend}] ${why}`);
          records.push(...failedRecords(backend, why));
        }
      }
    } finally {
      await browser.close();
    }
  } finally {
    server.kill();
  }
  const info: RunInfo = {
    runtime: 'chromium',
    ...(MEMORY ? { suite: 'memory' as const } : {}),
    date: new Date().toISOString(),
    machine: machineDescription(`${version} (headless, Playwright)`),
    loadBefore,
    loadAfter: load1(),
    durationS: (performance.now() - t0) / 1000,
    runsPerMeasurement: MEMORY ? 1 : RUNS,
    budgetS: MEMORY ? {} : Object.fromEntries(backends.map((b) => [b, budgetFor(b)])),
  };
  if (!MEMORY && RECORDS_OUT) {
    writeFileSync(RECORDS_OUT, JSON.stringify({ info, records }));
    console.log(`${RECORDS_OUT} written (${info.durationS.toFixed(0)} s)`);
    return;
  }
  const previous = readResults().runs.find((r) => r.runtime === 'chromium' && suiteOf(r) === 'timing');
  if (!MEMORY && ONLY && previous) {
    // As in npm run bench: these rows replace their own, and the earlier run's header notes the update.
    const only = ONLY.split(',');
    const update = {
      date: info.date,
      only,
      backends,
      durationS: info.durationS,
      loadBefore,
      loadAfter: info.loadAfter,
    };
    const kept = { ...previous, updates: [...(previous.updates ?? []), update] };
    const replaces = (r: BenchRecord) =>
      r.runtime === 'chromium' &&
      suiteOf(r) === 'timing' &&
      only.includes(r.name) &&
      backends.includes(r.backend);
    writeReport(mergeResults(kept, records, undefined, replaces));
    console.log(`bench/results.json and BENCHMARKS.md updated (${info.durationS.toFixed(0)} s)`);
    return;
  }
  if (!MEMORY) {
    writeReport(mergeResults(info, records));
    console.log(`bench/results.json and BENCHMARKS.md written (${info.durationS.toFixed(0)} s)`);
    return;
  }
  console.log(`\n${memoryTable(records)}\n`);
  if (SMALL) return console.log('--small: nothing written');
  const results = mergeResults(info, records, undefined, replacesMemory('chromium', records));
  // Like bench:memory, BENCHMARKS.md is left alone unless asked.
  if (process.argv.includes('--report')) writeReport(results);
  console.log(`bench/results.json written (${info.durationS.toFixed(0)} s)`);
}

await main();

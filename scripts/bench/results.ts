// bench/results.json: the records of the last Node run and the last browser run, side by side.
// Each script replaces its own runtime's records and keeps the other's.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { suiteOf, type BenchRecord, type Runtime, type Suite } from '../../src/bench/records';

export const RESULTS_PATH = 'bench/results.json';

export interface RunInfo {
  runtime: Runtime;
  /** Absent on timing runs; 'memory' for bench:memory and bench:memory:browser. */
  suite?: Suite;
  date: string;
  /** CPU, cores, memory, and the runtime's version. */
  machine: string;
  /** 1-minute load average before and after: the machine is shared, so this says how busy it was. */
  loadBefore: number;
  loadAfter: number;
  durationS: number;
  runsPerMeasurement: number;
  /** Time budget of one measurement, per backend, in seconds. */
  budgetS: Record<string, number>;
  /** Later runs of some measurements only (BENCH_ONLY), which replaced those rows. */
  updates?: {
    date: string;
    only: string[];
    backends: string[];
    durationS: number;
    loadBefore: number;
    loadAfter: number;
  }[];
}

export interface ResultsFile {
  runs: RunInfo[];
  records: BenchRecord[];
}

export function machineDescription(runtimeVersion: string): string {
  const cpu = cpus();
  const gib = (totalmem() / 2 ** 30).toFixed(0);
  return `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${gib} GiB, no GPU; ${runtimeVersion}`;
}

export const load1 = (): number => Number(loadavg()[0].toFixed(2));

export function readResults(path = RESULTS_PATH): ResultsFile {
  if (!existsSync(path)) return { runs: [], records: [] };
  const r = JSON.parse(readFileSync(path, 'utf8')) as Partial<ResultsFile>;
  return { runs: r.runs ?? [], records: r.records ?? [] };
}

/**
 * Replaces the run of `info`'s runtime and suite, and the stored records `replaces` picks (by
 * default all of that runtime and suite); keeps everything else, and writes the file.
 */
export function mergeResults(
  info: RunInfo,
  records: BenchRecord[],
  path = RESULTS_PATH,
  replaces: (old: BenchRecord) => boolean = (r) => r.runtime === info.runtime && suiteOf(r) === suiteOf(info),
): ResultsFile {
  const old = readResults(path);
  const sameRun = (r: RunInfo) => r.runtime === info.runtime && suiteOf(r) === suiteOf(info);
  const next: ResultsFile = {
    runs: [...old.runs.filter((r) => !sameRun(r)), info],
    records: [...old.records.filter((r) => !replaces(r)), ...records],
  };
  // Timing before memory, Node before Chromium; a stable sort keeps each run's own order.
  const suites: Suite[] = ['timing', 'memory'];
  const order: Runtime[] = ['node', 'chromium'];
  const key = (r: { runtime: Runtime; suite?: Suite }) =>
    suites.indexOf(suiteOf(r)) * order.length + order.indexOf(r.runtime);
  next.runs.sort((a, b) => key(a) - key(b));
  next.records.sort((a, b) => key(a) - key(b));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(next, null, 2) + '\n');
  return next;
}

/** A memory run replaces only the stored memory records of the backends and cases it measured. */
export function replacesMemory(runtime: Runtime, records: BenchRecord[]): (old: BenchRecord) => boolean {
  return (r) =>
    r.runtime === runtime &&
    suiteOf(r) === 'memory' &&
    records.some((n) => n.backend === r.backend && n.name === r.name);
}

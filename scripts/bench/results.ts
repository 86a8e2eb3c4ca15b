// bench/results.json: the records of the last Node run and the last browser run, side by side.
// Each script replaces its own runtime's records and keeps the other's.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import type { BenchRecord, Runtime } from '../../src/bench/records';

export const RESULTS_PATH = 'bench/results.json';

export interface RunInfo {
  runtime: Runtime;
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

/** Replaces `runtime`'s run and records, keeps the other runtime's, and writes the file. */
export function mergeResults(info: RunInfo, records: BenchRecord[], path = RESULTS_PATH): ResultsFile {
  const old = readResults(path);
  const next: ResultsFile = {
    runs: [...old.runs.filter((r) => r.runtime !== info.runtime), info],
    records: [...old.records.filter((r) => r.runtime !== info.runtime), ...records],
  };
  const order: Runtime[] = ['node', 'chromium'];
  next.runs.sort((a, b) => order.indexOf(a.runtime) - order.indexOf(b.runtime));
  next.records.sort((a, b) => order.indexOf(a.runtime) - order.indexOf(b.runtime));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(next, null, 2) + '\n');
  return next;
}

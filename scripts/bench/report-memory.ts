// The memory section of BENCHMARKS.md's generated part: one row per case and backend, from the
// records of bench:memory (Node) and bench:memory:browser (Chromium).
import type { BenchRecord } from '../../src/bench/records';
import type { RunInfo } from './results';

const MIB = 2 ** 20;
const mib = (b: number | null) => (b === null ? '-' : `${(b / MIB).toFixed(b < 10 * MIB ? 2 : 1)} MiB`);
const secs = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`);

function row(r: BenchRecord): string {
  const m = r.memory;
  if (!m)
    return `| ${r.name} | ${r.backend} | ${r.variant} | skipped: ${r.skipped ?? 'no figures'} |${' |'.repeat(10)}`;
  const verdict = `${m.ratio} (${m.ratio <= m.bound ? 'met' : 'missed'})`;
  const backend =
    m.backendPeakBytes === null
      ? '-'
      : `${mib(m.backendPeakBytes)} (+${mib(m.backendPeakBytes - m.backendBeforeBytes!)}, ${m.backendMetric})`;
  const rss =
    m.rssPeakBytes === null ? '-' : `${mib(m.rssPeakBytes)} (+${mib(m.rssPeakBytes - m.rssBeforeBytes!)})`;
  return (
    `| ${r.name} | ${r.backend} | ${r.variant} | ${(m.params / 1e6).toFixed(2)} M, ${m.points} (${m.chunkPoints}) | ` +
    `${mib(m.beforeBytes)} | ${mib(m.peakBytes)} | ${mib(m.extraBytes)} | ${mib(m.largestWeightBytes)} | ` +
    `${mib(m.chunkBytes)} | ${verdict} | ${m.newDataRatio} | ${backend} | ${rss} | ` +
    `${secs(r.medianMs)} (${r.ratio ?? '-'} fwd) | ${m.leakedTensors} |`
  );
}

/** A table of memory records; the caller filters them to one runtime. */
export function memoryTable(records: BenchRecord[]): string {
  const sorted = [...records].sort(
    (a, b) => a.name.localeCompare(b.name) || a.backend.localeCompare(b.backend),
  );
  return [
    '| | backend | kernel | params, points (chunk) | before | peak | extra | largest weight | chunk | ratio (<= 4) | ratio, distinct buffers | backend peak | RSS peak | time (forward passes) | leaked tensors |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...sorted.map(row),
  ].join('\n');
}

export function memorySection(run: RunInfo, records: BenchRecord[]): string {
  const title =
    run.runtime === 'node'
      ? 'Memory, Node (`npm run bench:memory`)'
      : 'Memory, headless Chromium (`npm run bench:memory:browser`)';
  const devices = new Map(records.filter((r) => r.device !== '-').map((r) => [r.backend, r.device]));
  return [
    `### ${title}`,
    '',
    `Last run ${run.date} (${run.durationS.toFixed(0)} s); each case's own date is in bench/results.json. ` +
      `Machine: ${run.machine}. Load average (1 min): ${run.loadBefore} before, ${run.loadAfter} after.`,
    '',
    'ratio = (extra - chunk) / largest weight, extra = peak - before of tf.memory().numBytes; chunk = one ' +
      "chunk's forward pass (captured layer inputs and outputs) plus the scored layer's sign copy and Z for " +
      'both signs (src/bench/memory.ts). Distinct buffers: views not counted.',
    '',
    'Devices:',
    '',
    ...[...devices].map(([b, d]) => `- ${b}: ${d}`),
    '',
    memoryTable(records),
  ].join('\n');
}

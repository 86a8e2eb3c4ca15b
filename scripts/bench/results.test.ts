// bench/results.json holds timing and memory records side by side: each script replaces only its
// own, and the report renders a memory table for memory runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BenchRecord, MemoryFigures, Runtime } from '../../src/bench/records';
import { generated } from './report';
import { mergeResults, readResults, replacesMemory, type RunInfo } from './results';

const run = (runtime: Runtime, memory = false): RunInfo => ({
  runtime,
  ...(memory ? { suite: 'memory' as const } : {}),
  date: '2026-01-01T00:00:00.000Z',
  machine: 'test machine',
  loadBefore: 0,
  loadAfter: 0,
  durationS: 1,
  runsPerMeasurement: memory ? 1 : 5,
  budgetS: {},
});

const timing = (runtime: Runtime, name: string): BenchRecord => ({
  name,
  title: name,
  runtime,
  backend: 'wasm',
  variant: 'v',
  medianMs: 2,
  baselineMs: 1,
  ratio: 2,
  runs: 5,
  device: 'd',
});

const MIB = 2 ** 20;
function memory(runtime: Runtime, name: string, backend: string, ratio: number): BenchRecord {
  const m: MemoryFigures = {
    date: '2026-01-01T00:00:00.000Z',
    params: 16_781_312,
    points: 256,
    chunkPoints: 64,
    beforeBytes: 68 * MIB,
    peakBytes: 68 * MIB + (ratio * 64 + 2) * MIB,
    extraBytes: (ratio * 64 + 2) * MIB,
    largestWeightBytes: 64 * MIB,
    chunkBytes: 2 * MIB,
    ratio,
    bound: 4,
    newDataPeakBytes: ratio * 64 * MIB,
    newDataRatio: ratio,
    backendMetric: null,
    backendBeforeBytes: null,
    backendPeakBytes: null,
    backendAll: [],
    rssBeforeBytes: 100 * MIB,
    rssPeakBytes: 400 * MIB,
    leakedTensors: 0,
  };
  return { ...timing(runtime, name), suite: 'memory', backend, runs: 1, memory: m };
}

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('results with a memory suite', () => {
  it('keeps memory records through timing runs and replaces only the memory cases measured', () => {
    dir = mkdtempSync(join(tmpdir(), 'sipp-results-'));
    const path = join(dir, 'results.json');
    mergeResults(run('node'), [timing('node', 'P1')], path);
    const m1 = [memory('node', 'M1', 'webgpu', 7), memory('node', 'M2', 'wasm', 3)];
    mergeResults(run('node', true), m1, path, replacesMemory('node', m1));
    // A timing run again: memory records stay.
    mergeResults(run('node'), [timing('node', 'P2')], path);
    const again = [memory('node', 'M1', 'webgpu', 3.5)];
    const r = mergeResults(run('node', true), again, path, replacesMemory('node', again));
    expect(readResults(path)).toEqual(r);
    expect(r.runs.map((x) => x.suite ?? 'timing')).toEqual(['timing', 'memory']);
    expect(r.records.map((x) => `${x.name} ${x.backend} ${x.memory?.ratio ?? '-'}`)).toEqual([
      'P2 wasm -',
      'M2 wasm 3',
      'M1 webgpu 3.5',
    ]);
    const md = generated(r);
    expect(md).toContain('### Memory, Node (`npm run bench:memory`)');
    expect(md).toMatch(/\| M1 \| webgpu \| v \| 16\.78 M, 256 \(64\) \| 68\.0 MiB \| .* \| 3\.5 \(met\) \|/);
    expect(md).toContain('| 400.0 MiB (+300.0 MiB) |');
    // The timing section lists only timing records.
    expect(md.split('### Memory')[0]).not.toContain('| M1 |');
  });
});

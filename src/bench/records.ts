// One benchmark measurement as written to bench/results.json. Shared by the Node script and the
// browser worker, so both runtimes write records of the same shape.

export type Runtime = 'node' | 'chromium';

/** Timing records (npm run bench, bench:browser) or sensitivity-memory ones (bench:memory). */
export type Suite = 'timing' | 'memory';

/** Records written before suites existed have none: they are timing records. */
export const suiteOf = (r: { suite?: Suite }): Suite => r.suite ?? 'timing';

/** Issue 5, part 3 (src/bench/memory.ts): bytes of tensor memory around one sensitivity pass. */
export interface MemoryFigures {
  /** When this case was measured: a memory run may replace some records and keep others. */
  date: string;
  params: number;
  points: number;
  chunkPoints: number;
  /** tf.memory().numBytes before the pass (model and batch), its peak during it, and the difference. */
  beforeBytes: number;
  peakBytes: number;
  extraBytes: number;
  largestWeightBytes: number;
  /** One chunk of activations (chunkBytes in src/bench/memory.ts): forward pass + the scored layer's working set. */
  chunkBytes: number;
  /** (extraBytes - chunkBytes) / largestWeightBytes, to be at most `bound`. */
  ratio: number;
  bound: number;
  /** Peak of distinct data buffers made during the pass (views not counted), and its ratio. */
  newDataPeakBytes: number;
  newDataRatio: number;
  /** The backend's own figure (webgpu: buffers allocated incl. the pool; wasm: heap size), or null. */
  backendMetric: string | null;
  backendBeforeBytes: number | null;
  backendPeakBytes: number | null;
  /** Every figure the backend reports (webgpu: numBytesInGPU in use, numBytesAllocatedInGPU with the pool). */
  backendAll: Array<{ metric: string; beforeBytes: number; peakBytes: number }>;
  /** Node only: process RSS before and at its sampled peak (every 50 ms at most). */
  rssBeforeBytes: number | null;
  rssPeakBytes: number | null;
  leakedTensors: number;
}

export interface BenchRecord {
  /** P1..P4 of issue 5, or an extra measurement ('prepare'); M1..M3 for memory records. */
  name: string;
  /** Absent on timing records. */
  suite?: Suite;
  /** What was timed against what, in words. */
  title: string;
  runtime: Runtime;
  backend: string;
  /** Sensitivity kernel (P1, P2, prepare) or pruning method (P3, P4). */
  variant: string;
  medianMs: number | null;
  baselineMs: number | null;
  /** medianMs / baselineMs: how many baseline operations one measured operation costs. */
  ratio: number | null;
  /** Timed runs after warm-up (baseline and measured operation alternate, one of each per run). */
  runs: number;
  device: string;
  /** The target for this ratio on webgpu, where it sets one. */
  target?: number;
  /** Set when the full size would overrun the time budget: the size measured instead, and why. */
  reducedTo?: string;
  /** Why the measurement was not taken (then medianMs, baselineMs and ratio are null). */
  skipped?: string;
  /** Medians of process CPU time (Node only): on a shared machine, closer to what an idle one would show. */
  cpuMedianMs?: number;
  cpuBaselineMs?: number;
  /** Medians of per-run figures (trials of the budget search, time split between prune and evaluate). */
  details?: Record<string, number>;
  /** Memory records only (then medianMs is the one pass's time and baselineMs a forward pass's). */
  memory?: MemoryFigures;
}

export const TARGETS: Record<string, number> = {
  P1: 3,
  P2: 4,
  P3: 1.5,
  P4: 1.3,
  T1: 1.15,
  S1: 1.25,
  S2: 1.1,
  SNIP: 1.5,
};

/** Issue 12's targets for the wasm backend (its own kernel, wasm-simd), where they differ from TARGETS. */
export const WASM_TARGETS: Record<string, number> = { P1: 4, P2: 5, prepare: 5 };

/** The target a record of `name` on `backend` is held to, if any. */
export function targetFor(name: string, backend: string): number | undefined {
  return (backend === 'wasm' ? WASM_TARGETS[name] : undefined) ?? TARGETS[name];
}

export const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

/** The record for a backend whose whole suite could not run (it failed to start, or crashed). */
export function skippedAll(runtime: Runtime, backend: string, why: string): BenchRecord {
  return {
    name: 'all',
    title: `every measurement on ${backend}`,
    runtime,
    backend,
    variant: '-',
    medianMs: null,
    baselineMs: null,
    ratio: null,
    runs: 0,
    device: '-',
    skipped: why,
  };
}

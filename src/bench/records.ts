// One benchmark measurement as written to bench/results.json. Shared by the Node script and the
// browser worker, so both runtimes write records of the same shape.

export type Runtime = 'node' | 'chromium';

export interface BenchRecord {
  /** P1..P4 of issue 5, or an extra measurement ('prepare'). */
  name: string;
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
}

export const TARGETS: Record<string, number> = { P1: 3, P2: 4, P3: 1.5, P4: 1.3 };

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

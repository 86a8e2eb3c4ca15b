// Side-by-side timing: the measured operation and its baseline alternate run by run, so that load
// from other work on a shared machine hits both alike and the ratio stays meaningful.

export interface Clock {
  now(): number;
  /** Process CPU time in ms, where the runtime has it (Node). */
  cpu?: () => number;
}

/** An operation to time; it must have finished (device work included) when its promise resolves. */
export type Op = (call: number) => Promise<Record<string, number> | void>;

/** A measured operation, its baseline, and what they hold. */
export interface BenchCase {
  title: string;
  measured: Op;
  baseline: Op;
  /** Untimed work before each call of `measured` (e.g. a fresh session to defeat caches). */
  setup?: (call: number) => Promise<void>;
  dispose(): void;
}

export interface Timed {
  ms: number;
  cpuMs?: number;
  /** Median of each per-run figure an operation returned. */
  details?: Record<string, number>;
}

export interface SideBySide {
  measured: Timed;
  baseline: Timed;
  runs: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Sample {
  ms: number;
  cpuMs?: number;
  details?: Record<string, number>;
}

async function once(op: Op, call: number, clock: Clock): Promise<Sample> {
  const c0 = clock.cpu?.();
  const t0 = clock.now();
  const details = (await op(call)) ?? undefined;
  const ms = clock.now() - t0;
  return { ms, cpuMs: c0 === undefined ? undefined : clock.cpu!() - c0, details };
}

function summarise(samples: Sample[]): Timed {
  const t: Timed = { ms: median(samples.map((s) => s.ms)) };
  if (samples.every((s) => s.cpuMs !== undefined)) t.cpuMs = median(samples.map((s) => s.cpuMs!));
  const keys = samples[0]?.details ? Object.keys(samples[0].details) : [];
  if (keys.length > 0)
    t.details = Object.fromEntries(keys.map((k) => [k, median(samples.map((s) => s.details![k]))]));
  return t;
}

export interface SideBySideOptions {
  runs: number;
  warmup?: number;
  clock: Clock;
  /** Called with the times of the last warm-up pair; a reason returned skips the timed runs. */
  afterWarmup?: (warm: { measuredMs: number; baselineMs: number }) => string | null;
}

/**
 * Warm-up calls of both, then `runs` alternating pairs. `call` numbers every call of `measured`
 * (warm-up included) so that an operation can vary its input and miss caches on purpose.
 */
export async function sideBySide(
  c: BenchCase,
  opts: SideBySideOptions,
): Promise<SideBySide | { skipped: string }> {
  const { measured, baseline } = c;
  let call = 0;
  const warm = { measuredMs: 0, baselineMs: 0 };
  for (let k = 0; k < (opts.warmup ?? 1); k++) {
    warm.baselineMs = (await once(baseline, -1, opts.clock)).ms;
    await c.setup?.(call);
    warm.measuredMs = (await once(measured, call++, opts.clock)).ms;
  }
  const skip = opts.afterWarmup?.(warm);
  if (skip) return { skipped: skip };
  const a: Sample[] = [];
  const b: Sample[] = [];
  for (let k = 0; k < opts.runs; k++) {
    b.push(await once(baseline, k, opts.clock));
    await c.setup?.(call);
    a.push(await once(measured, call++, opts.clock));
  }
  return { measured: summarise(a), baseline: summarise(b), runs: opts.runs };
}

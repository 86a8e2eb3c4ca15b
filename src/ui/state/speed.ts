// "Measure speed": the slider's result as a physically smaller model, timed against the dense one
// in the worker. It costs seconds, so it runs only when asked; a measurement belongs to one
// slider setting and reads as stale once the slider (method, sparsity, seed, propagation) moves.
import type { SpeedSummary, UserError } from '../../worker/protocol';
import { count } from './format';
import { pruneParams } from './limits';
import type { Studio } from './studio';
import type { StudioState } from './types';

export interface SpeedView {
  busy: boolean;
  result: SpeedSummary | null;
  error: UserError | null;
}

export const IDLE_SPEED: SpeedView = { busy: false, result: null, error: null };

/** The measurement, if it is of the slider's current setting. */
export function currentSpeed(state: StudioState): SpeedSummary | null {
  const r = state.speed.result;
  if (!r) return null;
  const same =
    r.method === state.method &&
    r.targetSparsity === state.sparsity &&
    r.seed === state.seed &&
    r.propagate === state.propagate;
  return same ? r : null;
}

/** 416000 -> "416k", 1200000 -> "1.2M", 950 -> "950". */
export function compact(n: number): string {
  const f = (v: number, unit: string) => `${+v.toFixed(v < 10 ? 1 : 0)}${unit}`;
  if (n >= 1e9) return f(n / 1e9, 'G');
  if (n >= 1e6) return f(n / 1e6, 'M');
  if (n >= 1e3) return f(n / 1e3, 'k');
  return String(n);
}

const ms = (v: number) => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;

/** Dense latency over slim latency (how many times faster), or null when unmeasurable. */
export function speedup(s: SpeedSummary): number | null {
  return s.latencyMs.slim > 0 ? s.latencyMs.dense / s.latencyMs.slim : null;
}

/** "3.1 ms -> 1.2 ms per 64 samples (2.6x), MACs 416k -> 120k, parameters 61,706 -> 20,000" */
export function speedWords(s: SpeedSummary): string {
  const x = speedup(s);
  return (
    `${ms(s.latencyMs.dense)} -> ${ms(s.latencyMs.slim)} per ${s.batch} samples` +
    `${x !== null ? ` (${x.toFixed(1)}x)` : ''}, MACs ${compact(s.macs.dense)} -> ${compact(s.macs.slim)}, ` +
    `parameters ${count(s.params.dense)} -> ${count(s.params.slim)}`
  );
}

/** Asks the worker to measure the slider's setting; a newer request (or a new model) wins. */
export async function measureSpeed(studio: Studio): Promise<void> {
  const params = pruneParams(studio.getState());
  const key = studio.wsKey;
  studio.set({ speed: { ...studio.getState().speed, busy: true, error: null } });
  const r = await studio.client.call<'speed'>({ type: 'speed', ...params }).done;
  if (key !== studio.wsKey) return;
  const prev = studio.getState().speed;
  if (r.kind === 'ok') studio.set({ speed: { busy: false, result: r.event.speed, error: null } });
  else if (r.kind === 'error') studio.set({ speed: { ...prev, busy: false, error: r.error } });
  else studio.set({ speed: { ...prev, busy: false } });
}

// Per-layer limits chosen in the per-layer table: layers left dense, or capped. They belong to
// one model (reset when another is loaded) and go with every prune, size, export and curve.
import type { LayerLimits, PruneParams } from '../../worker/protocol';
import type { StudioState } from './types';

export const NO_LIMITS: Required<LayerLimits> = { exclude: [], maxSparsity: {} };

export const hasLimits = (l: LayerLimits) =>
  (l.exclude?.length ?? 0) > 0 || Object.keys(l.maxSparsity ?? {}).length > 0;

/** What the worker gets: undefined without limits, so that requests and caches stay as before. */
export const limitsParam = (l: LayerLimits): LayerLimits | undefined => (hasLimits(l) ? l : undefined);

/** The slider's setting as the worker takes it. */
export function pruneParams(s: StudioState): PruneParams {
  const { method, sparsity, seed, propagate } = s;
  const limits = limitsParam(s.limits);
  return { method, sparsity, seed, propagate, ...(limits ? { limits } : {}) };
}

export function withExclude(l: LayerLimits, layer: string, excluded: boolean): Required<LayerLimits> {
  const exclude = (l.exclude ?? []).filter((n) => n !== layer);
  const maxSparsity = { ...(l.maxSparsity ?? {}) };
  if (excluded) {
    exclude.push(layer);
    delete maxSparsity[layer];
  }
  return { exclude, maxSparsity };
}

/** `cap` a fraction in [0, 1); null (or an empty box) removes the cap. */
export function withCap(l: LayerLimits, layer: string, cap: number | null): Required<LayerLimits> {
  const maxSparsity = { ...(l.maxSparsity ?? {}) };
  if (cap === null || !Number.isFinite(cap)) delete maxSparsity[layer];
  else maxSparsity[layer] = Math.min(0.999, Math.max(0, cap));
  return { exclude: (l.exclude ?? []).filter((n) => n !== layer), maxSparsity };
}

/** The limits in words, for the readouts: "fc3 excluded, fc1 at most 80 % zero". */
export function limitsWords(l: LayerLimits): string {
  return [
    ...(l.exclude ?? []).map((n) => `${n} excluded`),
    ...Object.entries(l.maxSparsity ?? {}).map(([n, v]) => `${n} at most ${+(100 * v).toFixed(1)} % zero`),
  ].join(', ');
}

// Per-class damage and flipped samples of the model on screen. The worker computes them from
// its predictions; here we decide when to ask (after the slider settles, never for a stale view)
// and which page of samples to fetch.
import type { FlipRow } from '../../worker/protocol';
import { SAMPLES_PER_REQUEST } from '../../worker/protocol';
import { exportedTrained } from './exporter';
import { pruneParams } from './limits';
import { FLIPS_PER_PAGE, type FlipFilter, type RunsState } from './runs-types';
import type { StudioState } from './types';

/** Identifies the model on screen: the workspace and either the retrained result or the setting. */
export function viewKey(state: StudioState, wsKey: string): string | null {
  const p = state.pruned;
  if (!state.prepared || !p || !state.workspace?.ready) return null;
  const t = exportedTrained(state);
  if (t) return `${wsKey}|retrained|${t.resultId}`;
  const limits = JSON.stringify(pruneParams(state).limits ?? null);
  return `${wsKey}|${p.method}|${p.targetSparsity}|${p.seed}|${state.propagate}|${limits}`;
}

export function filteredFlips(flips: FlipRow[], filter: FlipFilter): FlipRow[] {
  return filter === 'all' ? flips : flips.filter((f) => f.kind === filter);
}

export function pageCount(n: number): number {
  return Math.max(1, Math.ceil(n / FLIPS_PER_PAGE));
}

/** The flips on the current page (the page clamped to what exists). */
export function pageOf(s: RunsState): { rows: FlipRow[]; page: number; pages: number; total: number } {
  const all = filteredFlips(s.classes?.flips ?? [], s.flipFilter);
  const pages = pageCount(all.length);
  const page = Math.min(Math.max(0, s.flipPage), pages - 1);
  return {
    rows: all.slice(page * FLIPS_PER_PAGE, (page + 1) * FLIPS_PER_PAGE),
    page,
    pages,
    total: all.length,
  };
}

/** Indices of `wanted` not fetched yet, in requests of at most SAMPLES_PER_REQUEST. */
export function missingSamples(wanted: number[], have: Record<number, unknown>): number[][] {
  const missing = [...new Set(wanted)].filter((i) => !(i in have));
  const out: number[][] = [];
  for (let i = 0; i < missing.length; i += SAMPLES_PER_REQUEST)
    out.push(missing.slice(i, i + SAMPLES_PER_REQUEST));
  return out;
}

/** "lost: true 8, dense 8 (97 %), pruned 9 (61 %)" */
export function flipWords(f: FlipRow): string {
  const c = (x: number) => `${Math.round(100 * x)} %`;
  const label = f.label === null ? '' : `true ${f.label}, `;
  return `${label}dense ${f.dense} (${c(f.denseConf)}), pruned ${f.pruned} (${c(f.prunedConf)})`;
}

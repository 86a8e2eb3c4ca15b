// Accuracy-versus-sparsity curves: the grid of target sparsities, the order they are computed
// in, the "highest sparsity within X points of dense" readout, and the CSV/JSON downloads.
import type { CurvePoint, MethodKey } from '../../worker/protocol';

/** Targets, denser where pruning gets hard: the interesting part of a curve is above 80 %. */
export const SPARSITY_GRID = [
  0.2, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.985, 0.99,
];

/**
 * The grid in coarse-to-fine order (ends first, then repeated halving of the gaps), so that a
 * curve has its shape after a few points and only gains detail after that.
 */
export function coarseToFine<T>(grid: T[]): T[] {
  if (grid.length <= 2) return [...grid];
  const out: number[] = [0, grid.length - 1];
  const seen = new Set(out);
  let spans: [number, number][] = [[0, grid.length - 1]];
  while (spans.length > 0) {
    const next: [number, number][] = [];
    for (const [a, b] of spans) {
      if (b - a < 2) continue;
      const m = Math.floor((a + b) / 2);
      if (!seen.has(m)) {
        seen.add(m);
        out.push(m);
      }
      next.push([a, m], [m, b]);
    }
    spans = next;
  }
  return out.map((i) => grid[i]);
}

export const pointKey = (method: MethodKey, sparsity: number) => `${method}@${sparsity}`;

/** The quality figure of a point: accuracy when the batch has labels, else agreement. */
export function quality(p: { accuracy: number | null; agreement: number }): number {
  return p.accuracy ?? p.agreement;
}

/**
 * Highest achieved sparsity among the points of `method` whose quality is at least
 * `dense - tolerancePoints / 100`; null when no point qualifies.
 */
export function maxWithin(
  points: CurvePoint[],
  method: MethodKey,
  dense: number,
  tolerancePoints: number,
): number | null {
  let best: number | null = null;
  const floor = dense - tolerancePoints / 100 - 1e-9;
  for (const p of points) {
    if (p.method !== method || quality(p) < floor) continue;
    if (best === null || p.achievedSparsity > best) best = p.achievedSparsity;
  }
  return best;
}

const CSV_HEADER = 'method,target_sparsity,achieved_sparsity,within_tolerance,accuracy,agreement';

export function curvesCsv(points: CurvePoint[]): string {
  const rows = [...points]
    .sort((a, b) => (a.method === b.method ? a.sparsity - b.sparsity : a.method < b.method ? -1 : 1))
    .map((p) =>
      [
        p.method,
        p.sparsity,
        p.achievedSparsity.toFixed(6),
        p.withinTolerance,
        p.accuracy ?? '',
        p.agreement,
      ].join(','),
    );
  return [CSV_HEADER, ...rows].join('\n') + '\n';
}

export interface CurvesJson {
  model: string;
  batch: string;
  evalPoints: number;
  dense: { accuracy: number | null; agreement: number };
  seed: number;
  points: CurvePoint[];
}

export function curvesJson(meta: Omit<CurvesJson, 'points'>, points: CurvePoint[]): string {
  return (
    JSON.stringify({ ...meta, points: [...points].sort((a, b) => a.sparsity - b.sparsity) }, null, 2) + '\n'
  );
}

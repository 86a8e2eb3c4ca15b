// What the curves are drawn against: sparsity (zero weights), or the slim model's size, work
// or measured latency. Weight-level zeros change none of the last three in TF.js (it has no
// sparse kernels), so only removed channels move a point left there: that is the point of them.
import type { CurvePoint } from '../../worker/protocol';

export type CurveAxis = 'sparsity' | 'params' | 'macs' | 'latency';

export const CURVE_AXES: { key: CurveAxis; label: string }[] = [
  { key: 'sparsity', label: 'Sparsity' },
  { key: 'params', label: 'Parameters' },
  { key: 'macs', label: 'Multiply-adds' },
  { key: 'latency', label: 'Latency' },
];

export const isCurveAxis = (v: unknown): v is CurveAxis => CURVE_AXES.some((a) => a.key === v);

/** x of a sparsity: plain, or -log10(1 - s) so that 90 %, 99 %, 99.9 % are evenly spaced. */
export const stretchedX = (s: number, stretch: boolean) =>
  stretch ? -Math.log10(Math.max(1e-3, 1 - s)) : 100 * s;
export const unstretchX = (x: number, stretch: boolean) => (stretch ? 1 - 10 ** -x : x / 100);

/** The x of a point on `axis`; null where the point has no measured cost. */
export function pointX(p: CurvePoint, axis: CurveAxis, stretch: boolean): number | null {
  if (axis === 'sparsity') return stretchedX(p.achievedSparsity, stretch);
  const c = p.cost;
  if (!c) return null;
  if (axis === 'params') return (100 * c.params) / c.dense.params;
  if (axis === 'macs') return (100 * c.macs) / c.dense.macs;
  return c.latencyMs;
}

/** The dense model's x on `axis` (100 % of itself; its own latency); null without a cost. */
export function denseX(points: CurvePoint[], axis: CurveAxis): number | null {
  if (axis === 'sparsity') return 0;
  const c = points.find((p) => p.cost)?.cost;
  if (!c) return null;
  return axis === 'latency' ? c.dense.latencyMs : 100;
}

export function axisTitle(axis: CurveAxis, points: CurvePoint[]): string {
  const c = points.find((p) => p.cost)?.cost;
  switch (axis) {
    case 'sparsity':
      return 'sparsity (zero weights / all weights)';
    case 'params':
      return 'parameters of the slim model (zeros included), % of dense';
    case 'macs':
      return 'multiply-adds per sample of the slim model, % of dense';
    case 'latency':
      return c ? `ms per ${c.dense.batch} samples (${c.dense.backend}, slim model)` : 'latency (ms)';
  }
}

/** One sentence under the chart saying how to read a cost axis. */
export function axisHint(axis: CurveAxis): string | null {
  if (axis === 'sparsity') return null;
  return (
    'Each point is the model its slim download would hold: removed channels and neurons make it ' +
    'smaller and faster; zeroed single weights do not (TF.js runs them at full cost), so weight-level ' +
    'methods stay near dense here until whole neurons die. The slider and retrained points are drawn ' +
    'on the sparsity axis only.'
  );
}

/** Round ticks over [0, top] for the cost axes. */
export function costTicks(axis: CurveAxis, maxX: number): { domain: [number, number]; ticks: number[] } {
  if (axis === 'params' || axis === 'macs') {
    const top = Math.max(100, Math.ceil(maxX / 20) * 20);
    return { domain: [0, top], ticks: Array.from({ length: top / 20 + 1 }, (_, i) => 20 * i) };
  }
  const raw = Math.max(maxX * 1.1, 1e-3);
  const mag = 10 ** Math.floor(Math.log10(raw / 5));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => raw / s <= 6) ?? 10 * mag;
  const top = Math.ceil(raw / step) * step;
  const n = Math.round(top / step);
  return { domain: [0, top], ticks: Array.from({ length: n + 1 }, (_, i) => +(i * step).toPrecision(6)) };
}

export function formatX(axis: CurveAxis, x: number, stretch: boolean): string {
  if (axis === 'sparsity') return `${+(100 * unstretchX(x, stretch)).toFixed(1)}%`;
  if (axis === 'latency') return `${+x.toPrecision(3)} ms`;
  return `${+x.toFixed(1)}%`;
}

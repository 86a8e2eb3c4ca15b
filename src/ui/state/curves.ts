// Accuracy-versus-sparsity curves: the grid of target sparsities, the order they are computed
// in, the "highest sparsity within X points of dense" readout, and the CSV/JSON downloads.
import type { CurvePoint, MethodKey, TrainedSummary } from '../../worker/protocol';

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

const PRUNE_COLUMNS = 'method,target_sparsity,achieved_sparsity,within_tolerance,accuracy,agreement';
/** Prune-only rows leave the training columns empty; retrained rows fill them. */
const TRAIN_COLUMNS =
  'kind,protocol,step,accuracy_before_retraining,agreement_before_retraining,epochs,optimizer,lr,' +
  'batch_size,schedule,momentum,weight_decay,train_seed,distill,train_samples';
export const CSV_HEADER = `${PRUNE_COLUMNS},${TRAIN_COLUMNS}`;

const byMethodThenSparsity = (a: CurvePoint | TrainedSummary, b: CurvePoint | TrainedSummary) => {
  const sa = 'sparsity' in a ? a.sparsity : a.targetSparsity;
  const sb = 'sparsity' in b ? b.sparsity : b.targetSparsity;
  return a.method === b.method ? sa - sb : a.method < b.method ? -1 : 1;
};

/** How a retrained row was made: "one-shot", "cascade", "lottery:ticket". */
const protocolOf = (t: TrainedSummary) => (t.arm ? `${t.protocol}:${t.arm}` : t.protocol);

export function curvesCsv(points: CurvePoint[], retrained: TrainedSummary[] = []): string {
  const empty = TRAIN_COLUMNS.split(',').map(() => '');
  empty[0] = 'prune';
  const rows = [...points]
    .sort(byMethodThenSparsity)
    .map((p) =>
      [
        p.method,
        p.sparsity,
        p.achievedSparsity.toFixed(6),
        p.withinTolerance,
        p.accuracy ?? '',
        p.agreement,
        ...empty,
      ].join(','),
    );
  const trained = [...retrained].sort(byMethodThenSparsity).map((t) => {
    const s = t.settings;
    return [
      t.method,
      t.targetSparsity,
      t.achievedSparsity.toFixed(6),
      true,
      t.retrained.accuracy ?? '',
      t.retrained.agreement,
      'retrained',
      protocolOf(t),
      t.index + 1,
      t.before.accuracy ?? '',
      t.before.agreement,
      s.epochs,
      s.optimizer,
      s.lr,
      s.batchSize,
      s.schedule,
      s.momentum,
      s.weightDecay,
      s.seed,
      s.distill,
      t.trainSamples,
    ].join(',');
  });
  return [CSV_HEADER, ...rows, ...trained].join('\n') + '\n';
}

export interface CurvesJson {
  model: string;
  batch: string;
  evalPoints: number;
  dense: { accuracy: number | null; agreement: number };
  seed: number;
  points: CurvePoint[];
  /** Retrained models: the point, the accuracy before retraining, the settings and the per-epoch history. */
  retrained: {
    method: MethodKey;
    protocol: string;
    step: number;
    targetSparsity: number;
    achievedSparsity: number;
    accuracy: number | null;
    agreement: number;
    before: { accuracy: number | null; agreement: number };
    settings: TrainedSummary['settings'];
    loss: TrainedSummary['loss'];
    trainSamples: number;
    history: TrainedSummary['history'];
    diverged: string | null;
    seconds: number;
  }[];
}

export function curvesJson(
  meta: Omit<CurvesJson, 'points' | 'retrained'>,
  points: CurvePoint[],
  retrained: TrainedSummary[] = [],
): string {
  const out: CurvesJson = {
    ...meta,
    points: [...points].sort((a, b) => a.sparsity - b.sparsity),
    retrained: [...retrained].sort(byMethodThenSparsity).map((t) => ({
      method: t.method,
      protocol: protocolOf(t),
      step: t.index + 1,
      targetSparsity: t.targetSparsity,
      achievedSparsity: t.achievedSparsity,
      accuracy: t.retrained.accuracy,
      agreement: t.retrained.agreement,
      before: { accuracy: t.before.accuracy, agreement: t.before.agreement },
      settings: t.settings,
      loss: t.loss,
      trainSamples: t.trainSamples,
      history: t.history,
      diverged: t.diverged,
      seconds: t.seconds,
    })),
  };
  return JSON.stringify(out, null, 2) + '\n';
}

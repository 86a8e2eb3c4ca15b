// Two or more kept runs side by side: their settings and metrics, curves overlaid, sparsity per
// layer and change per class, and (for two runs on the same files) the samples they disagree
// on. Pure functions over records; the panel and the comparison report only render them.
import { disagreements } from '../../worker/protocol';
import { limitWords } from '../report/html';
import type { RunRecord } from '../report/types';
import { sameEvaluation } from './history/store';

export interface CompareRow {
  label: string;
  values: string[];
  /** The values differ between runs: the row is highlighted. */
  differs: boolean;
}

const pct = (x: number | null, d = 1) => (x === null ? '–' : `${(100 * x).toFixed(d)} %`);

export function compareRows(runs: RunRecord[]): CompareRow[] {
  const rows: [string, (r: RunRecord) => string][] = [
    ['model', (r) => `${r.model.name} (${r.model.fingerprint.slice(0, 8)})`],
    [
      'batch',
      (r) =>
        `${r.batch.source} (${r.batch.fingerprint.slice(0, 8)}), ${r.batch.evalPoints} evaluation points`,
    ],
    ['method', (r) => r.settings.methodLabel],
    ['retrained', (r) => r.settings.retrained?.description ?? 'no'],
    ['seed', (r) => String(r.settings.seed)],
    ['propagate zeros', (r) => (r.settings.propagate ? 'yes' : 'no')],
    ['per-layer limits', (r) => limitWords(r.settings.limits)],
    ['target sparsity', (r) => pct(r.settings.targetSparsity)],
    ['achieved sparsity', (r) => pct(r.metrics.achievedSparsity, 2)],
    ['non-zero parameters', (r) => r.metrics.nonzeroParams.toLocaleString('en-US')],
    ['dense accuracy', (r) => pct(r.metrics.accuracyDense, 2)],
    ['accuracy', (r) => pct(r.metrics.accuracy, 2)],
    ['agreement with dense', (r) => pct(r.metrics.agreement, 2)],
    ['lost / gained samples', (r) => `${r.classes.lost} / ${r.classes.gained}`],
    ['kept', (r) => r.createdAt.replace('T', ' ').slice(0, 16)],
  ];
  return rows.map(([label, f]) => {
    const values = runs.map(f);
    return { label, values, differs: new Set(values).size > 1 };
  });
}

export interface LayerCompare {
  name: string;
  /** Sparsity of the layer in each run (null: the run has no such layer). */
  sparsity: (number | null)[];
}

export function layerRows(runs: RunRecord[]): LayerCompare[] {
  const names = [...new Set(runs.flatMap((r) => r.layers.filter((l) => l.params > 0).map((l) => l.name)))];
  return names.map((name) => ({
    name,
    sparsity: runs.map((r) => {
      const l = r.layers.find((x) => x.name === name);
      return l && l.params > 0 ? 1 - l.nonzero / l.params : null;
    }),
  }));
}

export interface ClassCompare {
  cls: number;
  /** pruned − dense in each run (null: no samples of the class in that run). */
  change: (number | null)[];
}

/** Classes ordered by their worst change over the runs: the most damaged class first. */
export function classRows(runs: RunRecord[]): ClassCompare[] {
  const classes = [...new Set(runs.flatMap((r) => r.classes.rows.map((c) => c.cls)))];
  const rows = classes.map((cls) => ({
    cls,
    change: runs.map((r) => r.classes.rows.find((c) => c.cls === cls)?.change ?? null),
  }));
  const worst = (r: ClassCompare) => Math.min(...r.change.map((c) => c ?? Infinity));
  return rows.sort((a, b) => worst(a) - worst(b) || a.cls - b.cls);
}

export type Disagreement =
  { ok: true; indices: number[]; a: number[]; b: number[] } | { ok: false; reason: string };

/** Evaluation points on which two runs predict differently; only for the same model and batch. */
export function disagreement(a: RunRecord, b: RunRecord): Disagreement {
  const why = sameEvaluation(a, b);
  if (why) return { ok: false, reason: `${why} Their samples cannot be compared.` };
  const indices = disagreements(a.predictions, b.predictions);
  return {
    ok: true,
    indices,
    a: indices.map((i) => a.predictions[i]),
    b: indices.map((i) => b.predictions[i]),
  };
}

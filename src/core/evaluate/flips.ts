// The evaluation samples whose prediction changed when the model was pruned, in the order a
// person reviews them: first the ones pruning broke (dense right, pruned wrong), then the ones it
// fixed, then the wrong-to-other-wrong changes. Pure data in, data out (no tfjs): the worker
// builds the list, the page and the HTML report only render it.
import { classReport } from './per-class';

export type FlipKind = 'lost' | 'gained' | 'changed';

export interface FlipRow {
  /** Index into the evaluation points (add the sensitivity points for the index in the batch). */
  index: number;
  /** True class, or null when the batch has no labels. */
  label: number | null;
  dense: number;
  /** Probability the dense model gives its own prediction. */
  denseConf: number;
  pruned: number;
  prunedConf: number;
  /** lost: dense right, pruned wrong (unlabelled: any change); gained: the other way. */
  kind: FlipKind;
}

const ORDER: Record<FlipKind, number> = { lost: 0, gained: 1, changed: 2 };

/**
 * Every index where the two top-1 predictions differ, as rows: lost first, then gained, then
 * changed; within a group by evaluation index, so the list is stable and easy to check.
 */
export function flipRows(
  dense: Int32Array,
  denseConf: Float32Array,
  pruned: Int32Array,
  prunedConf: Float32Array,
  labels: Int32Array | null,
  numClasses: number,
): FlipRow[] {
  if (denseConf.length !== dense.length || prunedConf.length !== pruned.length)
    throw new Error('flipRows: predictions and confidences differ in length');
  const r = classReport(dense, pruned, labels, numClasses);
  const lost = new Set(r.lost);
  const gained = new Set(r.gained);
  const rows: FlipRow[] = [];
  for (let i = 0; i < dense.length; i++) {
    if (dense[i] === pruned[i]) continue;
    rows.push({
      index: i,
      label: labels ? labels[i] : null,
      dense: dense[i],
      denseConf: denseConf[i],
      pruned: pruned[i],
      prunedConf: prunedConf[i],
      kind: lost.has(i) ? 'lost' : gained.has(i) ? 'gained' : 'changed',
    });
  }
  rows.sort((a, b) => ORDER[a.kind] - ORDER[b.kind] || a.index - b.index);
  return rows;
}

/** Indices (evaluation points) where two runs' predictions differ: what two runs disagree on. */
export function disagreements(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  if (a.length !== b.length) throw new Error(`disagreements: ${a.length} and ${b.length} predictions`);
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

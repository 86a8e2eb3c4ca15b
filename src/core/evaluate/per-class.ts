// What pruning did, class by class: per-class accuracy of the dense and the pruned model on the
// evaluation points, where the lost samples went, and which samples flipped. A single accuracy
// hides that pruning hurts some classes far more than others (Tran et al. 2022).

export interface ClassRow {
  cls: number;
  /** Evaluation samples of this class (labelled: true class; unlabelled: the dense prediction). */
  samples: number;
  /** Fraction right (labelled) or, unlabelled, 1 by definition for dense. */
  dense: number;
  /** Fraction right (labelled) or agreeing with the dense prediction (unlabelled). */
  pruned: number;
  /** pruned − dense: negative is damage. */
  change: number;
}

export interface ConfusionShift {
  /** True class (labelled) or dense prediction (unlabelled). */
  from: number;
  /** What the pruned model predicts instead. */
  to: number;
  count: number;
}

export interface ClassReport {
  labelled: boolean;
  /** Sorted by damage: the largest loss first; classes without samples are left out. */
  classes: ClassRow[];
  /** Where the lost samples went, most frequent first. */
  shifts: ConfusionShift[];
  /** Evaluation-point indices: dense right and pruned wrong (unlabelled: prediction changed). */
  lost: Int32Array;
  /** Dense wrong and pruned right (empty when unlabelled). */
  gained: Int32Array;
  /** Every index where the two predictions differ (lost, gained and wrong-to-other-wrong). */
  changed: Int32Array;
}

export function classReport(
  dense: Int32Array,
  pruned: Int32Array,
  labels: Int32Array | null,
  numClasses: number,
): ClassReport {
  const n = dense.length;
  if (pruned.length !== n || (labels && labels.length !== n))
    throw new Error(`classReport: ${n} dense, ${pruned.length} pruned, ${labels?.length} labels`);
  const reference = labels ?? dense;
  const count = new Float64Array(numClasses);
  const denseRight = new Float64Array(numClasses);
  const prunedRight = new Float64Array(numClasses);
  const shifts = new Map<number, number>();
  const lost: number[] = [];
  const gained: number[] = [];
  const changed: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = reference[i];
    if (c < 0 || c >= numClasses) continue;
    count[c]++;
    const d = dense[i] === c;
    const p = pruned[i] === c;
    if (d) denseRight[c]++;
    if (p) prunedRight[c]++;
    if (dense[i] !== pruned[i]) changed.push(i);
    if (d && !p) {
      lost.push(i);
      const key = c * numClasses + pruned[i];
      shifts.set(key, (shifts.get(key) ?? 0) + 1);
    } else if (!d && p) gained.push(i);
  }
  const classes: ClassRow[] = [];
  for (let c = 0; c < numClasses; c++) {
    if (count[c] === 0) continue;
    const row = {
      cls: c,
      samples: count[c],
      dense: denseRight[c] / count[c],
      pruned: prunedRight[c] / count[c],
    };
    classes.push({ ...row, change: row.pruned - row.dense });
  }
  classes.sort((a, b) => a.change - b.change || a.cls - b.cls);
  const shiftRows = [...shifts].map(([key, count]) => ({
    from: Math.floor(key / numClasses),
    to: key % numClasses,
    count,
  }));
  shiftRows.sort((a, b) => b.count - a.count || a.from - b.from || a.to - b.to);
  return {
    labelled: labels !== null,
    classes,
    shifts: shiftRows,
    lost: Int32Array.from(lost),
    gained: Int32Array.from(gained),
    changed: Int32Array.from(changed),
  };
}

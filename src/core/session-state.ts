import * as tf from '@tensorflow/tfjs';
import { isParameter, type ModelInfo } from './model/prunable';
import { storedIndex, toRowLayout, toStoredLayout } from './model/layer-inputs';
import { countNonzero } from './prune/layout';
import { budgetFor, type SizeModel } from './prune/budget';
import type { LayerReport, PruneResult } from './session-types';
import type { MethodKey } from './types';

type LayerVariable = tf.LayersModel['weights'][number];

/**
 * The weights of the session's private clone as plain arrays, and the bookkeeping to write a
 * pruned variant into the clone and to count sizes (§5.1).
 */
export class WeightBook {
  readonly vars: LayerVariable[];
  readonly original: Float32Array[];
  readonly isParam: boolean[];
  /** Per prunable layer: index of its kernel in `vars` (not always the layer's weights[0]). */
  readonly kernelVar: number[];
  /** Per prunable layer: stored index of each [F, out] entry, or null where the layouts coincide. */
  private readonly orders: (Int32Array | null)[];
  private readonly rowKernels: Float32Array[];
  /** Per entry of info.layers: indices of its variables in `vars`. */
  readonly layerVars: number[][];
  private dirty = new Set<number>();

  private constructor(model: tf.LayersModel, info: ModelInfo, original: Float32Array[]) {
    this.vars = model.weights;
    this.original = original;
    this.isParam = this.vars.map((v) => isParameter(v));
    this.kernelVar = info.prunable.map((p) => this.vars.indexOf(p.layer.weights[p.kernelIndex]));
    if (this.kernelVar.some((i) => i < 0))
      throw new Error('internal: a prunable kernel is not a model weight');
    this.orders = info.prunable.map(storedIndex);
    this.rowKernels = this.kernelVar.map((vi, li) => toRowLayout(this.orders[li], original[vi]));
    this.layerVars = info.refs.map((layer) => layer.weights.map((w) => this.vars.indexOf(w)));
  }

  static async read(model: tf.LayersModel, info: ModelInfo): Promise<WeightBook> {
    const values = await Promise.all(model.weights.map(async (v) => (await v.read().data()) as Float32Array));
    return new WeightBook(
      model,
      info,
      values.map((a) => Float32Array.from(a)),
    );
  }

  /** Original kernel of prunable layer `li` as [F, out] (index j*out + i), the pruning code's layout. */
  kernel(li: number): Float32Array {
    return this.rowKernels[li];
  }

  /** A [F, out] array of layer `li` (kernel, score) in the layout of its variable. */
  toStored(li: number, rows: Float32Array): Float32Array {
    return toStoredLayout(this.orders[li], rows);
  }

  /** A variable-layout array of layer `li` (e.g. a gradient) as [F, out]. */
  toRows(li: number, stored: Float32Array): Float32Array {
    return toRowLayout(this.orders[li], stored);
  }

  totalParams(): number {
    return this.original.reduce((s, a, i) => s + (this.isParam[i] ? a.length : 0), 0);
  }

  /** Non-zero parameter entries when the given overrides replace the original values. */
  nonzero(overrides: Map<number, Float32Array>): number {
    let n = 0;
    this.original.forEach((a, i) => {
      if (this.isParam[i]) n += countNonzero(overrides.get(i) ?? a);
    });
    return n;
  }

  /** Training changed variables in place: the next apply() rewrites every one of them. */
  touchAll(): void {
    this.dirty = new Set(this.vars.map((_, i) => i));
  }

  /** Writes overrides into the clone; variables touched before and not now get their original back. */
  apply(overrides: Map<number, Float32Array>): void {
    const touch = new Set<number>([...this.dirty, ...overrides.keys()]);
    for (const i of touch) {
      const v = this.vars[i];
      const value = overrides.get(i) ?? this.original[i];
      const t = tf.tensor(value, v.shape as number[], 'float32');
      v.write(t);
      t.dispose();
    }
    this.dirty = new Set(overrides.keys());
  }
}

/**
 * The result of pruning nothing: the model as it is. No pruning is a valid answer at 0 %, and a
 * method's own floor (weights of zero sensitivity) must not turn 0 % into 27 %.
 */
export function unprunedResult(
  method: MethodKey,
  seed: number,
  book: WeightBook,
  size: SizeModel,
  layers: LayerReport[],
): PruneResult {
  const none = new Map<number, Float32Array>();
  const kernels = book.kernelVar.map((vi) => book.original[vi]);
  const prunableTotal = kernels.reduce((s, k) => s + k.length, 0);
  const prunableNonzero = kernels.reduce((s, k) => s + countNonzero(k), 0);
  const nonzero = book.nonzero(none);
  return {
    method,
    targetSparsity: 0,
    achievedSparsity: 1 - nonzero / size.originalNonzero,
    prunableSparsity: 1 - prunableNonzero / prunableTotal,
    nonzeroParams: nonzero,
    totalParams: size.originalNonzero,
    withinTolerance: true,
    budget: budgetFor(1, size),
    trials: 0,
    seed,
    propagated: false,
    layers,
    kernels,
    overrides: none,
  };
}

/** Parameters and non-zero parameters of every layer, with `overrides` applied. */
export function layerReport(
  info: ModelInfo,
  book: WeightBook,
  overrides: Map<number, Float32Array> = new Map(),
): LayerReport[] {
  return info.layers.map((L, i) => {
    const vars = book.layerVars[i].filter((vi) => book.isParam[vi]);
    const nonzero = vars.reduce((s, vi) => s + countNonzero(overrides.get(vi) ?? book.original[vi]), 0);
    const r: LayerReport = {
      name: L.key,
      className: L.className,
      params: L.params,
      nonzero,
      prunable: L.prunable,
    };
    if (L.skippedReason) r.skippedReason = L.skippedReason;
    return r;
  });
}

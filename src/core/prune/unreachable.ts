// Why a target sparsity could not be met, in one sentence for the user (null when it was met).
import type { SizeModel } from './budget';

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

export function unreachableReason(opts: {
  methodName: string;
  target: number;
  achieved: number;
  size: SizeModel;
  structured: boolean;
  withinTolerance: boolean;
  /** Kernel weights that excluded and capped layers keep (prune/limits.ts), whatever the method does. */
  keptByLimits?: number;
}): string | null {
  const { methodName, target, achieved, size, structured } = opts;
  if (opts.withinTolerance) return null;
  const limited = opts.keptByLimits ?? 0;
  // Even with every prunable kernel weight gone, the fixed parameters stay.
  const ceiling = 1 - size.fixedNonzero / size.originalNonzero;
  if (target > ceiling)
    return (
      `The parameters that are not pruned (biases, BatchNorm, skipped layers) are ${pct(1 - ceiling)} ` +
      `of the model, so at most ${pct(ceiling)} sparsity is possible; the nearest reached is ${pct(achieved)}.`
    );
  const limitCeiling = 1 - (size.fixedNonzero + limited) / size.originalNonzero;
  if (limited > 0 && target > limitCeiling)
    return (
      `The excluded and capped layers keep ${pct(limited / size.originalNonzero)} ` +
      `of the model's parameters, so at most ${pct(limitCeiling)} sparsity is possible with these limits; ` +
      `the nearest reached is ${pct(achieved)}.`
    );
  if (structured)
    return (
      `${methodName} removes whole channels, so sparsity moves in steps of one channel of a layer; ` +
      `the nearest step to ${pct(target)} is ${pct(achieved)}.`
    );
  if (achieved > target)
    return (
      `${methodName} already drops the weights that carry nothing on the sensitivity points (or its ` +
      `samples repeat), so it prunes more than asked: the nearest it reaches is ${pct(achieved)}.`
    );
  return (
    `${methodName} keeps at least one weight where its rule requires it (a neuron's row, a sampled ` +
    `weight), so it cannot go below ${pct(1 - achieved)} kept: the nearest it reaches is ${pct(achieved)}.`
  );
}

// Splitting a batch into the points S used for sensitivities and the points used for evaluation.

import type { Batch } from '../types';
import { SippError } from '../util/errors';
import { product } from './shape';

// |S| = ceil(C * ln(8 * eta_max * eta_sum / deltaS)), docs/sipp-algorithm.md §1.5: the reference code's
// constant C = 3 and failure probability deltaS = 1e-16.
const S_CONSTANT = 3;
const DELTA_S = 1e-16;

/**
 * Default number of sensitivity points for prunable layers with `etas` output units each (C_out*H*W for a
 * conv), capped at half of the batch so the other half is left for evaluation.
 * LeNet-300-100 (etas [300, 100, 10]) gives 152.
 */
export function defaultSensitivityPoints(etas: number[], batchSize: number): number {
  if (etas.length === 0 || !etas.every((e) => Number.isFinite(e) && e > 0)) {
    throw new SippError('bad-etas', `Layer output sizes must be positive numbers; got [${etas.join(', ')}].`);
  }
  if (!(batchSize >= 2)) {
    throw new SippError(
      'batch-too-small',
      `The batch has ${batchSize} sample(s); at least 2 are needed (sensitivities and evaluation).`,
    );
  }
  const max = Math.max(...etas);
  const sum = etas.reduce((a, b) => a + b, 0);
  const fromBound = Math.ceil(S_CONSTANT * Math.log((8 * max * sum) / DELTA_S));
  return Math.min(fromBound, Math.floor(batchSize / 2));
}

function slice(batch: Batch, from: number, to: number): Batch {
  const per = product(batch.xShape.slice(1));
  return {
    ...batch,
    x: batch.x.slice(from * per, to * per),
    xShape: [to - from, ...batch.xShape.slice(1)],
    y: batch.y ? batch.y.slice(from, to) : null,
    notices: [...batch.notices],
  };
}

/** The first `points` samples go to S (sensitivities), the rest to evaluation; both are copies. */
export function splitBatch(batch: Batch, points: number): { s: Batch; evalSet: Batch } {
  const n = batch.xShape[0] ?? 0;
  if (!Number.isInteger(points) || points < 1) {
    throw new SippError(
      'no-sensitivity-points',
      `${batch.source}: ${points} sensitivity points asked for; at least 1 is needed.`,
    );
  }
  if (points >= n) {
    throw new SippError(
      'no-eval-points',
      `${batch.source}: the batch has ${n} samples and ${points} go to sensitivities, leaving none for evaluation.`,
    );
  }
  return { s: slice(batch, 0, points), evalSet: slice(batch, points, n) };
}

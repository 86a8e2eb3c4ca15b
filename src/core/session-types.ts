// The shapes PruningSession takes and returns (session.ts re-exports them).
import type { LongCallOptions, MethodKey } from './types';
import type { LayerLimits, ResolvedLimits } from './prune/limits';
import type { SensitivityKernel } from './sensitivity/kernel';
import type { HybridDecision } from './prune/sipp';

export interface SessionInit extends LongCallOptions {
  /** Sensitivity points: the first `points` samples. Default: §1.5's formula, capped at half the batch. */
  points?: number;
  kernel?: SensitivityKernel;
  /** Samples per forward pass (memory bound). */
  chunkPoints?: number;
}

export interface PruneOptions extends LongCallOptions {
  seed?: number;
  /** §5.4: zero every parameter whose loss gradient on S is exactly 0. */
  propagate?: boolean;
  /** Layers left dense or capped (prune/limits.ts); the budget is spent on the others. */
  limits?: LayerLimits;
}

export interface LayerReport {
  name: string;
  className: string;
  params: number;
  nonzero: number;
  prunable: boolean;
  skippedReason?: string;
}

export interface PruneResult {
  method: MethodKey;
  targetSparsity: number;
  /** Zero parameters over all parameters (§5.1), pruned model. */
  achievedSparsity: number;
  /** Zero entries over all prunable kernel entries. */
  prunableSparsity: number;
  nonzeroParams: number;
  totalParams: number;
  /** False when the target cannot be met (e.g. fixed cost above the budget): this is the nearest achievable. */
  withinTolerance: boolean;
  /** Why the target could not be met, in one sentence; null when it was. */
  unreachable?: string | null;
  budget: number;
  trials: number;
  seed: number;
  propagated: boolean;
  layers: LayerReport[];
  /** Pruned kernel of each prunable layer (Keras layout), in `info.prunable` order. */
  kernels: Float32Array[];
  /** Every variable whose value differs from the original: index into the clone's weights -> value. */
  overrides: Map<number, Float32Array>;
  hybrid?: HybridDecision;
  /** The per-layer limits it was held to (absent: none). */
  limits?: ResolvedLimits['asked'];
}

export interface Evaluation {
  /** Top-1 accuracy on the evaluation points, or null without labels. */
  accuracy: number | null;
  /** Top-1 agreement with the original model on the evaluation points. */
  agreement: number;
  evalPoints: number;
}

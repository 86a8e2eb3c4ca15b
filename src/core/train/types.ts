// Retraining: settings, per-epoch reports and results. Plain data only (they cross the worker
// boundary), except TrainedResult, which carries weights like a PruneResult does.
import type { MethodKey } from '../types';
import type { Evaluation, PruneResult } from '../session';

export const OPTIMIZERS = ['adam', 'sgd'] as const;
export type OptimizerKind = (typeof OPTIMIZERS)[number];
export const SCHEDULES = ['constant', 'step', 'cosine'] as const;
export type ScheduleKind = (typeof SCHEDULES)[number];
export const PROTOCOLS = ['one-shot', 'cascade', 'lottery'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** How unlabelled data (or, when asked, labelled data too) is matched to the dense model. */
export type DistillMode = 'auto' | 'off' | 'on';

export interface TrainSettings {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerKind;
  /** Base learning rate. */
  lr: number;
  /** SGD momentum (the paper: 0.9). Ignored by Adam. */
  momentum: number;
  /** L2 weight decay added to every gradient, PyTorch style (the paper: 1e-4). */
  weightDecay: number;
  /** constant; step: x0.1 at 60 % and 90 % of the epochs (the paper's 30 and 45 of 50); cosine to 0. */
  schedule: ScheduleKind;
  /** Seeds the shuffling (and the random controls of the lottery ticket). */
  seed: number;
  /**
   * auto: cross-entropy with labels, distillation (soft cross-entropy to the dense model's
   * softmax) without; on: labels plus the distillation term (equal weight); off: labels only.
   */
  distill: DistillMode;
}

/** Small models, a few epochs: what a user gets without touching anything. */
export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  epochs: 3,
  batchSize: 64,
  optimizer: 'adam',
  lr: 1e-3,
  momentum: 0.9,
  weightDecay: 0,
  schedule: 'constant',
  seed: 0,
  distill: 'auto',
};

/** The paper's retraining optimiser (§6.2): SGD lr 0.01, momentum 0.9, wd 1e-4, step decay. */
export const PAPER_SGD: Partial<TrainSettings> = {
  optimizer: 'sgd',
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 1e-4,
  schedule: 'step',
};

export interface EpochReport {
  epoch: number;
  epochs: number;
  /** Mean training loss over the epoch's steps. */
  loss: number;
  /** Learning rate at the epoch's last step. */
  lr: number;
  /** On the evaluation points, inference mode. */
  accuracy: number | null;
  agreement: number;
  seconds: number;
}

export interface StepReport {
  epoch: number;
  step: number;
  steps: number;
  loss: number;
}

export interface TrainReport {
  settings: TrainSettings;
  /** 'labels', 'distill' or 'labels+distill'. */
  loss: 'labels' | 'distill' | 'labels+distill';
  history: EpochReport[];
  /** Set when training stopped on a NaN or infinite loss; the weights are the last good epoch's. */
  diverged: string | null;
  trainSamples: number;
  seconds: number;
}

/** A retrained model: a PruneResult whose overrides hold every variable of the model. */
export interface TrainedResult extends PruneResult {
  training: TrainReport;
}

/** One prune (+ retrain) step of a protocol. */
export interface RetrainStep {
  protocol: Protocol;
  method: MethodKey;
  /** 0-based step of a cascade (0 for one-shot). */
  index: number;
  targetSparsity: number;
  achievedSparsity: number;
  /** Accuracy of the pruned network before retraining at this step. */
  pruned: Evaluation;
  retrained: Evaluation;
  result: TrainedResult;
  seconds: number;
}

export interface LotteryArm {
  /** 'ticket': the pruned mask on the initial weights; 'fresh-init': the same mask on a new seeded initialisation; 'random-mask': a random mask of the same per-layer sparsity on the initial weights. */
  arm: 'ticket' | 'fresh-init' | 'random-mask';
  label: string;
  achievedSparsity: number;
  /** Before any training, straight after masking. */
  atStart: Evaluation;
  retrained: Evaluation;
  result: TrainedResult;
}

export interface LotteryOutcome {
  method: MethodKey;
  targetSparsity: number;
  arms: LotteryArm[];
}

/** The cascade's default targets, each relative to the original dense size (§6.1's geometric grid, coarsened). */
export const DEFAULT_CASCADE: readonly number[] = [0.5, 0.7, 0.8, 0.9, 0.95, 0.98];

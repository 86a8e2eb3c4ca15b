// The retraining messages' shapes (split out of protocol.ts, which re-exports them). Type-only
// imports: the page imports this file.
import type { MethodKey } from '../core/types';
import type { EpochReport, LotteryArm, Protocol, TrainReport, TrainSettings } from '../core/train/types';
import type { EvalSummary, FileEntry, LayerPruned, UserError } from './protocol';

export interface TrainSetSummary {
  source: string;
  samples: number;
  /** Shape of x as fitted to the model, batch axis first. */
  shape: number[];
  labelled: boolean;
  dtype: string;
  /** x holds integers 0..255: the same "divide by 255" switch as the batch applies. */
  looksUint8: boolean;
  scaled: boolean;
  /** Bytes x takes in the worker (uint8 stays bytes). */
  bytes: number;
  notices: string[];
  /** Made by splitting the batch (the sentence says how), not from a file. */
  split: string | null;
  demo: boolean;
}

export interface InitSummary {
  name: string;
  files: string[];
  params: number;
  demo: boolean;
}

export interface TrainingSummary {
  /** The files of the training set (given, or waiting for their other half / a model). */
  files: FileEntry[];
  /** The set training uses: from the files, or from splitting the batch; null: none. */
  set: TrainSetSummary | null;
  /** Initial weights for the lottery ticket: model.json and its shards. */
  initFiles: FileEntry[];
  init: InitSummary | null;
  /** What the initial weights still need ("weights.bin (named in init/model.json)"). */
  initMissing: string[];
  errors: UserError[];
}

export interface TrainParams {
  protocol: Protocol;
  method: MethodKey;
  /** One target (one-shot, lottery) or the cascade's increasing targets. */
  sparsities: number[];
  settings: Partial<TrainSettings>;
  /** Seed of the pruning (sampling methods); the training seed is in settings. */
  pruneSeed: number;
}

/** One retrained model: a one-shot run, a cascade step or a lottery arm. Weights stay in the worker. */
export interface TrainedSummary {
  /** Key of the weights kept in the worker (for download); see MAX_KEPT_RESULTS. */
  resultId: string;
  /** The train request this came from. */
  runId: number;
  protocol: Protocol;
  method: MethodKey;
  /** Cascade step (0-based), 0 otherwise. */
  index: number;
  /** Cascade steps in the run (1 for one-shot and lottery). */
  of: number;
  arm: LotteryArm['arm'] | null;
  armLabel: string | null;
  targetSparsity: number;
  achievedSparsity: number;
  nonzeroParams: number;
  totalParams: number;
  /** Before retraining: the pruned model (lottery: the masked initial weights). */
  before: EvalSummary;
  retrained: EvalSummary;
  settings: TrainSettings;
  loss: TrainReport['loss'];
  history: EpochReport[];
  diverged: string | null;
  trainSamples: number;
  seconds: number;
  layers: LayerPruned[];
}

/** An epoch's report; `step` is the cascade step, `arm` the lottery arm. */
export type TrainEpoch = EpochReport & { step: number; arm?: string };

/** The latest minibatch (throttled): `batch` of `batches` in `epoch` of `epochs`. */
export interface TrainTick {
  step: number;
  arm?: string;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
}

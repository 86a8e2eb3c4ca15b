// The messages between the page and the engine worker. One discriminant, `type`, in both
// directions; every request carries an `id`, and every event names the request it belongs to
// (id 0: unsolicited, e.g. a backend that died). Plain data only: it crosses postMessage.
//
// Only types are imported from the core: the UI imports this file, and must never pull tfjs into
// the main bundle.
import type { WeightFormat } from '../core/export/formats';
import type { MethodKey, Progress } from '../core/types';
import type { SanityWarning } from '../core/data/warnings';
import type { PointCost } from './protocol-cost';
import type { LayerLimits } from '../core/prune/limits';
import type { EpochReport, Protocol, StepReport, TrainSettings } from '../core/train/types';

export type { MethodKey, Progress, SanityWarning };
import { isRunsEvent, type RunsEvent, type RunsRequest, type RunsResultOf } from './protocol-runs';
export * from './protocol-runs';
export type * from './protocol-train';
import type { TrainEpoch, TrainedSummary, TrainingSummary, TrainParams, TrainTick } from './protocol-train';
export type { EpochReport, Protocol, StepReport, TrainSettings };
export type { DistillMode, OptimizerKind, ScheduleKind } from '../core/train/types';
export type { DenseCost, PointCost } from './protocol-cost';
export type { LayerLimits };
// core/train/types.ts holds constants and types only (no tfjs at run time): safe for the page.
export {
  DEFAULT_CASCADE,
  DEFAULT_TRAIN_SETTINGS,
  OPTIMIZERS,
  PAPER_SGD,
  PROTOCOLS,
  SCHEDULES,
} from '../core/train/types';

/**
 * Retrained models the worker keeps for download, newest first: each holds every weight of the
 * model (1 MB for LeNet-300-100), so older ones are dropped. The page knows the same bound.
 */
export const MAX_KEPT_RESULTS = 20;
// Pure data modules (no tfjs, no imports at run time): the page needs the method names before
// the worker is up.
export { METHOD_KEYS } from '../core/types';
export { METHODS, type MethodSpec } from '../core/methods';
export { WEIGHT_FORMATS, type WeightFormat } from '../core/export/formats';

export const BACKEND_NAMES = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendChoice = BackendName | 'auto';

export interface BackendInfo {
  name: BackendName;
  /** What was asked for. */
  choice: BackendChoice;
  /** The device behind the backend, in words ("SwiftShader (software)", "WebAssembly, SIMD, 1 thread"). */
  adapter: string;
  /** True when the only GPU adapter found is a software one (a CPU pretending to be a GPU). */
  softwareAdapter: boolean;
  /** Why this backend runs, one sentence. */
  reason: string;
  /** Set when the backend asked for (or running) failed and this one took over. */
  fellBackFrom?: { name: BackendName; error: string };
  /** Sensitivity kernel used on this backend. */
  kernel: string;
}

/** An error for the user: where it belongs on the page, a stable code and a sentence. */
export interface UserError {
  where:
    | 'files'
    | 'model'
    | 'batch'
    | 'backend'
    | 'sensitivities'
    | 'prune'
    | 'export'
    | 'curves'
    | 'demo'
    | 'train'
    | 'train-init'
    | 'retrain';
  code: string;
  message: string;
}

export type FileRole = 'model' | 'shard' | 'batch' | 'unused' | 'unknown';

export interface FileEntry {
  name: string;
  bytes: number;
  role: FileRole;
  /** True for files of the embedded demo. */
  demo: boolean;
}

export interface LayerRow {
  name: string;
  className: string;
  params: number;
  prunable: boolean;
  skippedReason?: string;
}

export interface ModelSummary {
  name: string;
  /** "Keras 3.x (tfjs 4.x converter)" and the like. */
  format: string;
  layers: LayerRow[];
  totalParams: number;
  prunableParams: number;
  inputShape: number[];
  numClasses: number;
  notices: string[];
}

export interface BatchSummary {
  source: string;
  samples: number;
  /** Shape of x as fitted to the model, batch axis first. */
  shape: number[];
  labelled: boolean;
  dtype: string;
  /** x holds integers 0..255: offer to divide by 255. */
  looksUint8: boolean;
  scaled: boolean;
  notices: string[];
}

export interface SessionSummary {
  points: number;
  evalPoints: number;
  /** The default number of sensitivity points for this model and batch. */
  defaultPoints: number;
  /** What the sensitivity pass of every SiPP variant takes, as planned before it starts. */
  pass: { chunkPoints: number; forwardPasses: number; workingBytes: number } | null;
  /** What a careful colleague would point out about this model and batch (core/data/warnings.ts). */
  warnings: SanityWarning[];
}

export interface Workspace {
  files: FileEntry[];
  /** What is still needed, one item each, in words ("weights.bin (named in model.json)"). */
  missing: string[];
  model: ModelSummary | null;
  batch: BatchSummary | null;
  session: SessionSummary | null;
  errors: UserError[];
  /** Model and batch loaded and fitted: sensitivities can be computed. */
  ready: boolean;
  /** The training set (or split) and the lottery ticket's initial weights. */
  training: TrainingSummary;
  /** Changes whenever the model, the batch or the options change: results of an older one are stale. */
  generation: number;
}

export interface Histogram {
  layer: string;
  /** Bin edges in log10(sensitivity), length bins + 1 (shared by all layers). */
  edges: number[];
  counts: number[];
  /** Weights with sensitivity exactly 0 (never matter on the sensitivity points). */
  zeros: number;
  total: number;
}

export interface EvalSummary {
  /** Top-1 accuracy on the evaluation points, or null when the batch has no labels. */
  accuracy: number | null;
  /** Top-1 agreement with the unpruned model. */
  agreement: number;
  evalPoints: number;
}

export interface PreparedReport {
  dense: EvalSummary;
  histograms: Histogram[];
  seconds: number;
}

export interface LayerPruned {
  name: string;
  className: string;
  params: number;
  nonzero: number;
  prunable: boolean;
  skippedReason?: string;
}

export interface PruneSummary {
  method: MethodKey;
  targetSparsity: number;
  seed: number;
  achievedSparsity: number;
  nonzeroParams: number;
  totalParams: number;
  withinTolerance: boolean;
  /** Why the target could not be met (one sentence), or null. */
  unreachable: string | null;
  layers: LayerPruned[];
  eval: EvalSummary;
  /** Wall time of prune + evaluate in the worker. */
  ms: number;
}

export interface SizeSummary {
  method: MethodKey;
  targetSparsity: number;
  seed: number;
  /** float32 weights + model.json, gzipped (fast level); the export states the exact figure. */
  gzipBytes: number;
  rawBytes: number;
  denseGzipBytes: number;
}

/** Output channels (units, filters) of one layer before and after removing the zeroed ones. */
export interface ChannelsKept {
  name: string;
  className: string;
  before: number;
  after: number;
}

/**
 * The slider's result as a physically smaller model (zeroed channels removed), against the dense
 * one, on the worker's backend: parameters (countParams, zeros included), multiply-accumulates per
 * sample, and the median latency of a `batch`-sample predict (`runs` runs after `warmup`).
 */
export interface SpeedSummary {
  method: MethodKey;
  targetSparsity: number;
  seed: number;
  propagate: boolean;
  backend: string;
  batch: number;
  runs: number;
  warmup: number;
  params: { dense: number; slim: number };
  macs: { dense: number; slim: number };
  latencyMs: { dense: number; slim: number };
  /** Channels removed over all layers (a channel shared by an Add group counts once). */
  removedChannels: number;
  layers: ChannelsKept[];
}

export interface CurvePoint {
  method: MethodKey;
  sparsity: number;
  achievedSparsity: number;
  withinTolerance: boolean;
  accuracy: number | null;
  agreement: number;
  /** The point's model as the slim download writes it; absent on points made before costs existed. */
  cost?: PointCost;
}

export interface FilePayload {
  name: string;
  data: ArrayBuffer;
}

export interface ExportResult {
  files: FilePayload[];
  /** How the float32 weights were written (float16/uint8/uint16: quantised as the TF.js converter does). */
  weights: WeightFormat;
  /** float16: values beyond ±65504, written as ±65504 (0 otherwise). */
  clampedValues: number;
  rawBytes: number;
  gzipBytes: number;
  nonzeroParams: number;
  totalParams: number;
  achievedSparsity: number;
  /** The files loaded back by stock tfjs, on the evaluation points; null: float32, zeroed (the readout's). */
  written: { accuracy: number | null; agreement: number } | null;
  check: boolean;
  /** The physically smaller model was written (zeroed channels removed); totalParams is its count. */
  slim: boolean;
}

/** Settings that change the session (and so need new sensitivities). */
export interface SessionOptions {
  scaleUint8: boolean;
  /** Sensitivity points; null: the default formula. */
  points: number | null;
  /**
   * Without a training set: train on a seeded `fraction` of the batch, and prune and evaluate on
   * the rest (so no evaluation sample is ever trained on). Ignored while a training set is loaded.
   */
  trainSplit?: TrainSplit | null;
}

export interface TrainSplit {
  fraction: number;
  seed: number;
}

export interface PruneParams {
  method: MethodKey;
  sparsity: number;
  seed: number;
  /** §5.4 (the CLI's --propagate): also zero every parameter whose loss gradient on S is 0. */
  propagate?: boolean;
  /** Layers left dense or capped (the CLI's --exclude, --max-layer-sparsity). */
  limits?: LayerLimits;
}

export type Request =
  | { type: 'init'; id: number; backend: BackendChoice; exclude: BackendName[] }
  | { type: 'add-files'; id: number; files: FilePayload[]; demo: boolean }
  | { type: 'clear-files'; id: number }
  | { type: 'set-options'; id: number; options: SessionOptions }
  | { type: 'prepare'; id: number; methods: MethodKey[] }
  | ({ type: 'prune'; id: number } & PruneParams)
  | ({ type: 'size'; id: number } & PruneParams)
  /**
   * `weights`: how the float32 weights are written (default float32); `slim`: write the physically
   * smaller model (zeroed channels removed) instead of the zeroed one.
   */
  | ({
      type: 'export';
      id: number;
      name: string;
      resultId?: string;
      weights?: WeightFormat;
      slim?: boolean;
      /** Only measure (sizes, and the written files' accuracy): no files are sent. */
      check?: boolean;
      /** How the retrained model was retrained, for the file's metadata (absent: pruned only). */
      retraining?: Record<string, unknown>;
    } & PruneParams)
  /** Slim model of the slider's result, measured against the dense one (seconds: on demand only). */
  | ({ type: 'speed'; id: number } & PruneParams)
  | {
      type: 'sweep';
      id: number;
      methods: MethodKey[];
      sparsities: number[];
      seed: number;
      limits?: LayerLimits;
    }
  | { type: 'cancel'; id: number; target: number }
  | { type: 'lose-device'; id: number }
  /** Replaces the training set; no files removes it. Files are transferred, not copied. */
  | { type: 'train-set'; id: number; files: FilePayload[]; demo: boolean }
  /** Replaces the lottery ticket's initial weights (model.json + shards); no files removes them. */
  | { type: 'train-init'; id: number; files: FilePayload[]; demo: boolean }
  | ({ type: 'train'; id: number } & TrainParams)
  | RunsRequest;

export type Event =
  | { type: 'progress'; id: number; progress: Progress }
  | { type: 'backend'; id: number; info: BackendInfo }
  | { type: 'backend-failed'; id: number; name: BackendName; error: string }
  | { type: 'workspace'; id: number; workspace: Workspace }
  | { type: 'prepared'; id: number; report: PreparedReport }
  | { type: 'pruned'; id: number; result: PruneSummary }
  | { type: 'size'; id: number; size: SizeSummary }
  | { type: 'exported'; id: number; result: ExportResult }
  | { type: 'speed'; id: number; speed: SpeedSummary }
  | { type: 'curve-point'; id: number; point: CurvePoint }
  | { type: 'sweep-done'; id: number; points: number }
  | { type: 'cancelled'; id: number }
  | { type: 'done'; id: number }
  | { type: 'error'; id: number; error: UserError }
  | { type: 'training'; id: number; training: TrainingSummary }
  | { type: 'train-epoch'; id: number; epoch: TrainEpoch }
  | { type: 'train-tick'; id: number; tick: TrainTick }
  | { type: 'train-step-done'; id: number; step: TrainedSummary }
  | { type: 'train-done'; id: number; steps: number }
  | RunsEvent;

export type RequestType = Request['type'];

/** The event that settles each request (besides 'error' and 'cancelled'). */
export interface ResultOf extends RunsResultOf {
  init: 'backend';
  'add-files': 'workspace';
  'clear-files': 'workspace';
  'set-options': 'workspace';
  prepare: 'prepared';
  prune: 'pruned';
  size: 'size';
  export: 'exported';
  speed: 'speed';
  sweep: 'sweep-done';
  cancel: 'done';
  'lose-device': 'done';
  'train-set': 'training';
  'train-init': 'training';
  train: 'train-done';
}

export type EventOf<T extends Event['type']> = Extract<Event, { type: T }>;
export type RequestOf<T extends RequestType> = Extract<Request, { type: T }>;

export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}

/** Events that settle a request: its result, an error, or a cancellation. */
export function isFinal(e: Event): boolean {
  if (isRunsEvent(e)) return true;
  switch (e.type) {
    case 'progress':
    case 'curve-point':
    case 'train-epoch':
    case 'train-tick':
    case 'train-step-done':
      return false;
    case 'backend':
    case 'backend-failed':
    case 'workspace':
    case 'prepared':
    case 'pruned':
    case 'size':
    case 'exported':
    case 'speed':
    case 'sweep-done':
    case 'cancelled':
    case 'done':
    case 'error':
    case 'training':
    case 'train-done':
      return true;
    default:
      return assertNever(e, 'event');
  }
}

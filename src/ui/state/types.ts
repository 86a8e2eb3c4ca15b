// The page's state: plain data, replaced (never mutated) on every change.
import type {
  LayerLimits,
  BackendChoice,
  BackendInfo,
  CurvePoint,
  MethodKey,
  PreparedReport,
  PruneSummary,
  SessionOptions,
  SizeSummary,
  TrainedSummary,
  TrainingSummary,
  UserError,
  Workspace,
} from '../../worker/protocol';
import type { RetrainForm } from './retrain';
import type { RetrainRun } from './retrain-progress';
import type { SpeedView } from './speed';

export type JobState = 'idle' | 'running' | 'done' | 'error';

/** The one long job the progress bar shows: loading files, then computing sensitivities. */
export interface JobView {
  state: JobState;
  kind: 'loading' | 'sensitivities' | null;
  stage: string | null;
  done: number;
  total: number;
  /** performance.now() when the current stage started, for the time-left estimate. */
  stageStartedAt: number;
  /** Estimated from the pace of the current stage so far; null until it can be. */
  secondsLeft: number | null;
  /** performance.now() of the last progress event: the estimate counts down from there. */
  updatedAt: number;
  message: string | null;
}

export interface DemoModel {
  id: string;
  name: string;
  path: string;
  description: string;
  testAccuracy: number;
  /** The network's initial weights (before training), for the lottery ticket. */
  initPath?: string;
}

export interface DemoList {
  models: DemoModel[];
  batch: { path: string; n: number };
  /** The demo's training split (disjoint from the batch); dtype 'uint8': 0..255 bytes, scaled by 1/255. */
  train?: { path: string; n: number; dtype?: string; scaleUint8?: boolean };
}

export interface RetrainView {
  form: RetrainForm;
  /** The run in progress, or the last one. */
  run: RetrainRun | null;
  /** Every finished step of this model + batch, oldest first. */
  results: TrainedSummary[];
  /** Picked in the results list: what the slider and the download show at its sparsity. */
  selectedId: string | null;
  /** Download the retrained model (when one goes with the slider) rather than the prune-only one. */
  useRetrained: boolean;
  /** "Split the batch" fraction in percent, as typed. */
  splitPercent: string;
  /** A training file or the initial weights being read and sent. */
  loading: 'train-set' | 'train-init' | null;
  /** Refused before it reached the worker (the form, a file that could not be read). */
  error: UserError | null;
}

export interface CurveView {
  methods: MethodKey[];
  points: CurvePoint[];
  running: boolean;
  stage: string | null;
  done: number;
  total: number;
  error: UserError | null;
}

export interface ExportView {
  busy: boolean;
  error: UserError | null;
  /** Object URLs of the last export, for the fallback links. */
  files: { name: string; url: string; bytes: number }[];
  gzipBytes: number | null;
  achievedSparsity: number | null;
  /** Parameters of the last download (the slim model's count when it was slim). */
  totalParams?: number;
  /** The last download was the physically smaller model (zeroed channels removed). */
  slim?: boolean;
  /** The last download's files as stock tfjs loads them, on the evaluation points (quantised or slim). */
  written?: { accuracy: number | null; agreement: number } | null;
  /** "Check before download": what the files of `key` would be, without saving them. */
  check?: ExportCheck | null;
}

export interface ExportCheck {
  /** The settings checked (exportKey): shown only while they are still the current ones. */
  key: string;
  busy: boolean;
  error: UserError | null;
  rawBytes?: number;
  gzipBytes?: number;
  totalParams?: number;
  written?: { accuracy: number | null; agreement: number } | null;
}

export interface StudioState {
  backend: BackendInfo | null;
  backendChoice: BackendChoice;
  /** Why the engine was restarted or fell back, in words. */
  engineNote: string | null;
  fatal: UserError | null;
  demos: DemoList | null;
  demoError: UserError | null;
  activeDemo: string | null;
  workspace: Workspace | null;
  /** The user's name for the model named `for` by the worker (a new model drops it). */
  rename: { for: string; name: string } | null;
  options: SessionOptions;
  job: JobView;
  prepared: PreparedReport | null;
  method: MethodKey;
  sparsity: number;
  /** Seed of the sampling methods (the CLI's --seed); the deterministic ones ignore it. */
  seed: number;
  /** Zero the weights that cannot affect the loss after pruning (the CLI's --propagate). */
  propagate: boolean;
  /** Per-layer limits from the per-layer table (reset with the model). */
  limits: LayerLimits;
  pruned: PruneSummary | null;
  prunePending: boolean;
  pruneError: UserError | null;
  size: SizeSummary | null;
  curves: CurveView;
  /** X of "highest sparsity within X points of dense". */
  tolerance: number;
  showDelta: boolean;
  stretchX: boolean;
  exported: ExportView;
  /** The last "Measure speed" (slim model against dense); see currentSpeed for whether it is stale. */
  speed: SpeedView;
  /** The training set and initial weights as the worker holds them. */
  training: TrainingSummary | null;
  retrain: RetrainView;
}

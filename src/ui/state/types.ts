// The page's state: plain data, replaced (never mutated) on every change.
import type {
  BackendChoice,
  BackendInfo,
  CurvePoint,
  MethodKey,
  PreparedReport,
  PruneSummary,
  SessionOptions,
  SizeSummary,
  UserError,
  Workspace,
} from '../../worker/protocol';

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
  message: string | null;
}

export interface DemoModel {
  id: string;
  name: string;
  path: string;
  description: string;
  testAccuracy: number;
}

export interface DemoList {
  models: DemoModel[];
  batch: { path: string; n: number };
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
  options: SessionOptions;
  job: JobView;
  prepared: PreparedReport | null;
  method: MethodKey;
  sparsity: number;
  seed: number;
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
}

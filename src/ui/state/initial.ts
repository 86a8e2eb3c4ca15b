// The state before anything has loaded.
import type { MethodKey } from '../../worker/protocol';
import { initialForm } from './retrain';
import { NO_LIMITS } from './limits';
import { IDLE_SPEED } from './speed';
import type { JobView, RetrainView, StudioState } from './types';
import type { StoredPreferences } from './preferences';
import type { UrlSettings } from './url';

export const IDLE_JOB: JobView = {
  state: 'idle',
  kind: null,
  stage: null,
  done: 0,
  total: 0,
  stageStartedAt: 0,
  secondsLeft: null,
  updatedAt: 0,
  message: null,
};
export function initialRetrain(): RetrainView {
  return {
    form: initialForm(),
    run: null,
    results: [],
    selectedId: null,
    useRetrained: true,
    splitPercent: '80',
    loading: null,
    error: null,
  };
}

/** SiPP-Rand and Uniform are one click away; left out by default they keep the first curves quick. */
const DEFAULT_CURVES: MethodKey[] = ['sipp', 'sipp-det', 'wt', 'snip', 'random'];
/**
 * The state before anything has loaded. URL settings pick backend, method, sparsity, seed,
 * propagation, points and curves; stored preferences fill in what the URL leaves out.
 */
export function initialState(url: UrlSettings, prefs: StoredPreferences = {}): StudioState {
  return {
    backend: null,
    backendChoice: url.backend ?? prefs.backend ?? 'auto',
    engineNote: null,
    fatal: null,
    demos: null,
    demoError: null,
    activeDemo: null,
    workspace: null,
    rename: null,
    options: { scaleUint8: false, points: url.points, trainSplit: null },
    job: {
      ...IDLE_JOB,
      state: 'running',
      kind: 'loading',
      stage: 'starting the engine',
      stageStartedAt: performance.now(),
    },
    prepared: null,
    method: url.method ?? 'sipp',
    sparsity: url.sparsity ?? 0.9,
    seed: url.seed ?? 0,
    propagate: url.propagate ?? false,
    limits: NO_LIMITS,
    pruned: null,
    prunePending: false,
    pruneError: null,
    size: null,
    curves: {
      methods: url.curves ?? prefs.curves ?? DEFAULT_CURVES,
      points: [],
      running: false,
      stage: null,
      done: 0,
      total: 0,
      error: null,
    },
    tolerance: 1,
    showDelta: prefs.showDelta ?? false,
    stretchX: prefs.stretchX ?? true,
    exported: { busy: false, error: null, files: [], gzipBytes: null, achievedSparsity: null },
    speed: IDLE_SPEED,
    training: null,
    retrain: url.protocol
      ? { ...initialRetrain(), form: { ...initialRetrain().form, protocol: url.protocol } }
      : initialRetrain(),
  };
}

// The page's controller: owns the engine client, turns user actions into requests, and keeps
// the state React renders. Async sequences live here rather than in effects, so each one reads
// top to bottom: load files -> compute sensitivities -> prune at the slider -> curves behind.
import { EngineClient, type Call, type NamedBlob } from '../../worker/client';
import { METHODS } from '../../worker/protocol';
import type {
  LayerLimits,
  BackendChoice,
  BackendInfo,
  MethodKey,
  SessionOptions,
  UserError,
  Workspace,
} from '../../worker/protocol';
import { CurveRunner } from './curve-runner';
import { RetrainRunner } from './retrain-runner';
import { Runs } from './runs';
import { exportName, exportPruned } from './exporter';
import { fetchDemoFiles, fetchDemoList } from './demo';
import type { StudioState } from './types';
import { IDLE_JOB, initialState } from './initial';
import { NO_LIMITS, pruneParams } from './limits';
import { Store } from './store';
import { IDLE_SPEED, measureSpeed } from './speed';
import { readUrl, writeUrl, type UrlSettings } from './url';
import {
  browserStorage,
  PreferenceStore,
  type PreferenceStorage,
  type StoredPreferences,
} from './preferences';

/** The slider's size readout waits this long after the last move: gzip is the slow part. */
const SIZE_DELAY_MS = 300;
/** The address bar follows the view this long after the last change (a dragged slider writes once). */
const URL_DELAY_MS = 250;

/** Where the page keeps preferences and the view; null in Node (unit tests write neither). */
export interface StudioEnv {
  storage: PreferenceStorage | null;
  /** Replaces the address's query string without a navigation or a history entry. */
  replaceSearch: ((search: string) => void) | null;
}

function browserEnv(): StudioEnv {
  if (typeof window === 'undefined') return { storage: null, replaceSearch: null };
  return {
    storage: browserStorage(),
    replaceSearch: (search) => {
      const { pathname, hash } = window.location;
      window.history.replaceState(window.history.state, '', `${pathname}${search}${hash}`);
    },
  };
}

export class Studio extends Store<StudioState> {
  readonly client: EngineClient;
  readonly curves: CurveRunner;
  readonly retrain: RetrainRunner;
  /** Per-class view, flipped samples, kept runs and their comparison (runs.ts). */
  readonly runs: Runs;
  private readonly url: UrlSettings;
  /** Bumped by every fresh worker, so that generations of different workers never compare equal. */
  private epoch = 0;
  /** Identifies the current model + batch + options (+ worker): answers for another are stale. */
  wsKey = '';
  /** False after the user cancelled: a new model or batch turns it back on. */
  private autoPrepare = true;
  private jobCall: Call<'prepare'> | null = null;
  private latestPrune = 0;
  private latestSize = 0;
  private sizeTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly prefs: PreferenceStore;
  private search: string;
  private urlTimer: ReturnType<typeof setTimeout> | null = null;
  /** The model the per-model settings (sensitivity points) were chosen for; see applyWorkspace. */
  private modelKey: string | null = null;
  /** The state as persist() last saw it. */
  private seen: StudioState;

  constructor(
    search: string,
    private readonly env: StudioEnv = browserEnv(),
  ) {
    const url = readUrl(search);
    const prefs = new PreferenceStore(env.storage);
    super(initialState(url, prefs.get()));
    this.url = url;
    this.prefs = prefs;
    this.search = search;
    this.seen = this.state;
    this.subscribe(() => {
      const prev = this.seen;
      this.seen = this.state;
      this.persist(prev, this.state);
    });
    this.curves = new CurveRunner(this);
    this.retrain = new RetrainRunner(this);
    this.client = new EngineClient({
      onRestart: (info, ws, reason) => this.onRestart(info, ws, reason),
      onFatal: (error) =>
        this.set({ fatal: error, job: { ...IDLE_JOB, state: 'error', message: error.message } }),
    });
    this.runs = new Runs(this);
  }

  // --- engine ----------------------------------------------------------------------------
  async boot(): Promise<void> {
    if (this.url.points !== null) await this.client.setOptions(this.state.options);
    await this.client.start(this.state.backendChoice);
    void this.runs.loadHistory();
    try {
      const demos = await fetchDemoList();
      this.set({ demos });
      const wanted = this.url.demo;
      if (wanted !== 'none')
        await this.loadDemo(demos.models.find((m) => m.id === wanted)?.id ?? demos.models[0]?.id);
      else this.set({ job: IDLE_JOB });
    } catch (e) {
      this.set({ demoError: demoError(e), job: IDLE_JOB });
    }
  }

  private onRestart(info: BackendInfo, ws: Workspace | null, reason: string | null): void {
    this.epoch++;
    const fell = info.fellBackFrom;
    const note =
      reason ??
      (fell ? `${fell.name} could not be used (${fell.error}), so ${info.name} runs instead.` : null);
    this.set({ backend: info, backendChoice: this.client.backendChoice, engineNote: note, fatal: null });
    if (ws) this.applyWorkspace(ws);
  }

  /** Switches backend: a fresh worker on it, with the same files; sensitivities are recomputed. */
  async setBackend(choice: BackendChoice): Promise<void> {
    this.curves.stop();
    this.autoPrepare = true;
    this.set({
      backendChoice: choice,
      job: {
        ...IDLE_JOB,
        state: 'running',
        kind: 'loading',
        stage: `starting ${choice === 'auto' ? 'the best backend' : choice}`,
        stageStartedAt: performance.now(),
      },
    });
    await this.client.start(choice, null);
    if (!this.state.workspace?.ready && this.state.job.kind === 'loading') this.set({ job: IDLE_JOB });
  }

  // --- files -----------------------------------------------------------------------------
  async loadDemo(id: string | undefined): Promise<void> {
    const demos = this.state.demos;
    const model = demos?.models.find((m) => m.id === id);
    if (!demos || !model) return;
    this.startLoading('fetching the demo');
    try {
      const files = await fetchDemoFiles(demos, model);
      this.set({ activeDemo: model.id, demoError: null });
      // Before the files, so that it does not interrupt the sensitivities they start.
      const bytes = demos.train && (demos.train.scaleUint8 ?? demos.train.dtype === 'uint8');
      if (bytes && !this.state.options.scaleUint8) {
        const options = { ...this.state.options, scaleUint8: true };
        this.set({ options });
        await this.client.setOptions(options);
      }
      await this.addFiles(files, true);
    } catch (e) {
      this.set({ demoError: demoError(e), job: IDLE_JOB });
      return;
    }
    // The training split and initial weights load automatically, behind the first results.
    await this.retrain.loadDemoData(demos, model);
  }

  /** Called synchronously from the drop/pick handler, so the bar leaves 'done' at once. */
  startLoading(stage = 'reading files'): void {
    this.set({
      job: { ...IDLE_JOB, state: 'running', kind: 'loading', stage, stageStartedAt: performance.now() },
    });
  }

  async addFiles(files: NamedBlob[], demo = false): Promise<void> {
    if (files.length === 0) return;
    this.startLoading(demo ? 'loading the demo' : 'reading files');
    if (!demo) this.set({ activeDemo: null });
    this.autoPrepare = true;
    const r = await this.client.addFiles(files, demo);
    if (r.kind === 'ok') this.applyWorkspace(r.event.workspace);
    else if (r.kind === 'error') this.set({ job: { ...IDLE_JOB, state: 'error', message: r.error.message } });
  }

  async clearFiles(): Promise<void> {
    this.set({ activeDemo: null });
    const r = await this.client.clearFiles();
    if (r.kind === 'ok') this.applyWorkspace(r.event.workspace);
  }

  async setOptions(patch: Partial<SessionOptions>): Promise<void> {
    const options = { ...this.state.options, ...patch };
    this.set({ options });
    this.startLoading('applying the settings');
    this.autoPrepare = true;
    const r = await this.client.setOptions(options);
    if (r.kind === 'ok') this.applyWorkspace(r.event.workspace);
  }

  private applyWorkspace(ws: Workspace): void {
    const key = `${this.epoch}:${ws.generation}`;
    const fresh = key !== this.wsKey;
    this.wsKey = key;
    const modelChanged = fresh && this.noteModel(ws);
    this.set({ workspace: ws, training: ws.training });
    if (!fresh) {
      if (this.state.job.kind === 'loading')
        this.set({ job: this.state.prepared ? { ...IDLE_JOB, state: 'done' } : IDLE_JOB });
      return;
    }
    this.curves.stop();
    this.retrain.reset('Stopped: the model, the batch or a setting changed.');
    this.jobCall = null;
    this.set({
      ...(modelChanged ? { limits: NO_LIMITS } : {}),
      prepared: null,
      pruned: null,
      prunePending: false,
      pruneError: null,
      size: null,
      curves: {
        ...this.state.curves,
        points: [],
        running: false,
        done: 0,
        total: 0,
        error: null,
        stage: null,
      },
      exported: { busy: false, error: null, files: [], gzipBytes: null, achievedSparsity: null },
      speed: IDLE_SPEED,
    });
    // Sensitivity points are chosen for one model: another model starts from its own default
    // (the new workspace that follows computes its sensitivities).
    if (modelChanged && this.state.options.points !== null) {
      void this.setOptions({ points: null });
      return;
    }
    const firstError = ws.errors[0];
    if (ws.ready && this.autoPrepare) void this.prepare();
    else if (firstError) this.set({ job: { ...IDLE_JOB, state: 'error' } });
    else this.set({ job: IDLE_JOB });
  }

  /** Remembers the workspace's model; true when it replaces a different one. */
  private noteModel(ws: Workspace): boolean {
    if (!ws.model) return false;
    const files = ws.files
      .filter((f) => f.role === 'model' || f.role === 'shard')
      .map((f) => `${f.name}:${f.bytes}`)
      .sort();
    const key = [ws.model.name, ...files].join('|');
    const changed = this.modelKey !== null && key !== this.modelKey;
    this.modelKey = key;
    return changed;
  }

  // --- preferences and the address bar --------------------------------------------------
  /** Called on every state change: writes what the user changed, never what was only read. */
  private persist(prev: StudioState, next: StudioState): void {
    const patch: StoredPreferences = {};
    if (next.backendChoice !== prev.backendChoice) patch.backend = next.backendChoice;
    if (next.curves.methods !== prev.curves.methods) patch.curves = next.curves.methods;
    if (next.stretchX !== prev.stretchX) patch.stretchX = next.stretchX;
    if (next.showDelta !== prev.showDelta) patch.showDelta = next.showDelta;
    if (Object.keys(patch).length > 0) this.prefs.update(patch);
    const viewChanged =
      next.method !== prev.method ||
      next.sparsity !== prev.sparsity ||
      next.seed !== prev.seed ||
      next.propagate !== prev.propagate ||
      next.options.points !== prev.options.points ||
      next.activeDemo !== prev.activeDemo ||
      next.backendChoice !== prev.backendChoice ||
      next.curves.methods !== prev.curves.methods ||
      next.retrain.form.protocol !== prev.retrain.form.protocol;
    if (viewChanged && this.env.replaceSearch) this.scheduleUrl();
  }

  /** Also called by runs.ts when the model's fingerprint arrives (it goes into the URL). */
  scheduleUrl(): void {
    if (this.urlTimer) clearTimeout(this.urlTimer);
    this.urlTimer = setTimeout(() => {
      this.urlTimer = null;
      const s = this.state;
      const search = writeUrl(this.search, {
        backend: s.backendChoice,
        method: s.method,
        sparsity: s.sparsity,
        seed: s.seed,
        propagate: s.propagate,
        points: s.options.points,
        curves: s.curves.methods,
        demo: s.activeDemo,
        model: this.runs.getState().prints?.model ?? null,
        protocol: s.retrain.form.protocol,
      });
      if (search === this.search) return;
      this.search = search;
      this.env.replaceSearch?.(search);
    }, URL_DELAY_MS);
  }

  // --- sensitivities ---------------------------------------------------------------------
  async prepare(): Promise<void> {
    const key = this.wsKey;
    const methods = [...new Set<MethodKey>(['sipp', 'sipp-det', this.state.method])];
    this.set({
      job: {
        ...IDLE_JOB,
        state: 'running',
        kind: 'sensitivities',
        stage: 'starting',
        stageStartedAt: performance.now(),
      },
    });
    const call = this.client.call<'prepare'>({ type: 'prepare', methods }, (e) => {
      if (e.type !== 'progress' || this.jobCall !== call) return;
      const j = this.state.job;
      const p = e.progress;
      const now = performance.now();
      const stageStartedAt = p.stage !== j.stage ? now : j.stageStartedAt;
      const elapsed = (now - stageStartedAt) / 1000;
      const secondsLeft = p.done > 0 && p.done < p.total ? (elapsed / p.done) * (p.total - p.done) : null;
      this.set({
        job: {
          ...j,
          stage: p.stage,
          done: p.done,
          total: p.total,
          stageStartedAt,
          secondsLeft,
          updatedAt: now,
        },
      });
    });
    this.jobCall = call;
    const r = await call.done;
    if (this.jobCall !== call || key !== this.wsKey) return;
    this.jobCall = null;
    if (r.kind === 'ok') {
      this.set({ prepared: r.event.report, job: { ...IDLE_JOB, state: 'done', message: null } });
      this.requestPrune();
      this.curves.start();
    } else if (r.kind === 'cancelled') {
      this.set({
        job: {
          ...IDLE_JOB,
          state: 'idle',
          message: 'Cancelled. Pruning needs the sensitivities: compute them when ready.',
        },
      });
    } else {
      this.set({ job: { ...IDLE_JOB, state: 'error', message: r.error.message } });
    }
  }

  cancelJob(): void {
    const call = this.jobCall;
    if (!call) return;
    this.autoPrepare = false;
    const t0 = performance.now();
    call.stop();
    // Say so at once; the worker confirms (or is replaced) within a second.
    this.jobCall = null;
    const cancelled = 'Cancelled. Pruning needs the sensitivities: compute them when ready.';
    this.set({ job: { ...IDLE_JOB, state: 'idle', message: cancelled } });
    void call.done.then((r) => {
      if (this.state.job.message !== cancelled) return;
      const ms = Math.round(performance.now() - t0);
      const how =
        r.kind === 'cancelled' && r.restarted
          ? `The engine did not stop by itself within a second and was restarted (${ms} ms).`
          : `The engine stopped in ${ms} ms.`;
      this.set({ job: { ...this.state.job, message: `${cancelled} ${how}` } });
    });
  }

  // --- slider ----------------------------------------------------------------------------
  setMethod(method: MethodKey): void {
    this.set({ method });
    this.requestPrune();
  }

  /** A curve point clicked: the slider (and the method) go there. Stable, for memoised charts. */
  readonly pickPoint = (method: MethodKey, sparsity: number): void => {
    const s = Math.min(0.999, Math.max(0, Math.round(sparsity * 1000) / 1000));
    if (s === this.state.sparsity && method === this.state.method && this.state.pruned) return;
    this.set({ method, sparsity: s });
    this.requestPrune();
  };

  setSparsity(sparsity: number): void {
    const s = Math.min(0.999, Math.max(0, Math.round(sparsity * 1000) / 1000));
    if (s === this.state.sparsity && this.state.pruned) return;
    this.set({ sparsity: s });
    this.requestPrune();
  }

  private requestPrune(): void {
    if (!this.state.prepared) return;
    const key = this.wsKey;
    const call = this.client.call<'prune'>({ type: 'prune', ...pruneParams(this.state) });
    this.latestPrune = call.id;
    this.set({ prunePending: true });
    void call.done.then((r) => {
      if (call.id !== this.latestPrune || key !== this.wsKey) return;
      if (r.kind === 'ok') {
        this.set({ pruned: r.event.result, prunePending: false, pruneError: null });
        this.scheduleSize();
      } else if (r.kind === 'error') this.set({ prunePending: false, pruneError: r.error });
    });
  }

  private scheduleSize(): void {
    if (this.sizeTimer) clearTimeout(this.sizeTimer);
    this.sizeTimer = setTimeout(() => {
      const call = this.client.call<'size'>({ type: 'size', ...pruneParams(this.state) });
      this.latestSize = call.id;
      void call.done.then((r) => {
        if (call.id === this.latestSize && r.kind === 'ok') this.set({ size: r.event.size });
      });
    }, SIZE_DELAY_MS);
  }

  /** A new seed: the slider's result again, and the curves of the sampling methods. */
  setSeed(seed: number): void {
    if (!Number.isInteger(seed) || seed < 0 || seed === this.state.seed) return;
    const c = this.state.curves;
    const points = c.points.filter((p) => !METHODS[p.method].random);
    this.set({ seed, curves: { ...c, points } });
    this.requestPrune();
    if (this.state.prepared && points.length < c.points.length) this.curves.start();
  }

  /** New per-layer limits: the slider's result again, and every curve (all depend on them). */
  setLimits(limits: LayerLimits): void {
    this.set({ limits, curves: { ...this.state.curves, points: [] } });
    this.requestPrune();
    if (this.state.prepared) this.curves.start();
  }

  setPropagate(propagate: boolean): void {
    if (propagate === this.state.propagate) return;
    this.set({ propagate });
    this.requestPrune();
  }

  setTolerance(tolerance: number): void {
    if (Number.isFinite(tolerance) && tolerance >= 0) this.set({ tolerance });
  }
  setShowDelta(showDelta: boolean): void {
    this.set({ showDelta });
  }
  setStretchX(stretchX: boolean): void {
    this.set({ stretchX });
  }

  // --- export ----------------------------------------------------------------------------
  /** The user's name for the loaded model (empty: back to the one derived from the files). */
  renameModel(name: string): void {
    const derived = this.state.workspace?.model?.name;
    if (!derived) return;
    this.set({ rename: name.trim() ? { for: derived, name } : null });
  }

  exportName(): string {
    return exportName(this.state);
  }

  exportPruned(): Promise<{ name: string; blob: Blob }[] | null> {
    return exportPruned(this);
  }

  /** The slider's result as a slim model, timed against the dense one (seconds: on demand). */
  measureSpeed(): Promise<void> {
    return measureSpeed(this);
  }

  /** Test hook (see e2e): destroys the WebGPU device, as a driver reset would. */
  loseDevice(): void {
    this.client.loseDevice();
  }

  reportError(error: UserError): void {
    this.set({ demoError: error });
  }
}

function demoError(e: unknown): UserError {
  const message = e instanceof Error ? e.message : String(e);
  return { where: 'demo', code: 'demo-unavailable', message: `The demo could not be loaded: ${message}` };
}

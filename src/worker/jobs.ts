// The long and the quick jobs on a pruning session. They share one model, so each runs under the
// lock; priorities keep the slider responsive while curves fill in behind it. A job that finds
// the session replaced (new files, options or backend) ends as cancelled: its answer is stale.
import {
  AbortError,
  evaluateFiles,
  exportModel,
  isAbortError,
  METHODS,
  SippError,
  sippMetadata,
  type PruneResult,
} from '../core';
import type { PruningSession } from '../core';
import { PriorityLock } from './lock';
import type { Event, MethodKey, Progress, PruneParams, RequestOf, UserError } from './protocol';
import { gzipJson, gzipWeights } from './size';
import { pointCost } from './curve-cost';
import { measureSpeed, withSlim } from './speed';
import { evalSummary, pruneSummary, sensitivityHistograms } from './summaries';
import type { Workspace } from './workspace';

export type Post = (e: Event, transfer?: Transferable[]) => void;

/**
 * Training holds the lock for its whole run (it trains the session's model in place), so slider
 * moves wait for it; it goes after a waiting prepare or export, before curve points.
 */
export const PRIORITY = {
  workspace: 5,
  prepare: 4,
  export: 3,
  prune: 2,
  train: 2,
  size: 1,
  /** Asked for by a button, but seconds long: slider moves go first. */
  speed: 1,
  sweep: 0,
} as const;

/** Retrained results by id, for the export (see train-jobs.ts). */
export interface TrainedLookup {
  trained(resultId: string): PruneResult;
}

/** Progress at most every 50 ms (and always the last step of a stage): a chunk can be very quick. */
export function throttled(id: number, post: Post, ms = 50): (p: Progress) => void {
  let last = 0;
  return (p) => {
    const now = performance.now();
    if (p.done === p.total || p.done === 0 || now - last > ms) {
      last = now;
      post({ type: 'progress', id, progress: p });
    }
  };
}

const keyOf = (p: PruneParams) =>
  `${p.method}|${p.sparsity}|${p.seed}|${!!p.propagate}|${p.limits ? JSON.stringify(p.limits) : ''}`;

/** Curves wait while the slider moves: a point holds the model for up to half a second. */
const SWEEP_YIELD_MS = 400;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Jobs {
  readonly lock = new PriorityLock();
  private readonly controllers = new Map<number, AbortController>();
  private latestPrune = 0;
  private latestSize = 0;
  /** When the slider last asked for something. */
  private lastInteractive = -Infinity;
  private cache: { key: string; generation: number; result: PruneResult } | null = null;
  private denseSize: { generation: number; gzip: number; raw: number } | null = null;

  /** Set by the training jobs, so that the export can find a retrained model. */
  trainedLookup: TrainedLookup | null = null;

  constructor(
    private readonly ws: Workspace,
    private readonly post: Post,
  ) {}

  cancel(target: number): void {
    this.controllers.get(target)?.abort();
  }

  /** Aborts every job (the session is about to change). */
  cancelAll(): void {
    for (const c of this.controllers.values()) c.abort();
  }

  /** Runs `fn` on the current session under the lock; stale or cancelled jobs answer 'cancelled'. */
  async job(
    id: number,
    priority: number,
    where: UserError['where'],
    fn: (s: PruningSession, signal: AbortSignal) => Promise<Event | null>,
  ): Promise<Event | null> {
    const controller = new AbortController();
    this.controllers.set(id, controller);
    const generation = this.ws.generation;
    try {
      return await this.lock.run(priority, async () => {
        const s = this.ws.session;
        if (controller.signal.aborted || !s || this.ws.generation !== generation) {
          if (!s && !controller.signal.aborted)
            return {
              type: 'error',
              id,
              error: { where, code: 'not-ready', message: 'Load a model and a batch first.' },
            };
          return { type: 'cancelled', id };
        }
        return fn(s, controller.signal);
      });
    } catch (e) {
      if (isAbortError(e)) return { type: 'cancelled', id };
      throw e;
    } finally {
      this.controllers.delete(id);
    }
  }

  async prepare(req: RequestOf<'prepare'>): Promise<Event | null> {
    return this.job(req.id, PRIORITY.prepare, 'sensitivities', async (s, signal) => {
      const t0 = performance.now();
      await s.prepare(req.methods, { signal, onProgress: throttled(req.id, this.post) });
      const dense = await s.evaluate(null, { signal });
      const sens = s.sensitivities('max') ?? s.sensitivities('mean');
      const layers = s.info.prunable.map((p) => p.key);
      return {
        type: 'prepared',
        id: req.id,
        report: {
          dense: evalSummary(dense),
          histograms: sens ? sensitivityHistograms(layers, sens) : [],
          seconds: (performance.now() - t0) / 1000,
        },
      };
    });
  }

  async pruned(s: PruningSession, p: PruneParams, signal: AbortSignal): Promise<PruneResult> {
    const key = keyOf(p);
    if (this.cache && this.cache.key === key && this.cache.generation === this.ws.generation)
      return this.cache.result;
    const result = await s.prune(p.method, p.sparsity, {
      seed: p.seed,
      propagate: !!p.propagate,
      limits: p.limits,
      signal,
    });
    this.cache = { key, generation: this.ws.generation, result };
    return result;
  }

  async prune(req: RequestOf<'prune'>): Promise<Event | null> {
    // Only the latest slider position counts: a request overtaken while waiting is dropped.
    this.latestPrune = req.id;
    this.lastInteractive = performance.now();
    return this.job(req.id, PRIORITY.prune, 'prune', async (s, signal) => {
      if (req.id !== this.latestPrune) return { type: 'cancelled', id: req.id };
      if (!METHODS[req.method]) throw new SippError('unknown-method', `Unknown method ${req.method}.`);
      const t0 = performance.now();
      const result = await this.pruned(s, req, signal);
      const e = await s.evaluate(result, { signal });
      return { type: 'pruned', id: req.id, result: pruneSummary(result, e, performance.now() - t0) };
    });
  }

  async size(req: RequestOf<'size'>): Promise<Event | null> {
    this.latestSize = req.id;
    return this.job(req.id, PRIORITY.size, 'prune', async (s, signal) => {
      if (req.id !== this.latestSize) return { type: 'cancelled', id: req.id };
      const loaded = this.ws.model!.loaded;
      const json = gzipJson(loaded.topology);
      if (!this.denseSize || this.denseSize.generation !== this.ws.generation) {
        const dense = await gzipWeights(s.modelWith(null), signal);
        this.denseSize = { generation: this.ws.generation, ...dense };
      }
      const result = await this.pruned(s, req, signal);
      const w = await gzipWeights(s.modelWith(result), signal);
      return {
        type: 'size',
        id: req.id,
        size: {
          method: req.method,
          targetSparsity: req.sparsity,
          seed: req.seed,
          gzipBytes: w.gzip + json.gzip,
          rawBytes: w.raw + json.raw,
          denseGzipBytes: this.denseSize.gzip + json.gzip,
        },
      };
    });
  }

  async export(req: RequestOf<'export'>): Promise<Event | null> {
    return this.job(req.id, PRIORITY.export, 'export', async (s, signal) => {
      const result =
        req.resultId !== undefined ? this.lookup().trained(req.resultId) : await this.pruned(s, req, signal);
      const quantize = req.weights ?? 'float32';
      const metadata = sippMetadata({
        method: result.method,
        targetSparsity: result.targetSparsity,
        achievedSparsity: result.achievedSparsity,
        seed: result.seed,
        sensitivityPoints: s.points,
        propagated: result.propagated,
        quantization: quantize,
        slim: !!req.slim,
        retraining: req.retraining,
      });
      // The slim model has its own (smaller) topology: the original one no longer fits it.
      const ex = req.slim
        ? await withSlim(s, result, ({ model }) => exportModel(model, { name: req.name, quantize, metadata }))
        : await exportModel(s.modelWith(result), {
            name: req.name,
            topology: this.ws.model!.loaded.topology,
            quantize,
            metadata,
          });
      // Quantised or slim files are not the session's zeroed float32 model: measure them as written.
      const written =
        quantize !== 'float32' || req.slim ? await evaluateFiles(s, ex.files, { signal }) : null;
      const files = req.check
        ? []
        : ex.files.map((f) => ({
            name: f.name,
            data: f.data.buffer.slice(
              f.data.byteOffset,
              f.data.byteOffset + f.data.byteLength,
            ) as ArrayBuffer,
          }));
      const event: Event = {
        type: 'exported',
        id: req.id,
        result: {
          files,
          weights: ex.weightFormat,
          clampedValues: ex.clamped.reduce((n, c) => n + c.count, 0),
          rawBytes: ex.rawBytes,
          gzipBytes: ex.gzipBytes,
          nonzeroParams: ex.nonzeroParams,
          totalParams: ex.totalParams,
          achievedSparsity: result.achievedSparsity,
          slim: !!req.slim,
          written,
          check: !!req.check,
        },
      };
      this.post(
        event,
        files.map((f) => f.data),
      );
      return null;
    });
  }

  /** The slider's result without its zeroed channels, timed against the dense model (on demand). */
  async speed(req: RequestOf<'speed'>): Promise<Event | null> {
    return this.job(req.id, PRIORITY.speed, 'prune', async (s, signal) => {
      if (!METHODS[req.method]) throw new SippError('unknown-method', `Unknown method ${req.method}.`);
      const result = await this.pruned(s, req, signal);
      return { type: 'speed', id: req.id, speed: await measureSpeed(s, result, req, signal) };
    });
  }

  private lookup(): TrainedLookup {
    if (!this.trainedLookup) throw new SippError('result-gone', 'No retrained models are kept here.');
    return this.trainedLookup;
  }

  /**
   * Accuracy versus sparsity, one point per (sparsity, method) in the order given, each under the
   * lock on its own so that slider moves get in between. Streams 'curve-point' events.
   */
  async sweep(req: RequestOf<'sweep'>): Promise<Event | null> {
    const controller = new AbortController();
    const { signal } = controller;
    const generation = this.ws.generation;
    const methods = req.methods.filter((m): m is MethodKey => m in METHODS);
    this.controllers.set(req.id, controller);
    /** The session, or AbortError when this sweep is cancelled or stale. */
    const session = (): PruningSession => {
      const s = this.ws.session;
      if (signal.aborted || !s || this.ws.generation !== generation) throw new AbortError();
      return s;
    };
    let points = 0;
    try {
      await this.lock.run(PRIORITY.sweep, () =>
        session().prepare(methods, { signal, onProgress: throttled(req.id, this.post) }),
      );
      const total = methods.length * req.sparsities.length;
      this.post({ type: 'progress', id: req.id, progress: { stage: 'curves', done: 0, total } });
      for (const sparsity of req.sparsities) {
        for (const method of methods) {
          while (performance.now() - this.lastInteractive < SWEEP_YIELD_MS) await sleep(100);
          const point = await this.lock.run(PRIORITY.sweep, async () => {
            const s = session();
            const r = await s.prune(method, sparsity, { seed: req.seed, limits: req.limits, signal });
            const e = await s.evaluate(r, { signal });
            return {
              method,
              sparsity,
              achievedSparsity: r.achievedSparsity,
              withinTolerance: r.withinTolerance,
              accuracy: e.accuracy,
              agreement: e.agreement,
              cost: await pointCost(s, r),
            };
          });
          points++;
          this.post({ type: 'curve-point', id: req.id, point });
          this.post({ type: 'progress', id: req.id, progress: { stage: 'curves', done: points, total } });
        }
      }
      return { type: 'sweep-done', id: req.id, points };
    } catch (e) {
      if (isAbortError(e)) return { type: 'cancelled', id: req.id };
      throw e;
    } finally {
      this.controllers.delete(req.id);
    }
  }
}

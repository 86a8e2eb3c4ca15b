// Retraining jobs: one-shot fine-tuning, the cascade and the lottery ticket, on the session under
// its lock (training rewrites the session's model in place, so nothing else may run meanwhile:
// slider moves wait, curve points pause). Cancel aborts within one minibatch. Each finished step
// leaves its weights here, keyed by id, for download; the page gets summaries only.
import {
  cascade,
  fineTune,
  lottery,
  METHODS,
  resolveTrainSettings,
  SippError,
  type Evaluation,
  type RetrainOptions,
  type TrainedResult,
} from '../core';
import { PRIORITY, throttled, type Jobs, type Post, type TrainedLookup } from './jobs';
import {
  MAX_KEPT_RESULTS,
  type Event,
  type RequestOf,
  type TrainedSummary,
  type TrainTick,
} from './protocol';
import { evalSummary } from './summaries';
import type { Workspace } from './workspace';

/**
 * Per-minibatch loss and stage progress at most this often: a step of a small model takes a few
 * milliseconds, and every event re-renders the page, which shares two cores with the training.
 */
const TICK_MS = 250;

interface Kept {
  result: TrainedResult;
  generation: number;
}

interface StepFacts {
  protocol: TrainedSummary['protocol'];
  method: TrainedSummary['method'];
  index: number;
  of: number;
  arm: TrainedSummary['arm'];
  armLabel: string | null;
  targetSparsity: number;
  before: Evaluation;
  retrained: Evaluation;
  seconds: number;
}

export function trainedSummary(
  resultId: string,
  runId: number,
  r: TrainedResult,
  f: StepFacts,
): TrainedSummary {
  const t = r.training;
  return {
    resultId,
    runId,
    protocol: f.protocol,
    method: f.method,
    index: f.index,
    of: f.of,
    arm: f.arm,
    armLabel: f.armLabel,
    targetSparsity: f.targetSparsity,
    achievedSparsity: r.achievedSparsity,
    nonzeroParams: r.nonzeroParams,
    totalParams: r.totalParams,
    before: evalSummary(f.before),
    retrained: evalSummary(f.retrained),
    settings: { ...t.settings },
    loss: t.loss,
    history: t.history.map((h) => ({ ...h })),
    diverged: t.diverged,
    trainSamples: t.trainSamples,
    seconds: f.seconds,
    layers: r.layers.map((l) => ({ ...l })),
  };
}

export class TrainJobs implements TrainedLookup {
  /** Insertion order is age: the oldest goes first when more than MAX_KEPT_RESULTS are kept. */
  private readonly kept = new Map<string, Kept>();

  constructor(
    private readonly ws: Workspace,
    private readonly jobs: Jobs,
    private readonly post: Post,
  ) {
    jobs.trainedLookup = this;
  }

  get size(): number {
    return this.kept.size;
  }

  trained(resultId: string): TrainedResult {
    const k = this.kept.get(resultId);
    if (!k)
      throw new SippError(
        'result-gone',
        `That retrained model is no longer kept (the engine keeps the last ${MAX_KEPT_RESULTS}); retrain it.`,
      );
    if (k.generation !== this.ws.generation)
      throw new SippError(
        'result-stale',
        'That retrained model belongs to an earlier model, batch or setting; retrain it.',
      );
    return k.result;
  }

  private keep(resultId: string, result: TrainedResult): void {
    const generation = this.ws.generation;
    for (const [id, k] of this.kept) if (k.generation !== generation) this.kept.delete(id);
    this.kept.set(resultId, { result, generation });
    while (this.kept.size > MAX_KEPT_RESULTS) this.kept.delete(this.kept.keys().next().value!);
  }

  private done(id: number, resultId: string, r: TrainedResult, f: StepFacts): void {
    this.keep(resultId, r);
    this.post({ type: 'train-step-done', id, step: trainedSummary(resultId, id, r, f) });
  }

  async train(req: RequestOf<'train'>): Promise<Event | null> {
    return this.jobs.job(req.id, PRIORITY.train, 'retrain', async (s, signal) => {
      const set = this.ws.training.set;
      if (!set)
        throw new SippError(
          'train-no-set',
          'Retraining needs a training set: add one (.npz, x.npy + y.npy or .json), or split the batch.',
        );
      if (!METHODS[req.method]) throw new SippError('unknown-method', `Unknown method ${req.method}.`);
      if (req.sparsities.length === 0)
        throw new SippError('bad-sparsity', 'Give a target sparsity to retrain at.');
      const settings = resolveTrainSettings(req.settings);
      const progress = throttled(req.id, this.post, TICK_MS);
      let lastTick = 0;
      const opts: RetrainOptions = {
        signal,
        seed: req.pruneSeed,
        settings,
        onProgress: progress,
        onEpoch: (e) => this.post({ type: 'train-epoch', id: req.id, epoch: { ...e } }),
        onTrainStep: (t) => {
          // `step` is the minibatch within its epoch (1-based), `cascadeStep` the cascade's step.
          const now = performance.now();
          if (now - lastTick < TICK_MS && t.step !== t.steps) return;
          lastTick = now;
          const tick: TrainTick = {
            step: t.cascadeStep,
            epoch: t.epoch,
            epochs: settings.epochs,
            batch: t.step,
            batches: t.steps,
            loss: t.loss,
          };
          if (t.arm) tick.arm = t.arm;
          this.post({ type: 'train-tick', id: req.id, tick });
        },
      };
      const { method, sparsities } = req;
      switch (req.protocol) {
        case 'one-shot':
        case 'cascade': {
          const of = req.protocol === 'cascade' ? sparsities.length : 1;
          opts.onStepDone = (step) =>
            this.done(req.id, `${req.id}.${step.index}`, step.result, {
              protocol: step.protocol,
              method: step.method,
              index: step.index,
              of,
              arm: null,
              armLabel: null,
              targetSparsity: step.targetSparsity,
              before: step.pruned,
              retrained: step.retrained,
              seconds: step.seconds,
            });
          if (req.protocol === 'one-shot') {
            await fineTune(s, set, method, sparsities[0], opts);
            return { type: 'train-done', id: req.id, steps: 1 };
          }
          const steps = await cascade(s, set, method, sparsities, opts);
          return { type: 'train-done', id: req.id, steps: steps.length };
        }
        case 'lottery': {
          const init = this.ws.training.init;
          if (!init)
            throw new SippError(
              'train-no-init',
              "The lottery ticket trains from the network's initial weights: add them (model.json + weights) first.",
            );
          // Each arm is kept and shown as soon as it is trained: a cancel keeps the finished ones.
          const out = await lottery(s, set, init.model, method, sparsities[0], {
            ...opts,
            initSource: init.name,
            onArmDone: (a) =>
              this.done(req.id, `${req.id}.${a.arm}`, a.result, {
                protocol: 'lottery',
                method,
                index: 0,
                of: 1,
                arm: a.arm,
                armLabel: a.label,
                targetSparsity: sparsities[0],
                before: a.atStart,
                retrained: a.retrained,
                seconds: a.result.training.seconds,
              }),
          });
          return { type: 'train-done', id: req.id, steps: out.arms.length };
        }
        default: {
          const never: never = req.protocol;
          throw new SippError('bad-protocol', `Unknown protocol ${String(never)}.`);
        }
      }
    });
  }
}

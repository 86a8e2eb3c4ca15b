// The three retraining protocols (§6.1, §6.3): one-shot prune + fine-tune, the iterative cascade
// (scores recomputed on the retrained network at every step), and the lottery ticket (the pruned
// mask trained from the network's initial weights, beside two controls).
import * as tf from '@tensorflow/tfjs';
import { formatBytes, passBytes, samplesPerChunk, workingBudgetBytes } from '../memory/chunks';
import type { LongCallOptions, MethodKey } from '../types';
import type { PruneResult, PruningSession } from '../session';
import type { LayerLimits } from '../prune/limits';
import type { TrainingSet } from '../data/training';
import { SippError } from '../util/errors';
import {
  applyMask,
  freshInitialisation,
  initialValues,
  maskFromZeros,
  randomMaskLike,
  type MaskSet,
} from './masks';
import { trainMasked } from './train';
import { resolveTrainSettings } from './settings';

export { resolveTrainSettings };
import {
  type EpochReport,
  type LotteryArm,
  type LotteryOutcome,
  type RetrainStep,
  type StepReport,
  type TrainedResult,
  type TrainSettings,
} from './types';

export interface RetrainOptions extends LongCallOptions {
  settings?: Partial<TrainSettings>;
  /** Pruning seed (sampling methods). */
  seed?: number;
  /** Per-layer limits of every prune (prune/limits.ts). */
  limits?: LayerLimits;
  onEpoch?: (e: EpochReport & { step: number; arm?: string }) => void;
  /** Per training step; `cascadeStep` is the cascade step index (0 for one-shot and lottery arms). */
  onTrainStep?: (s: StepReport & { cascadeStep: number; arm?: string }) => void;
  /** Awaited before the next step starts, so a caller can save each step (e.g. write it to disk). */
  onStepDone?: (s: RetrainStep) => void | Promise<void>;
}

export interface LotteryOptions extends RetrainOptions {
  /** File name of the initial weights, for messages. */
  initSource?: string;
  /** Each arm as soon as it is trained (a cancel keeps the arms already reported). */
  onArmDone?: (a: LotteryArm) => void | Promise<void>;
}

/** A training step may use this many times the backend's working budget (one tape, then freed). */
const TRAIN_MEMORY_FACTOR = 4;

/** The training set fits the session's model and the settings: a message naming the file otherwise. */
export function checkTrainingSet(session: PruningSession, set: TrainingSet, settings: TrainSettings): void {
  const n = set.shape[0] ?? 0;
  if (n < 1) throw new SippError('train-empty', `${set.source}: the training set has no samples`);
  const want = session.info.inputShape;
  const got = set.shape.slice(1);
  if (got.length !== want.length || got.some((d, i) => d !== want[i]))
    throw new SippError(
      'train-shape',
      `${set.source}: samples of shape [${got.join(', ')}] do not fit the model's input [${want.join(', ')}]`,
    );
  if (!set.y && settings.distill === 'off')
    throw new SippError(
      'train-needs-labels',
      `${set.source}: the training set has no labels and distillation is off; add labels (y) or turn distillation on`,
    );
  if (set.y) {
    if (set.y.length !== n)
      throw new SippError('train-labels-count', `${set.source}: ${n} samples but ${set.y.length} labels`);
    const classes = session.info.numClasses;
    const badAt = set.y.findIndex((v) => v < 0 || v >= classes);
    if (badAt >= 0)
      throw new SippError(
        'train-labels-range',
        `${set.source}: label ${set.y[badAt]} (sample ${badAt}) is outside the model's ${classes} classes (0 to ${classes - 1})`,
      );
  }
  checkBatchMemory(session, settings);
}

/**
 * A minibatch's forward and backward pass keeps every activation and its gradient: refuse a
 * batch size whose tape would not fit the backend's memory, naming the largest that does (at
 * 224x224x3, MobileNet-size models fit a few samples per step, not 64).
 */
export function checkBatchMemory(session: PruningSession, settings: TrainSettings): void {
  const budget = TRAIN_MEMORY_FACTOR * workingBudgetBytes();
  const need = passBytes(session.model, settings.batchSize, true);
  if (need <= budget) return;
  const fits = samplesPerChunk(session.model, { backward: true, budgetBytes: budget, max: Infinity });
  throw new SippError(
    'train-batch-memory',
    `a training step on ${settings.batchSize} samples needs about ${formatBytes(need)} for this model's activations and their gradients ` +
      `(input [${session.info.inputShape.join(', ')}]); the ${tf.getBackend()} backend has about ${formatBytes(budget)} for it: ` +
      `use a batch size of ${fits} or less`,
  );
}

function trained(
  session: PruningSession,
  base: PruneResult,
  values: Map<number, Float32Array>,
  report: TrainedResult['training'],
): TrainedResult {
  return { ...session.resultWith(base, values), training: report };
}

async function pruneAndRetrain(
  session: PruningSession,
  set: TrainingSet,
  method: MethodKey,
  sparsity: number,
  settings: TrainSettings,
  index: number,
  protocol: RetrainStep['protocol'],
  stage: string,
  opts: RetrainOptions,
): Promise<RetrainStep> {
  const t0 = performance.now();
  const r = await session.prune(method, sparsity, {
    seed: opts.seed,
    limits: opts.limits,
    signal: opts.signal,
    onProgress: opts.onProgress,
  });
  const pruned = await session.evaluate(r, opts);
  const masks = maskFromZeros(session, r.overrides);
  const out = await trainMasked(session, set, r.overrides, masks, settings, {
    signal: opts.signal,
    onProgress: opts.onProgress,
    stage,
    onEpoch: (e) => opts.onEpoch?.({ ...e, step: index }),
    onTrainStep: (s) => opts.onTrainStep?.({ ...s, cascadeStep: index }),
  });
  const result = trained(session, r, out.values, out.report);
  return {
    protocol,
    method,
    index,
    targetSparsity: sparsity,
    achievedSparsity: result.achievedSparsity,
    pruned,
    retrained: out.evaluation,
    result,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** One-shot: prune the original to `sparsity`, then fine-tune with the pruned entries masked. */
export async function fineTune(
  session: PruningSession,
  set: TrainingSet,
  method: MethodKey,
  sparsity: number,
  opts: RetrainOptions = {},
): Promise<RetrainStep> {
  const settings = resolveTrainSettings(opts.settings);
  checkTrainingSet(session, set, settings);
  const step = await pruneAndRetrain(session, set, method, sparsity, settings, 0, 'one-shot', 'train', opts);
  await opts.onStepDone?.(step);
  return step;
}

/**
 * §6.1 cascade: each target, relative to the original dense size, prunes the previous step's
 * retrained network with scores recomputed on it, then retrains. Every step's result is valid on
 * `session` (its overrides hold every variable), so any step can be evaluated or exported.
 * A cancel keeps the steps already reported through onStepDone.
 */
export async function cascade(
  session: PruningSession,
  set: TrainingSet,
  method: MethodKey,
  sparsities: number[],
  opts: RetrainOptions = {},
): Promise<RetrainStep[]> {
  const settings = resolveTrainSettings(opts.settings);
  checkTrainingSet(session, set, settings);
  if (sparsities.length === 0)
    throw new SippError('bad-sparsity', 'the cascade needs at least one target sparsity');
  sparsities.forEach((s, i) => {
    if (!(s >= 0 && s < 1)) throw new SippError('bad-sparsity', `sparsity must be in [0, 1), got ${s}`);
    if (i > 0 && s <= sparsities[i - 1])
      throw new SippError('bad-sparsity', `cascade targets must increase: ${sparsities[i - 1]} then ${s}`);
  });
  const steps: RetrainStep[] = [];
  let current = session;
  try {
    for (let i = 0; i < sparsities.length; i++) {
      const stage = `train (step ${i + 1} of ${sparsities.length})`;
      const step = await pruneAndRetrain(
        current,
        set,
        method,
        sparsities[i],
        settings,
        i,
        'cascade',
        stage,
        opts,
      );
      steps.push(step);
      await opts.onStepDone?.(step);
      if (i + 1 < sparsities.length) {
        const next = await current.derive(step.result);
        if (current !== session) current.dispose();
        current = next;
      }
    }
  } finally {
    if (current !== session) current.dispose();
  }
  return steps;
}

async function readInit(
  init: tf.LayersModel,
): Promise<{ name: string; shape: number[]; values: Float32Array }[]> {
  return Promise.all(
    init.weights.map(async (w) => ({
      name: w.originalName ?? w.name,
      shape: w.shape as number[],
      values: Float32Array.from((await w.read().data()) as Float32Array),
    })),
  );
}

/**
 * §6.3 lottery ticket: the mask of `method` at `sparsity` (pruned from the trained network),
 * trained from the network's initial weights; beside it the same mask on a fresh seeded
 * initialisation and a random mask of the same per-layer sparsity on the initial weights.
 */
export async function lottery(
  session: PruningSession,
  set: TrainingSet,
  initModel: tf.LayersModel,
  method: MethodKey,
  sparsity: number,
  opts: LotteryOptions = {},
): Promise<LotteryOutcome> {
  const settings = resolveTrainSettings(opts.settings);
  checkTrainingSet(session, set, settings);
  const theta0 = initialValues(session, await readInit(initModel), opts.initSource ?? 'initial weights');
  const r = await session.prune(method, sparsity, {
    seed: opts.seed,
    limits: opts.limits,
    signal: opts.signal,
    onProgress: opts.onProgress,
  });
  const mask = maskFromZeros(session, r.overrides);
  const arms: { arm: LotteryArm['arm']; label: string; start: Map<number, Float32Array>; mask: MaskSet }[] = [
    { arm: 'ticket', label: `${method} mask, initial weights`, start: theta0, mask },
    {
      arm: 'fresh-init',
      label: `${method} mask, fresh random initialisation`,
      start: freshInitialisation(session, theta0, settings.seed),
      mask,
    },
    {
      arm: 'random-mask',
      label: 'random mask of the same per-layer sparsity, initial weights',
      start: theta0,
      mask: randomMaskLike(mask, settings.seed),
    },
  ];
  const out: LotteryArm[] = [];
  for (let i = 0; i < arms.length; i++) {
    const a = arms[i];
    const start = applyMask(a.start, a.mask);
    const base = session.resultWith(r, start);
    const atStart = await session.evaluate(base, opts);
    const t = await trainMasked(session, set, start, a.mask, settings, {
      signal: opts.signal,
      onProgress: opts.onProgress,
      stage: `train (${i + 1} of 3: ${a.arm})`,
      onEpoch: (e) => opts.onEpoch?.({ ...e, step: 0, arm: a.arm }),
      onTrainStep: (s) => opts.onTrainStep?.({ ...s, cascadeStep: 0, arm: a.arm }),
    });
    const result = trained(session, r, t.values, t.report);
    const arm: LotteryArm = {
      arm: a.arm,
      label: a.label,
      achievedSparsity: result.achievedSparsity,
      atStart,
      retrained: t.evaluation,
      result,
    };
    out.push(arm);
    await opts.onArmDone?.(arm);
  }
  return { method, targetSparsity: sparsity, arms: out };
}

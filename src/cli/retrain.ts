// Retraining commands: finetune (one-shot prune + masked fine-tuning), cascade (iterative: prune,
// retrain, recompute scores, prune further) and lottery (the pruned mask trained from the initial
// weights, beside two controls). They share open() with the pruning commands.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  cascade,
  checkTrainingSet,
  exportModel,
  sippMetadata,
  fineTune,
  kernelFor,
  loadModel,
  lottery,
  parseTrainingFiles,
  resolveTrainSettings,
  SippError,
  splitForTraining,
  type EpochReport,
  type Evaluation,
  type LoadedModel,
  type LotteryArm,
  type MethodKey,
  type PruningSession,
  type RetrainStep,
  type TrainedResult,
  type TrainingSet,
  type TrainSettings,
} from '../core';
import type { WeightFormat } from '../core/export/quantize';
import { evaluateWritten, open, sessionFacts, Timer, writeExported, type CommonArgs } from './commands';
import { readBatchFiles, readModelFiles } from './files';

export interface RetrainArgs extends CommonArgs {
  method: MethodKey;
  /** --train: the training file(s); exclusive with split. */
  train?: string;
  /** --split F: train on a seeded fraction F of the --batch file, evaluate on the rest. */
  split?: number;
  /** Everything given on the command line; resolveTrainSettings fills in the rest. */
  settings: Partial<TrainSettings>;
  out?: string;
  /** --quantize: how --out writes the float32 weights (default float32). */
  quantize?: WeightFormat;
  /** Where progress lines that are not the \r progress go (epochs, steps); none with --json. */
  log?: (line: string) => void;
}

/**
 * Folder of a cascade step: the target sparsity in percent, at most two decimals, trailing zeros
 * dropped: 0.9 -> `sparsity-90`, 0.955 -> `sparsity-95.5`, 0.9875 -> `sparsity-98.75`.
 */
export function stepFolder(sparsity: number): string {
  const pct = (Math.round(sparsity * 10000) / 100).toFixed(2).replace(/\.?0+$/, '');
  return `sparsity-${pct}`;
}

/** Refuses an --out that exists and is not a folder, before any work is done. */
function checkOut(out: string | undefined): void {
  if (out && existsSync(out) && !statSync(out).isDirectory())
    throw new SippError('bad-argument', `--out must be a folder; ${out} is a file`);
}

const evalFacts = (e: Evaluation) => ({ accuracy: e.accuracy, agreement: e.agreement });

const historyOf = (r: TrainedResult) =>
  r.training.history.map((h: EpochReport) => ({
    epoch: h.epoch,
    loss: h.loss,
    accuracy: h.accuracy,
    agreement: h.agreement,
    lr: h.lr,
    seconds: h.seconds,
  }));

/**
 * Writes `result` as the prune command writes its model: model.json and one shard in `dir`; with
 * --quantize, also the accuracy of the written (quantised) model.
 */
async function writeModel(
  session: PruningSession,
  loaded: LoadedModel,
  result: TrainedResult,
  dir: string,
  name: string,
  quantize: WeightFormat = 'float32',
  retraining: Record<string, unknown> = {},
) {
  const metadata = sippMetadata({
    method: result.method,
    targetSparsity: result.targetSparsity,
    achievedSparsity: result.achievedSparsity,
    seed: result.seed,
    sensitivityPoints: session.points,
    propagated: result.propagated,
    quantization: quantize,
    retraining: { epochs: result.training.history.length, ...retraining },
  });
  const exported = await exportModel(session.modelWith(result), {
    name,
    topology: loaded.topology,
    quantize,
    metadata,
  });
  const output = writeExported(dir, exported);
  const q = await evaluateWritten(session, result, quantize);
  return q ? { ...output, accuracyQuantized: q.accuracy, agreementQuantized: q.agreement } : output;
}

const pct = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(2)} %`);

function epochLine(prefix: string, e: EpochReport): string {
  return (
    `${prefix}epoch ${e.epoch}/${e.epochs}  loss ${e.loss.toFixed(4)}  accuracy ${pct(e.accuracy)}  ` +
    `agreement ${pct(e.agreement)}  lr ${e.lr.toPrecision(3)}  ${e.seconds.toFixed(1)} s`
  );
}

/**
 * Backend, model, batch, training set and session. The training set is --train (parsed against
 * the model's input and classes) or, with --split, a seeded part of the --batch file.
 */
async function openForTraining(args: RetrainArgs, command: string, timer: Timer) {
  checkOut(args.out);
  if (args.train !== undefined && args.split !== undefined)
    throw new SippError(
      'bad-argument',
      `${command}: give either --train (a training file) or --split (a part of --batch), not both`,
    );
  if (args.train === undefined && args.split === undefined)
    throw new SippError(
      'no-train',
      `${command} needs a training set: --train <file> (.npz with x and y, an x.npy,y.npy pair, or .json), ` +
        `or --split F to train on a seeded fraction F of the --batch file ${args.batch} and evaluate on the rest ` +
        '(e.g. --split 0.8)',
    );
  // Checked before anything is loaded: a typo in --lr fails at once.
  const settings = resolveTrainSettings(args.settings);
  let train: TrainingSet | null = null;
  let split: string | null = null;
  const opened = await open(args, timer, (batch, loaded) =>
    timer.time('trainingSet', () => {
      if (args.train !== undefined) {
        const inShape = loaded.model.inputs[0].shape;
        const outShape = loaded.model.outputs[0].shape;
        train = parseTrainingFiles(
          readBatchFiles(args.train, 'training file'),
          inShape,
          outShape[outShape.length - 1] ?? 1,
          { scaleUint8: args.scaleUint8 },
        );
        return batch;
      }
      const parts = splitForTraining(batch, args.split!, args.seed);
      train = parts.train;
      split = parts.description;
      args.log?.(parts.description);
      return parts.batch;
    }),
  );
  const set = train as TrainingSet | null;
  if (!set) throw new Error('internal: no training set');
  try {
    checkTrainingSet(opened.session, set, settings);
  } catch (e) {
    opened.session.dispose();
    throw e;
  }
  return { ...opened, train: set, split, settings };
}

function trainFacts(train: TrainingSet, split: string | null) {
  return {
    source: train.source,
    samples: train.shape[0],
    labelled: train.y !== null,
    sampleShape: train.shape.slice(1),
    dtype: train.sourceDtype,
    split,
    notices: train.notices,
  };
}

function stepFacts(s: RetrainStep) {
  const r = s.result;
  return {
    index: s.index,
    targetSparsity: s.targetSparsity,
    achievedSparsity: s.achievedSparsity,
    withinTolerance: r.withinTolerance,
    prunableSparsity: r.prunableSparsity,
    nonzeroParams: r.nonzeroParams,
    totalParams: r.totalParams,
    pruned: evalFacts(s.pruned),
    retrained: evalFacts(s.retrained),
    loss: r.training.loss,
    history: historyOf(r),
    diverged: r.training.diverged,
    seconds: s.seconds,
    layers: r.layers,
  };
}

function armFacts(a: LotteryArm) {
  const r = a.result;
  return {
    arm: a.arm,
    label: a.label,
    achievedSparsity: a.achievedSparsity,
    nonzeroParams: r.nonzeroParams,
    totalParams: r.totalParams,
    atStart: evalFacts(a.atStart),
    retrained: evalFacts(a.retrained),
    loss: r.training.loss,
    history: historyOf(r),
    diverged: r.training.diverged,
    seconds: r.training.seconds,
    layers: r.layers,
  };
}

type Opened = Awaited<ReturnType<typeof openForTraining>>;

function header(command: string, protocol: string, args: RetrainArgs, o: Opened, dense: Evaluation) {
  return {
    command,
    protocol,
    model: args.model,
    method: args.method,
    settings: o.settings,
    train: trainFacts(o.train, o.split),
    trainSamples: o.train.shape[0],
    accuracyBefore: dense.accuracy,
    ...sessionFacts(o.session),
    seed: args.seed,
    limits: args.limits ?? null,
  };
}

function footer(args: RetrainArgs, o: Opened, timer: Timer) {
  return {
    warnings: o.warnings,
    notices: o.notices,
    timingsMs: timer.ms,
    backend: o.backend.name,
    backendDetail: o.backend.description,
    sensitivityKernel: kernelFor(o.backend.name, args.kernel).name,
  };
}

const baseName = (o: Opened, method: MethodKey, sparsity: number, tag: string) =>
  `${o.loaded.name}-${method}-${(sparsity * 100).toFixed(1)}-${tag}`;

export async function runFinetune(args: RetrainArgs & { sparsity: number }) {
  const timer = new Timer();
  const o = await openForTraining(args, 'finetune', timer);
  try {
    const dense = await timer.time('evaluateDense', () => o.session.evaluate(null));
    const step = await timer.time('retrain', () =>
      fineTune(o.session, o.train, args.method, args.sparsity, {
        settings: o.settings,
        seed: args.seed,
        limits: args.limits,
        onProgress: args.onProgress,
        onEpoch: (e) => args.log?.(epochLine('', e)),
      }),
    );
    const output = args.out
      ? await timer.time('export', () =>
          writeModel(
            o.session,
            o.loaded,
            step.result,
            args.out!,
            baseName(o, args.method, args.sparsity, 'ft'),
            args.quantize,
            { protocol: 'one-shot', settings: o.settings },
          ),
        )
      : null;
    return {
      ...header('finetune', 'one-shot', args, o, dense),
      targetSparsity: args.sparsity,
      steps: [{ ...stepFacts(step), output }],
      ...footer(args, o, timer),
    };
  } finally {
    o.session.dispose();
  }
}

export async function runCascade(args: RetrainArgs & { sparsities: number[] }) {
  const folders = args.sparsities.map(stepFolder);
  const dup = folders.find((f, i) => folders.indexOf(f) !== i);
  if (dup)
    throw new SippError(
      'bad-sparsity',
      `two cascade targets share the folder ${dup} (percent rounded to 2 decimals); give targets further apart`,
    );
  const timer = new Timer();
  const o = await openForTraining(args, 'cascade', timer);
  try {
    const dense = await timer.time('evaluateDense', () => o.session.evaluate(null));
    const n = args.sparsities.length;
    // Each step is written as soon as it is retrained: an interrupted cascade keeps its finished steps.
    const outputs: (Awaited<ReturnType<typeof writeModel>> | null)[] = [];
    const steps = await timer.time('retrain', () =>
      cascade(o.session, o.train, args.method, args.sparsities, {
        settings: o.settings,
        seed: args.seed,
        limits: args.limits,
        onProgress: args.onProgress,
        onEpoch: (e) => args.log?.(epochLine(`step ${e.step + 1}/${n}  `, e)),
        onStepDone: async (s) => {
          args.log?.(
            `step ${s.index + 1}/${n} done: sparsity ${pct(s.achievedSparsity)}, ` +
              `accuracy ${pct(s.pruned.accuracy)} pruned -> ${pct(s.retrained.accuracy)} retrained`,
          );
          outputs.push(
            args.out
              ? await timer.time('export', () =>
                  writeModel(
                    o.session,
                    o.loaded,
                    s.result,
                    join(args.out!, folders[s.index]),
                    baseName(o, args.method, s.targetSparsity, 'cascade'),
                    args.quantize,
                    { protocol: 'cascade', step: s.index + 1, of: n, settings: o.settings },
                  ),
                )
              : null,
          );
        },
      }),
    );
    return {
      ...header('cascade', 'cascade', args, o, dense),
      sparsities: args.sparsities,
      steps: steps.map((s, i) => ({ ...stepFacts(s), output: outputs[i] })),
      ...footer(args, o, timer),
    };
  } finally {
    o.session.dispose();
  }
}

export async function runLottery(args: RetrainArgs & { sparsity: number; init: string }) {
  const timer = new Timer();
  const o = await openForTraining(args, 'lottery', timer);
  let init: LoadedModel | null = null;
  try {
    init = await timer.time('loadInit', () => loadModel(readModelFiles(args.init)));
    const initModel = init.model;
    const dense = await timer.time('evaluateDense', () => o.session.evaluate(null));
    const outcome = await timer.time('retrain', () =>
      lottery(o.session, o.train, initModel, args.method, args.sparsity, {
        settings: o.settings,
        seed: args.seed,
        limits: args.limits,
        initSource: args.init,
        onProgress: args.onProgress,
        onEpoch: (e) => args.log?.(epochLine(`${e.arm ?? ''}  `, e)),
      }),
    );
    const outputs = await timer.time('export', async () => {
      const written = [];
      for (const a of outcome.arms)
        written.push(
          args.out
            ? await writeModel(
                o.session,
                o.loaded,
                a.result,
                join(args.out, a.arm),
                baseName(o, args.method, args.sparsity, a.arm),
                args.quantize,
                { protocol: 'lottery', arm: a.arm, init: args.init, settings: o.settings },
              )
            : null,
        );
      return written;
    });
    return {
      ...header('lottery', 'lottery', args, o, dense),
      init: args.init,
      targetSparsity: args.sparsity,
      arms: outcome.arms.map((a, i) => ({ ...armFacts(a), output: outputs[i] })),
      ...footer(args, o, timer),
    };
  } finally {
    init?.model.dispose();
    o.session.dispose();
  }
}

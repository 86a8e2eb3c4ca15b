// Masked training of the session's clone (§5.5): the pruned weights stay exactly zero after every
// optimiser step; BatchNorm is not masked. Dropout and BatchNorm run in training mode during steps
// and in inference mode for the evaluation after every epoch.
import * as tf from '@tensorflow/tfjs';
import type { LongCallOptions } from '../types';
import type { Evaluation, PruningSession } from '../session';
import { gatherSamples, type TrainingSet } from '../data/training';
import { outputsProbabilities } from '../evaluate/loss';
import { samplesPerChunk } from '../memory/chunks';
import { SippError } from '../util/errors';
import { checkpoint, StageProgress } from '../util/progress';
import { seededRandom } from '../util/rng';
import type { MaskSet } from './masks';
import { learningRate, makeOptimizer } from './optimizers';
import type { EpochReport, StepReport, TrainReport, TrainSettings } from './types';

export interface TrainCallOptions extends LongCallOptions {
  onEpoch?: (e: EpochReport) => void;
  onTrainStep?: (s: StepReport) => void;
  /** Progress stage name (a cascade names its step). */
  stage?: string;
}

/** Soft targets above this many bytes are refused rather than risk the tab's memory. */
const TEACHER_MAX_BYTES = 256 * 2 ** 20;
/** Bytes of input per inference chunk when computing soft targets (activations: samplesPerChunk). */
const CHUNK_BYTES = 32 * 2 ** 20;

function lossKind(set: TrainingSet, s: TrainSettings): TrainReport['loss'] {
  if (!set.y) return 'distill';
  return s.distill === 'on' ? 'labels+distill' : 'labels';
}

/** The dense model's class probabilities on the whole training set, computed in chunks by bytes. */
async function softTargets(
  session: PruningSession,
  set: TrainingSet,
  opts: LongCallOptions,
): Promise<Float32Array> {
  const n = set.shape[0];
  const classes = session.info.numClasses;
  if (n * classes * 4 > TEACHER_MAX_BYTES)
    throw new SippError(
      'distill-too-large',
      `${set.source}: distillation targets for ${n} samples x ${classes} classes need ` +
        `${Math.round((n * classes * 4) / 2 ** 20)} MB; give the training set labels, or use fewer samples.`,
    );
  session.weights.apply(new Map());
  const model = session.model;
  const probs = outputsProbabilities(model);
  const per = set.shape.slice(1);
  const size = per.reduce((a, b) => a * b, 1);
  const chunk = Math.max(1, Math.min(n, Math.floor(CHUNK_BYTES / (4 * size)), samplesPerChunk(model)));
  const out = new Float32Array(n * classes);
  const progress = new StageProgress('distillation targets', n, opts.onProgress);
  for (let start = 0; start < n; start += chunk) {
    await checkpoint(opts);
    const m = Math.min(chunk, n - start);
    const idx = Int32Array.from({ length: m }, (_, i) => start + i);
    const p = tf.tidy(() => {
      const y = model.apply(tf.tensor(gatherSamples(set, idx), [m, ...per]), {
        training: false,
      }) as tf.Tensor;
      const flat = y.reshape([m, classes]);
      return probs ? flat : tf.softmax(flat);
    });
    out.set((await p.data()) as Float32Array, start * classes);
    p.dispose();
    progress.advance(m);
  }
  return out;
}

function lossOf(
  output: tf.Tensor,
  labels: tf.Tensor | null,
  teacher: tf.Tensor | null,
  probabilities: boolean,
  classes: number,
): tf.Scalar {
  const flat = output.reshape([-1, classes]);
  const logp = probabilities ? tf.log(tf.clipByValue(flat, 1e-7, 1)) : tf.logSoftmax(flat);
  const terms: tf.Tensor[] = [];
  if (labels)
    terms.push(tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels as tf.Tensor1D, classes), logp), -1))));
  // Soft cross-entropy to the dense model's softmax: KL up to the teacher's entropy, a constant.
  if (teacher) terms.push(tf.neg(tf.mean(tf.sum(tf.mul(teacher, logp), -1))));
  return (terms.length === 1 ? terms[0] : tf.mul(tf.addN(terms), 1 / terms.length)) as tf.Scalar;
}

function shuffled(n: number, random: () => number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

export interface TrainOutcome {
  /** Every variable of the model after training (the last good epoch's when it diverged). */
  values: Map<number, Float32Array>;
  report: TrainReport;
  evaluation: Evaluation;
}

/**
 * Trains the session's clone from `start` (values by variable index; missing ones: the
 * session's original) with `masks` enforced after every step. The session's weights are
 * restored afterwards; the trained values are returned. Cancel: AbortError within one step.
 */
export async function trainMasked(
  session: PruningSession,
  set: TrainingSet,
  start: Map<number, Float32Array>,
  masks: MaskSet,
  settings: TrainSettings,
  opts: TrainCallOptions = {},
): Promise<TrainOutcome> {
  const t0 = performance.now();
  const n = set.shape[0];
  const per = set.shape.slice(1);
  const classes = session.info.numClasses;
  const kind = lossKind(set, settings);
  await session.evaluate(null, opts); // the dense model's classes, for agreement
  const teacherAll = kind === 'labels' ? null : await softTargets(session, set, opts);

  const book = session.weights;
  const model = session.model;
  book.apply(start);
  book.touchAll();
  const probabilities = outputsProbabilities(model);
  const trainable = model.trainableWeights.map((w) => book.vars.indexOf(w));
  if (trainable.some((i) => i < 0)) throw new Error('internal: a trainable weight is not a model weight');
  const vars = trainable.map((i) => book.vars[i].read() as tf.Variable);
  const maskTensors = trainable.map((vi) => {
    const m = masks.get(vi);
    return m ? tf.tensor(Float32Array.from(m), book.vars[vi].shape as number[]) : null;
  });
  // Start exactly on the mask, whatever the start values hold.
  vars.forEach((v, i) => {
    const m = maskTensors[i];
    if (m) tf.tidy(() => v.assign(tf.mul(v, m)));
  });
  const optimizer = makeOptimizer(settings);
  const random = seededRandom(`train:${settings.seed}`);
  const bs = Math.max(1, Math.min(settings.batchSize, n));
  // A last batch of one sample would make BatchNorm's batch variance 0: fold it into the epoch's end.
  const stepsPerEpoch = n % bs === 1 && n > 1 ? Math.floor(n / bs) : Math.ceil(n / bs);
  const totalSteps = stepsPerEpoch * settings.epochs;
  const progress = new StageProgress(opts.stage ?? 'train', totalSteps, opts.onProgress);
  const history: EpochReport[] = [];
  let diverged: string | null = null;
  let good: tf.Tensor[] = book.vars.map((v) => v.read().clone());
  let evaluation: Evaluation | null = null;
  const xBuf = new Float32Array(bs * per.reduce((a, b) => a * b, 1));
  try {
    let globalStep = 0;
    for (let epoch = 0; epoch < settings.epochs && !diverged; epoch++) {
      const te = performance.now();
      const order = shuffled(n, random);
      let lossSum = 0;
      let lr = settings.lr;
      for (let step = 0; step < stepsPerEpoch; step++) {
        await checkpoint(opts);
        const from = step * bs;
        const to = step === stepsPerEpoch - 1 ? n : Math.min(n, from + bs);
        const idx = order.subarray(from, to);
        const m = idx.length;
        const x = gatherSamples(set, idx, m === bs ? xBuf : undefined);
        lr = learningRate(settings, epoch, globalStep, totalSteps);
        const { value, grads } = tf.tidy(() => {
          const xb = tf.tensor(x, [m, ...per]);
          const yb =
            kind !== 'distill'
              ? tf.tensor1d(
                  Int32Array.from(idx, (i) => set.y![i]),
                  'int32',
                )
              : null;
          const tb = teacherAll
            ? tf.tensor2d(
                Float32Array.from(
                  { length: m * classes },
                  (_, k) => teacherAll[idx[Math.floor(k / classes)] * classes + (k % classes)],
                ),
                [m, classes],
              )
            : null;
          return tf.variableGrads(
            () => lossOf(model.apply(xb, { training: true }) as tf.Tensor, yb, tb, probabilities, classes),
            vars,
          );
        });
        const loss = (await value.data())[0];
        value.dispose();
        if (!Number.isFinite(loss)) {
          tf.dispose(Object.values(grads));
          diverged =
            `training diverged: the loss became ${loss} at epoch ${epoch + 1}, step ${step + 1}; ` +
            `the weights of the last good epoch are kept (try a learning rate below ${settings.lr})`;
          break;
        }
        optimizer.step(
          vars,
          vars.map((v) => grads[v.name]),
          lr,
          maskTensors,
        );
        tf.dispose(Object.values(grads));
        lossSum += loss;
        globalStep++;
        progress.advance();
        opts.onTrainStep?.({ epoch: epoch + 1, step: step + 1, steps: stepsPerEpoch, loss });
      }
      if (diverged) break;
      evaluation = await session.evaluateInPlace(opts);
      tf.dispose(good);
      good = book.vars.map((v) => v.read().clone());
      const report: EpochReport = {
        epoch: epoch + 1,
        epochs: settings.epochs,
        loss: lossSum / stepsPerEpoch,
        lr,
        accuracy: evaluation.accuracy,
        agreement: evaluation.agreement,
        seconds: (performance.now() - te) / 1000,
      };
      history.push(report);
      opts.onEpoch?.(report);
    }
    if (diverged) {
      book.vars.forEach((v, i) => v.write(good[i]));
      evaluation = await session.evaluateInPlace(opts);
    }
    evaluation ??= await session.evaluateInPlace(opts);
    progress.finish();
    const values = new Map<number, Float32Array>();
    const read = await Promise.all(book.vars.map((v) => v.read().data()));
    read.forEach((a, i) => values.set(i, Float32Array.from(a as Float32Array)));
    return {
      values,
      evaluation,
      report: {
        settings,
        loss: kind,
        history,
        diverged,
        trainSamples: n,
        seconds: (performance.now() - t0) / 1000,
      },
    };
  } finally {
    tf.dispose(good);
    tf.dispose(maskTensors.filter((m): m is tf.Tensor => m !== null));
    optimizer.dispose();
    book.touchAll();
    book.apply(new Map());
  }
}

// Retraining rows of the benchmark: T1, one masked training step (gradients + optimiser step with
// the masks applied) against the same step without masks, on the same model, batch and backend;
// T2, one epoch of the demo's fine-tuning (trainMasked on the 8,101 training digits, evaluation
// included) against one epoch of stock tfjs `model.fit` on the same data and batch size.
import * as tf from '@tensorflow/tfjs';
import {
  maskFromZeros,
  parseTrainingFiles,
  resolveTrainSettings,
  trainMasked,
  type NamedBytes,
  type PruningSession,
  type TrainingSet,
} from '../core';
import { gatherSamples } from '../core/data/training';
import { makeOptimizer } from '../core/train/optimizers';
import { crossEntropy, outputsProbabilities } from '../core/evaluate/loss';
import type { BenchCase } from './timing';

const BATCH = 64;
const SPARSITY = 0.9;
/** T1 at full size: 64 steps, enough that a step's fixed costs are averaged out. */
export const T1_STEPS = 64;

/** The demo's training split fitted to the session's model (uint8 kept, scaled per minibatch). */
export function trainingSetOf(file: NamedBytes, session: PruningSession): TrainingSet {
  const input = session.model.inputs[0].shape;
  return parseTrainingFiles([file], input, session.info.numClasses, { scaleUint8: true });
}

/** The first `n` samples of `set`, as views (no copy). */
function head(set: TrainingSet, n: number): TrainingSet {
  if (n >= set.shape[0]) return set;
  const per = set.shape.slice(1).reduce((a, b) => a * b, 1);
  return {
    ...set,
    x: set.x.subarray(0, n * per),
    shape: [n, ...set.shape.slice(1)],
    y: set.y?.subarray(0, n) ?? null,
  };
}

/** T1: `steps` steps of Adam on batches of 64, with the 90 % WT masks (measured) or none (baseline). */
export async function maskedStepCase(
  session: PruningSession,
  set: TrainingSet,
  steps: number,
): Promise<BenchCase> {
  const r = await session.prune('wt', SPARSITY);
  const masks = maskFromZeros(session, r.overrides);
  const book = session.weights;
  const model = session.model;
  const trainable = model.trainableWeights.map((w) => book.vars.indexOf(w));
  const maskTensors = trainable.map((vi) => {
    const m = masks.get(vi);
    return m ? tf.tensor(Float32Array.from(m), book.vars[vi].shape as number[]) : null;
  });
  const none = trainable.map(() => null);
  const per = set.shape.slice(1);
  const probs = outputsProbabilities(model);
  const batches = Array.from({ length: steps }, (_, s) => {
    const idx = Int32Array.from({ length: BATCH }, (_, i) => (s * BATCH + i) % set.shape[0]);
    return tf.tidy(() => ({
      x: tf.tensor(gatherSamples(set, idx), [BATCH, ...per]),
      y: tf.tensor1d(
        Int32Array.from(idx, (i) => set.y![i]),
        'int32',
      ),
    }));
  });
  const run = async (withMasks: boolean) => {
    book.apply(r.overrides);
    book.touchAll();
    const vars = trainable.map((i) => book.vars[i].read() as tf.Variable);
    const opt = makeOptimizer(resolveTrainSettings({ optimizer: 'adam' }));
    for (const b of batches) {
      const { value, grads } = tf.variableGrads(
        () => crossEntropy(model.apply(b.x, { training: true }) as tf.Tensor, b.y as tf.Tensor1D, probs),
        vars,
      );
      await value.data();
      value.dispose();
      opt.step(
        vars,
        vars.map((v) => grads[v.name]),
        1e-3,
        withMasks ? maskTensors : none,
      );
      tf.dispose(Object.values(grads));
    }
    await vars[0].data();
    opt.dispose();
  };
  return {
    title: `${steps} Adam steps of ${BATCH} samples with the masks of WT at ${SPARSITY * 100} % / the same steps without masks`,
    measured: () => run(true),
    baseline: () => run(false),
    dispose: () => {
      book.touchAll();
      book.apply(new Map());
      tf.dispose(maskTensors.filter((m): m is tf.Tensor => m !== null));
      for (const b of batches) tf.dispose([b.x, b.y]);
    },
  };
}

/**
 * T2: one epoch of fine-tuning at 90 % (WT mask) on the first `samples` training samples,
 * evaluation included / one epoch of tfjs fit() on the same samples.
 */
export async function epochCase(
  session: PruningSession,
  dense: tf.LayersModel,
  full: TrainingSet,
  samples = full.shape[0],
): Promise<BenchCase> {
  const set = head(full, samples);
  const r = await session.prune('wt', SPARSITY);
  const masks = maskFromZeros(session, r.overrides);
  const settings = resolveTrainSettings({ epochs: 1, batchSize: BATCH, optimizer: 'adam', lr: 1e-3 });
  const n = set.shape[0];
  const per = set.shape.slice(1);
  const classes = session.info.numClasses;
  const copy = await tf.models.modelFromJSON({
    modelTopology: dense.toJSON(undefined, false),
  } as tf.io.ModelJSON);
  copy.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const xs = tf.tensor(
    gatherSamples(
      set,
      Int32Array.from({ length: n }, (_, i) => i),
    ),
    [n, ...per],
  );
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(set.y!, 'int32'), classes));
  return {
    title: `one epoch of masked fine-tuning on ${n} samples (batch ${BATCH}, evaluation included) / one epoch of tfjs model.fit`,
    measured: async () => {
      const out = await trainMasked(session, set, r.overrides, masks, settings);
      return { seconds: out.report.seconds };
    },
    baseline: async () => {
      await copy.fit(xs, ys, { epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0 });
    },
    dispose: () => {
      tf.dispose([xs, ys]);
      for (const w of copy.weights) w.read().dispose();
    },
  };
}

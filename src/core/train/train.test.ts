import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PruningSession } from '../session';
import type { Batch } from '../types';
import type { TrainingSet } from '../data/training';
import { batchFor, mlp } from '../../test-support/models';
import { rng, useBackend } from '../../test-support/tf-node';
import { maskFromZeros } from './masks';
import { trainMasked } from './train';
import { cascade, fineTune, lottery, resolveTrainSettings } from './protocols';
import { OPTIMIZERS, type TrainSettings } from './types';

/** A labelled training set drawn like batchFor (labels: the teacher's argmax), disjoint seed. */
function trainingSet(model: tf.LayersModel, n: number, seed: number, labelled = true): TrainingSet {
  const b: Batch = batchFor(model, n, seed, true);
  return {
    x: b.x,
    shape: b.xShape,
    y: labelled ? b.y : null,
    scale: 1,
    source: 'train.npz',
    notices: [],
    sourceDtype: 'float32',
  };
}

/** Dense -> BatchNorm -> Dropout -> Dense: the layers whose training mode matters. */
function bnModel(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 12, inputShape: [6], name: 'fc1' }));
  m.add(tf.layers.batchNormalization({ name: 'bn' }));
  m.add(tf.layers.activation({ activation: 'relu', name: 'relu' }));
  m.add(tf.layers.dropout({ rate: 0.2, name: 'drop' }));
  m.add(tf.layers.dense({ units: 3, activation: 'softmax', name: 'out' }));
  const r = rng(5);
  const values = m.weights.map((w) => {
    const shape = w.shape as number[];
    const name = w.originalName ?? w.name;
    const size = shape.reduce((a, b) => a * b, 1);
    const fill = /moving_variance|gamma/.test(name) ? 1 : /moving_mean|beta/.test(name) ? 0 : NaN;
    return tf.tensor(
      Float32Array.from({ length: size }, () => (Number.isNaN(fill) ? r() * 2 - 1 : fill)),
      shape,
    );
  });
  m.setWeights(values);
  tf.dispose(values);
  return m;
}

const quick = (s: Partial<TrainSettings> = {}) => resolveTrainSettings({ epochs: 2, batchSize: 16, ...s });

let model: tf.LayersModel;
let session: PruningSession;
let train: TrainingSet;

beforeAll(async () => {
  await useBackend('cpu');
  model = mlp([20, 24, 16, 4], 7, 0.05);
  session = await PruningSession.create(model, batchFor(model, 160, 4, true), { points: 40 });
  train = trainingSet(model, 200, 9);
});
afterAll(() => {
  session.dispose();
  model.dispose();
});

describe('masked training (§5.5)', () => {
  it.each(OPTIMIZERS)(
    '%s: masked entries are exactly 0 after every step, the others move',
    async (optimizer) => {
      const r = await session.prune('wt', 0.7);
      const masks = maskFromZeros(session, r.overrides);
      expect(masks.size).toBeGreaterThan(0);
      let steps = 0;
      const out = await trainMasked(
        session,
        train,
        r.overrides,
        masks,
        quick({ optimizer, weightDecay: 1e-3 }),
        {
          onTrainStep: () => {
            steps++;
            // Between steps the clone holds the live weights: check the mask right there.
            for (const [vi, m] of masks) {
              const a = session.weights.vars[vi].read().dataSync();
              m.forEach((keep, k) => {
                if (!keep && a[k] !== 0)
                  throw new Error(`variable ${vi} entry ${k} is ${a[k]} after step ${steps}`);
              });
            }
          },
        },
      );
      expect(steps).toBe(2 * Math.ceil(200 / 16));
      let moved = 0;
      let kept = 0;
      for (const [vi, m] of masks) {
        const before = r.overrides.get(vi) ?? session.weights.original[vi];
        const after = out.values.get(vi)!;
        m.forEach((keep, k) => {
          if (!keep) expect(after[k] === 0).toBe(true);
          else {
            kept++;
            if (after[k] !== before[k]) moved++;
          }
        });
      }
      expect(moved).toBe(kept);
      // The session's clone is back on its original weights.
      const w0 = session.weights.vars[session.weights.kernelVar[0]].read().dataSync();
      expect(Array.from(w0)).toEqual(Array.from(session.weights.original[session.weights.kernelVar[0]]));
    },
  );

  it('masks biases that pruning zeroed, and leaves unmasked layers free', async () => {
    const r = await session.prune('wt', 0.5);
    const bias = session.weights.layerVars[0].find((vi) => session.weights.vars[vi].shape.length === 1)!;
    const zeroed = new Map(r.overrides);
    const b = Float32Array.from(session.weights.original[bias]);
    b[0] = 0;
    b[3] = 0;
    zeroed.set(bias, b);
    const masks = maskFromZeros(session, zeroed);
    expect(Array.from(masks.get(bias)!.subarray(0, 4))).toEqual([0, 1, 1, 0]);
    const out = await trainMasked(session, train, zeroed, masks, quick({ epochs: 1 }));
    expect(out.values.get(bias)![0]).toBe(0);
    expect(out.values.get(bias)![3]).toBe(0);
    expect(out.values.get(bias)![1]).not.toBe(b[1]);
  });

  it('updates BatchNorm statistics in training mode only, never masks them; Dropout only while training', async () => {
    const m = bnModel();
    const s = await PruningSession.create(m, batchFor(m, 80, 2, true), { points: 20 });
    const set = trainingSet(m, 64, 3);
    const mean = s.weights.vars.findIndex((v) => /moving_mean/.test(v.originalName ?? v.name));
    const dense = await s.evaluate(null);
    const before = Array.from(s.weights.vars[mean].read().dataSync());
    await s.evaluate(null); // inference: no statistics change
    expect(Array.from(s.weights.vars[mean].read().dataSync())).toEqual(before);
    const r = await s.prune('wt', 0.5);
    const out = await trainMasked(s, set, r.overrides, maskFromZeros(s, r.overrides), quick({ epochs: 1 }));
    expect(Array.from(out.values.get(mean)!)).not.toEqual(before);
    // Evaluation after training is deterministic (Dropout off in inference).
    const t = s.resultWith(r, out.values);
    const [a, b] = [await s.evaluate(t), await s.evaluate(t)];
    expect(a).toEqual(b);
    expect(dense.agreement).toBe(1);
    s.dispose();
    m.dispose();
  });

  it('a NaN loss stops training with a message and keeps the last good weights', async () => {
    const bad = { ...train, x: Float32Array.from(train.x), source: 'nan.npz' };
    bad.x[5] = NaN;
    const r = await session.prune('wt', 0.5);
    const masks = maskFromZeros(session, r.overrides);
    const out = await trainMasked(session, bad, r.overrides, masks, quick({ batchSize: 200, epochs: 3 }));
    expect(out.report.diverged).toMatch(/loss became NaN at epoch 1, step 1/);
    expect(out.report.history).toEqual([]);
    for (const [vi, v] of out.values) expect(v).toEqual(r.overrides.get(vi) ?? session.weights.original[vi]);
  });

  it('a seeded run on cpu repeats exactly; another seed differs', async () => {
    const run = async (seed: number) =>
      (await fineTune(session, train, 'wt', 0.8, { settings: quick({ seed }) })).result.kernels;
    const [a, b, c] = [await run(3), await run(3), await run(4)];
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('is leak-free, also when cancelled, and a cancel mid-epoch stops within a second', async () => {
    await fineTune(session, train, 'sipp', 0.8, { settings: quick({ epochs: 1 }) }); // warm caches
    const base = tf.memory().numTensors;
    await fineTune(session, train, 'sipp', 0.8, { settings: quick({ epochs: 1 }) });
    expect(tf.memory().numTensors).toBe(base);
    const big = trainingSet(model, 4000, 11);
    const controller = new AbortController();
    let abortedAt = 0;
    const run = fineTune(session, big, 'wt', 0.8, {
      signal: controller.signal,
      settings: quick({ epochs: 50, batchSize: 8 }),
      onTrainStep: (s) => {
        if (s.step === 20 && !abortedAt) {
          abortedAt = performance.now();
          controller.abort();
        }
      },
    });
    await expect(run).rejects.toThrow(/Cancel/);
    expect(performance.now() - abortedAt).toBeLessThan(1000);
    expect(tf.memory().numTensors).toBe(base);
    const w0 = session.weights.vars[session.weights.kernelVar[0]].read().dataSync();
    expect(Array.from(w0)).toEqual(Array.from(session.weights.original[session.weights.kernelVar[0]]));
  });
});

describe('protocols', () => {
  it('one-shot fine-tuning raises accuracy above prune-only at high sparsity', async () => {
    const more = trainingSet(model, 400, 9);
    const step = await fineTune(session, more, 'snip', 0.8, { settings: quick({ epochs: 8, lr: 3e-3 }) });
    expect(step.retrained.accuracy!).toBeGreaterThan(step.pruned.accuracy! + 0.1);
    expect(step.result.training.history).toHaveLength(8);
    expect(Math.abs(step.achievedSparsity - 0.8)).toBeLessThan(0.01);
    // The result's numbers are the session's own evaluation of its weights.
    expect(await session.evaluate(step.result)).toEqual(step.retrained);
  });

  it('distillation on an unlabelled set raises agreement with the original', async () => {
    const unlabelled = trainingSet(model, 400, 13, false);
    const step = await fineTune(session, unlabelled, 'snip', 0.8, {
      settings: quick({ epochs: 8, lr: 3e-3 }),
    });
    expect(step.result.training.loss).toBe('distill');
    expect(step.retrained.agreement).toBeGreaterThan(step.pruned.agreement + 0.05);
  });

  it('cascade: targets relative to the dense size, masks nested, each step valid on the first session', async () => {
    const steps = await cascade(session, train, 'wt', [0.5, 0.8, 0.9], { settings: quick({ epochs: 1 }) });
    expect(steps.map((s) => s.index)).toEqual([0, 1, 2]);
    steps.forEach((s) => expect(Math.abs(s.achievedSparsity - s.targetSparsity)).toBeLessThan(0.02));
    for (let i = 1; i < steps.length; i++) {
      const [prev, next] = [steps[i - 1].result.kernels, steps[i].result.kernels];
      prev.forEach((k, li) => k.forEach((v, j) => v === 0 && expect(next[li][j] === 0).toBe(true)));
    }
    for (const s of steps) expect(await session.evaluate(s.result)).toEqual(s.retrained);
  });

  it('cascade: a step is saved (onStepDone awaited) before the next one starts', async () => {
    const log: string[] = [];
    await cascade(session, train, 'wt', [0.5, 0.8], {
      settings: quick({ epochs: 1 }),
      onEpoch: (e) => log.push(`epoch ${e.step}.${e.epoch}`),
      onStepDone: async (s) => {
        await new Promise((r) => setTimeout(r, 20));
        log.push(`saved ${s.index}`);
      },
    });
    expect(log.filter((l) => l !== 'epoch 0.0' && l !== 'epoch 1.0')).toEqual([
      'epoch 0.1',
      'saved 0',
      'epoch 1.1',
      'saved 1',
    ]);
  });

  it('lottery: three arms on the same per-layer sparsity; refuses initial weights of another topology', async () => {
    const init = mlp([20, 24, 16, 4], 99);
    const out = await lottery(session, train, init, 'wt', 0.8, { settings: quick({ epochs: 1 }) });
    expect(out.arms.map((a) => a.arm)).toEqual(['ticket', 'fresh-init', 'random-mask']);
    const zeros = (k: Float32Array[]) => k.map((a) => a.filter((v) => v === 0).length);
    const [t, f, rm] = out.arms.map((a) => a.result.kernels);
    expect(zeros(f)).toEqual(zeros(t));
    expect(zeros(rm)).toEqual(zeros(t));
    expect(rm[0].map((v) => (v === 0 ? 1 : 0))).not.toEqual(t[0].map((v) => (v === 0 ? 1 : 0)));
    const other = mlp([20, 30, 16, 4], 99);
    await expect(
      lottery(session, train, other, 'wt', 0.8, { initSource: 'init/model.json' }),
    ).rejects.toThrow(/init\/model\.json: weight .* has shape \[20, 30\]/);
    init.dispose();
    other.dispose();
  });

  it('bad settings and training sets get messages naming the field or the file', async () => {
    expect(() => resolveTrainSettings({ epochs: 0 })).toThrow(/epochs/);
    expect(() => resolveTrainSettings({ lr: -1 })).toThrow(/learning rate/);
    const wrong = { ...train, shape: [200, 10, 2] };
    await expect(fineTune(session, wrong, 'wt', 0.5)).rejects.toThrow(
      /train\.npz: samples of shape \[10, 2\]/,
    );
    const labels = { ...train, y: Int32Array.from(train.y!, (v, i) => (i === 7 ? 9 : v)) };
    await expect(fineTune(session, labels, 'wt', 0.5)).rejects.toThrow(
      /label 9 \(sample 7\) is outside the model's 4 classes/,
    );
    const empty = { ...train, x: new Float32Array(0), shape: [0, 20], y: new Int32Array(0) };
    await expect(fineTune(session, empty, 'wt', 0.5)).rejects.toThrow(/no samples/);
    const unlabelled = { ...train, y: null };
    await expect(fineTune(session, unlabelled, 'wt', 0.5, { settings: { distill: 'off' } })).rejects.toThrow(
      /no labels and distillation is off/,
    );
  });
});

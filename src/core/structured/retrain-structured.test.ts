// Retraining takes any MethodKey: fine-tuning after PFP keeps whole channels zero, so the retrained
// network still slims, to the same predictions.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchFor, channelCnn } from '../../test-support/models';
import { expectClose, rng, useBackend } from '../../test-support/tf-node';
import type { TrainingSet } from '../data/training';
import { disposeModel } from '../model/clone';
import { PruningSession } from '../session';
import { fineTune, resolveTrainSettings } from '../train/protocols';
import { shrinkModel } from './shrink';

let model: tf.LayersModel;
let session: PruningSession;
let train: TrainingSet;

beforeAll(async () => {
  await useBackend('cpu');
  model = channelCnn(3);
  session = await PruningSession.create(model, batchFor(model, 64, 4, true), { points: 24 });
  const b = batchFor(model, 96, 9, true);
  train = {
    x: b.x,
    shape: b.xShape,
    y: b.y,
    scale: 1,
    source: 'train.npz',
    notices: [],
    sourceDtype: 'float32',
  };
});
afterAll(() => {
  session.dispose();
  model.dispose();
});

describe('fine-tuning after a structured method', () => {
  it('pfp at 50 %: whole channels stay zero, and the slim retrained model predicts the same', async () => {
    const pruned = await session.prune('pfp', 0.5); // deterministic: the mask fineTune starts from
    const step = await fineTune(session, train, 'pfp', 0.5, {
      settings: resolveTrainSettings({ epochs: 2, batchSize: 16, lr: 1e-2 }),
    });
    expect(step.method).toBe('pfp');
    let moved = 0;
    session.info.prunable.forEach((p, li) => {
      const [before, after] = [pruned.kernels[li], step.result.kernels[li]];
      const out = p.kernelShape[p.kernelShape.length - 1];
      const C = p.kernelShape[p.kernelShape.length - 2];
      const zeroIn = new Set<number>();
      for (let c = 0; c < C; c++) {
        let all = true;
        for (let k = c * out; all && k < before.length; k += C * out)
          for (let o = 0; o < out; o++) if (before[k + o] !== 0) all = false;
        if (all) zeroIn.add(c);
      }
      before.forEach((v, k) => {
        if (v === 0)
          expect(after[k] === 0, `${p.key}[${k}]`).toBe(true); // -0 is zero too
        else if (after[k] !== v) moved++;
      });
      // A channel PFP removed is still a whole zero input slice after training.
      for (const c of zeroIn)
        for (let k = c * out; k < after.length; k += C * out)
          for (let o = 0; o < out; o++) expect(after[k + o] === 0).toBe(true);
    });
    expect(moved).toBeGreaterThan(0); // it did train
    expect(pruned.prunableSparsity).toBeGreaterThan(0.3);

    const before = tf.memory().numTensors;
    const zeroed = session.modelWith(step.result);
    const { model: slim, report } = await shrinkModel(zeroed);
    expect(report.removedChannels).toBeGreaterThan(0);
    expect(report.layers.some((l) => l.after < l.before)).toBe(true);
    expect(report.paramsAfter).toBeLessThan(report.paramsBefore);
    const r = rng(11);
    const x = tf.tensor4d(
      Float32Array.from({ length: 16 * 10 * 10 * 3 }, () => r() * 2 - 1),
      [16, 10, 10, 3],
    );
    const [a, b] = tf.tidy(() => [
      (zeroed.predict(x) as tf.Tensor).dataSync(),
      (slim.predict(x) as tf.Tensor).dataSync(),
    ]);
    expectClose(b, a, 1e-5, 1e-5);
    x.dispose();
    disposeModel(slim);
    expect(tf.memory().numTensors).toBe(before);
  });
});

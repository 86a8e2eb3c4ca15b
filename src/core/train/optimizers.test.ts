import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, rng, useBackend } from '../../test-support/tf-node';
import { learningRate, makeOptimizer } from './optimizers';
import { resolveTrainSettings } from './settings';

beforeAll(() => useBackend('cpu'));

/** torch.optim semantics in float64, written out plainly. */
function reference(
  kind: 'sgd' | 'adam',
  w0: number[],
  grads: number[][],
  lr: number,
  wd: number,
  mask: number[],
) {
  const w = [...w0];
  const buf = w.map(() => 0);
  const m = w.map(() => 0);
  const v = w.map(() => 0);
  grads.forEach((g, t) => {
    w.forEach((_, i) => {
      const d = g[i] + wd * w[i];
      if (kind === 'sgd') {
        buf[i] = t === 0 ? d : 0.9 * buf[i] + d;
        w[i] -= lr * buf[i];
      } else {
        m[i] = 0.9 * m[i] + 0.1 * d;
        v[i] = 0.999 * v[i] + 0.001 * d * d;
        const mh = m[i] / (1 - 0.9 ** (t + 1));
        const vh = v[i] / (1 - 0.999 ** (t + 1));
        w[i] -= (lr * mh) / (Math.sqrt(vh) + 1e-8);
      }
      w[i] *= mask[i];
    });
  });
  return w;
}

describe('optimisers against a float64 reference', () => {
  it.each(['sgd', 'adam'] as const)('%s with momentum/moments, weight decay and a mask', (optimizer) => {
    const r = rng(3);
    const n = 12;
    const w0 = Array.from({ length: n }, () => r() * 2 - 1);
    const mask = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const grads = Array.from({ length: 5 }, () => Array.from({ length: n }, () => r() * 2 - 1));
    const settings = resolveTrainSettings({ optimizer, lr: 0.05, weightDecay: 1e-2, momentum: 0.9 });
    const opt = makeOptimizer(settings);
    const v = tf.variable(tf.tensor1d(w0.map((x, i) => x * mask[i])));
    const m = tf.tensor1d(mask);
    const base = tf.memory().numTensors;
    for (const g of grads) {
      const gt = tf.tensor1d(g);
      opt.step([v], [gt], 0.05, [m]);
      gt.dispose();
    }
    const want = reference(
      optimizer,
      w0.map((x, i) => x * mask[i]),
      grads,
      0.05,
      1e-2,
      mask,
    );
    expectClose(v.dataSync(), want, 1e-5, 1e-6);
    opt.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(base);
    tf.dispose([v, m]);
  });
});

describe('learning-rate schedules', () => {
  it("step: x0.1 at 60 % and 90 % of the epochs (the paper's 30 and 45 of 50)", () => {
    const s = resolveTrainSettings({ schedule: 'step', epochs: 50, lr: 0.01 });
    expect(learningRate(s, 29, 0, 1)).toBeCloseTo(0.01, 12);
    expect(learningRate(s, 30, 0, 1)).toBeCloseTo(0.001, 12);
    expect(learningRate(s, 45, 0, 1)).toBeCloseTo(0.0001, 12);
  });
  it('cosine: from lr to 0 over the steps; constant stays', () => {
    const s = resolveTrainSettings({ schedule: 'cosine', lr: 0.02 });
    expect(learningRate(s, 0, 0, 100)).toBeCloseTo(0.02, 12);
    expect(learningRate(s, 0, 50, 100)).toBeCloseTo(0.01, 12);
    expect(learningRate(s, 0, 100, 100)).toBeCloseTo(0, 12);
    expect(learningRate(resolveTrainSettings({ lr: 0.3 }), 7, 9, 10)).toBe(0.3);
  });
});

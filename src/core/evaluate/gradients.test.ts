import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mlp } from '../../test-support/models';
import { useBackend } from '../../test-support/tf-node';
import { lossGradients } from './gradients';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('loss gradients', () => {
  it("the size-weighted mean over the reference's batches of 4 is the gradient of the mean over all: any chunk gives it", async () => {
    const m = mlp([12, 16, 5], 3, 0.1);
    const n = 22;
    const x = tf.tensor2d(
      Float32Array.from({ length: n * 12 }, (_, i) => Math.sin(i * 0.7)),
      [n, 12],
    );
    const labels = Int32Array.from({ length: n }, (_, i) => i % 5);
    const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
    const before = tf.memory().numTensors;
    const by4 = await lossGradients(m, vars, x, labels, 4, 'snip');
    const all = await lossGradients(m, vars, x, labels, n, 'snip');
    const by7 = await lossGradients(m, vars, x, labels, 7, 'snip');
    expect(tf.memory().numTensors).toBe(before);
    for (const other of [all, by7])
      other.mean.forEach((g, i) => g.forEach((v, k) => expect(v).toBeCloseTo(by4.mean[i][k], 6)));
    // The per-chunk |grad| sum (propagation's test for exact zeros) does depend on the chunking.
    expect(all.absSum[0].reduce((a, b) => a + b, 0)).not.toBeCloseTo(
      by4.absSum[0].reduce((a, b) => a + b, 0),
      3,
    );
    x.dispose();
    m.dispose();
  });
});

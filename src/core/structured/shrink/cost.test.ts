// compareLatency times two models on one batch in alternation; only its bookkeeping is tested here
// (timings themselves belong to the benchmarks).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../test-support/tf-node';
import { mlp } from '../../../test-support/models';
import { compareLatency } from './cost';

describe('compareLatency', () => {
  beforeAll(() => useBackend('cpu'));

  it('times both models as often as asked, on their own outputs, and frees what it made', async () => {
    const a = mlp([12, 6, 3], 1);
    const b = mlp([12, 40, 3], 2);
    const calls = { a: 0, b: 0 };
    const count = (m: tf.LayersModel, k: 'a' | 'b') => {
      const predict = m.predict.bind(m);
      m.predict = (x, args) => {
        calls[k]++;
        return predict(x, args);
      };
    };
    count(a, 'a');
    count(b, 'b');
    const before = tf.memory().numTensors;
    const t = await compareLatency(a, b, { batch: 8, runs: 3, warmup: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(calls).toEqual({ a: 4, b: 4 });
    expect(t).toMatchObject({ batch: 8, runs: 3, backend: 'cpu' });
    expect(t.aMs).toBeGreaterThan(0);
    expect(t.bMs).toBeGreaterThan(0);
    a.dispose();
    b.dispose();
  });
});

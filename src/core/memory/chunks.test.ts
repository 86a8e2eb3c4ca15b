import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SippError } from '../util/errors';
import { activationFloats, explainOutOfMemory, isOutOfMemory, passBytes, samplesPerChunk } from './chunks';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function mlp(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [784], units: 300, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 100, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return m;
}

/** MobileNet-sized activations at little compute: 224x224x3 in, 16 filters at full resolution. */
function wide(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [224, 224, 3], filters: 16, kernelSize: 3, padding: 'same' }));
  m.add(tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same' }));
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return m;
}

describe('chunks by bytes', () => {
  it('counts every layer output per sample, nested models included', () => {
    const m = mlp();
    expect(activationFloats(m)).toEqual({ total: 410, largest: 784 });
    const outer = tf.sequential();
    outer.add(tf.layers.inputLayer({ inputShape: [784] }));
    outer.add(m);
    // The input layer holds the chunk itself.
    expect(activationFloats(outer).total).toBe(410 + 784);
    m.dispose();
  });

  it('keeps 256 for small models and shrinks for 224x224 activations, by the budget and the buffer limit', () => {
    const small = mlp();
    const big = wide();
    expect(samplesPerChunk(small, { budgetBytes: 256 * 2 ** 20 })).toBe(256);
    const perSample = 4 * (224 * 224 * 16 + 112 * 112 * 8 + 8 + 10);
    expect(activationFloats(big).total * 4).toBe(perSample);
    expect(samplesPerChunk(big, { budgetBytes: 256 * 2 ** 20 })).toBe(
      Math.floor((256 * 2 ** 20) / perSample),
    );
    expect(samplesPerChunk(big, { budgetBytes: 256 * 2 ** 20, backward: true })).toBe(
      Math.floor((256 * 2 ** 20) / (3 * perSample)),
    );
    // A 128 MB binding limit bounds the largest single activation (224·224·16 floats per sample).
    expect(samplesPerChunk(big, { budgetBytes: 2 ** 40, bufferLimit: 128 * 2 ** 20 })).toBe(
      Math.floor((128 * 2 ** 20) / (4 * 224 * 224 * 16)),
    );
    expect(samplesPerChunk(big, { budgetBytes: 1 })).toBe(1);
    expect(passBytes(big, 10)).toBe(10 * perSample);
    small.dispose();
    big.dispose();
  });

  it('turns backend memory failures into a sentence, and leaves other errors alone', () => {
    const trap = new Error('memory access out of bounds');
    const e = explainOutOfMemory(trap, 'Evaluation of 1,000 samples', 'Use a smaller batch.');
    expect(e).toBeInstanceOf(SippError);
    expect((e as SippError).code).toBe('out-of-memory');
    expect((e as Error).message).toMatch(/^Evaluation of 1,000 samples ran out of memory on the cpu backend/);
    expect((e as Error).message).toMatch(/Use a smaller batch\.$/);
    expect(isOutOfMemory(new RangeError('Array buffer allocation failed'))).toBe(true);
    const other = new Error('shape mismatch');
    expect(explainOutOfMemory(other, 'x', 'y')).toBe(other);
    expect(isOutOfMemory(new SippError('bad', 'out of memory'))).toBe(false);
  });
});

describe('host samples', () => {
  it('slice like the tensor they replace, and predictClasses gives the same classes from either', async () => {
    const { predictClasses } = await import('../evaluate/evaluate');
    const { sliceSamples } = await import('./samples');
    const m = mlp();
    const data = Float32Array.from({ length: 7 * 784 }, (_, i) => Math.sin(i));
    const t = tf.tensor(data, [7, 784]);
    const host = { data, shape: [7, 784] };
    const before = tf.memory().numTensors;
    const a = sliceSamples(host, 2, 3);
    const b = sliceSamples(t, 2, 3);
    expect(a.shape).toEqual([3, 784]);
    expect(await a.data()).toEqual(await b.data());
    tf.dispose([a, b]);
    expect(await predictClasses(m, host, 3)).toEqual(await predictClasses(m, t, 256));
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
    m.dispose();
  });
});

describe('sensitivity plan', () => {
  it('says before the pass how many chunks, passes and bytes it takes, and nothing once done', async () => {
    const { PruningSession } = await import('../session');
    const m = mlp();
    const n = 300;
    const x = Float32Array.from({ length: n * 784 }, (_, i) => Math.cos(i) * 0.5 + 0.5);
    const batch = { x, xShape: [n, 784], y: null, source: 'test' } as unknown as import('../types').Batch;
    const s = await PruningSession.create(m, batch, { points: 150 });
    const plan = s.sensitivityPlan(['sipp', 'sipp-det'])!;
    expect(plan.points).toBe(150);
    expect(plan.chunkPoints).toBe(64);
    expect(plan.forwardPasses).toBe(plan.groups * Math.ceil(150 / 64));
    // At least the accumulators' bound (4x the largest kernel, 784x300) and one chunk's activations.
    expect(plan.workingBytes).toBeGreaterThanOrEqual(4 * (4 * 784 * 300 + 64 * 410));
    expect(s.sensitivityPlan(['wt'])).toBeNull();
    await s.prepare(['sipp']);
    expect(s.sensitivityPlan(['sipp'])).toBeNull();
    expect(s.sensitivityPlan(['sipp-det'])).not.toBeNull();
    s.dispose();
    m.dispose();
  });
});

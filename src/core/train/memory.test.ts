import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PruningSession } from '../session';
import { checkBatchMemory } from './protocols';
import { resolveTrainSettings } from './settings';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** What checkBatchMemory reads of a session: the model and its input shape. */
function fakeSession(model: tf.LayersModel): PruningSession {
  return { model, info: { inputShape: model.inputs[0].shape.slice(1) } } as unknown as PruningSession;
}

describe('training batch memory', () => {
  it('refuses a batch whose tape does not fit at 224x224x3, naming a batch size that does', () => {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [224, 224, 3], filters: 32, kernelSize: 3, padding: 'same' }));
    m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same' }));
    m.add(tf.layers.globalAveragePooling2d({}));
    m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
    const s = fakeSession(m);
    let msg = '';
    try {
      checkBatchMemory(s, resolveTrainSettings({ batchSize: 64 }));
    } catch (e) {
      msg = (e as Error).message;
      expect((e as { code: string }).code).toBe('train-batch-memory');
    }
    expect(msg).toMatch(
      /a training step on 64 samples needs about [\d.]+ GB .*input \[224, 224, 3\].*use a batch size of \d+ or less/,
    );
    const fits = Number(msg.match(/batch size of (\d+) or less/)![1]);
    expect(fits).toBeGreaterThanOrEqual(1);
    expect(fits).toBeLessThan(64);
    expect(() => checkBatchMemory(s, resolveTrainSettings({ batchSize: fits }))).not.toThrow();
    expect(() => checkBatchMemory(s, resolveTrainSettings({ batchSize: fits + 1 }))).toThrow(/batch size of/);
    m.dispose();
  });

  it('lets the demo-sized MLP train with the default batch', () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ inputShape: [784], units: 300 }));
    m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
    expect(() => checkBatchMemory(fakeSession(m), resolveTrainSettings({ batchSize: 4096 }))).not.toThrow();
    m.dispose();
  });
});

import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { fitBatchToModel, loadModel, parseBatchFiles } from '.';
import { useBackend } from '../test-support/tf-node';

beforeAll(() => useBackend('cpu'));

// Node callers hand over Buffers, whose slice() is a view, not a copy: results must not change.
it('loads the demo from Node Buffers with the accuracy demo.json states', async () => {
  const demo = JSON.parse(readFileSync('public/demo/demo.json', 'utf8'));
  const dir = 'public/demo/lenet-300-100/';
  const loaded = await loadModel([
    { name: 'model.json', data: readFileSync(dir + 'model.json') },
    { name: 'weights.bin', data: readFileSync(dir + 'weights.bin') },
  ]);
  const batch = fitBatchToModel(
    parseBatchFiles([{ name: 'b.npz', data: readFileSync('public/demo/' + demo.batch.path) }]),
    loaded.model.inputs[0].shape,
    10,
  );
  const pred = tf.tidy(() =>
    (loaded.model.predict(tf.tensor(batch.x, batch.xShape)) as tf.Tensor).argMax(-1),
  );
  const p = Array.from(await pred.data());
  pred.dispose();
  const acc = p.reduce((n, v, i) => n + (v === batch.y![i] ? 1 : 0), 0) / p.length;
  expect(acc).toBeGreaterThanOrEqual(demo.models[0].testAccuracy);
  loaded.model.dispose();
});

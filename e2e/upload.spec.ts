// Upload as a user does it: files one after another in an awkward order, a Keras 3 export in two
// shards and a batch of raw pixels; then prune, download, and check the download in Node.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModel } from '../src/core/model/load';
import { writeBrokenModel, writeKeras3Upload } from './fixtures/files';
import { expect, test } from './fixtures/studio';

test('a model, its shards and a batch dropped one by one; the download has the stated sparsity and accuracy', async ({
  studio,
  page,
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-e2e-'));
  const files = writeKeras3Upload(dir);
  await studio.open('?demo=none&curves=wt,random');
  await expect(studio.badge).toHaveAttribute('data-backend', /.+/);

  await studio.drop.setInputFiles(files.shards[1]);
  const missing = page.getByTestId('files.missing');
  await expect(missing).toContainText('model.json');
  await studio.drop.setInputFiles(files.modelJson);
  await expect(missing).toContainText('group1-shard1of2.bin');
  await expect(missing).toContainText('a batch');
  await studio.drop.setInputFiles([files.batch, files.shards[0]]);
  await expect(missing).toBeHidden();

  // The Keras 3 config was normalised and the raw pixels noticed: the user is told both.
  await expect(page.getByRole('heading', { name: /^Model: model/ })).toBeVisible();
  await expect(page.getByText(/0\.\.255/).first()).toBeAttached();
  await studio.sensitivitiesDone();
  const scale = page.getByRole('checkbox', { name: /divide by 255/ });
  await scale.check();
  await studio.sensitivitiesDone();
  await studio.resultFor(0.9, 'sipp');

  await studio.method.selectOption('snip');
  await studio.setSparsity(0.8);
  await studio.resultFor(0.8, 'snip');
  const achieved = await studio.number(studio.achieved);
  const accuracy = await studio.number(studio.accuracy);
  expect(achieved).toBeCloseTo(0.8, 2);

  const downloads: { name: string; path: string }[] = [];
  page.on('download', async (d) => downloads.push({ name: d.suggestedFilename(), path: await d.path() }));
  // The two loose files (the default is one .zip holding both, see names-warnings.spec.ts).
  await page.getByTestId('export.packaging').selectOption('loose');
  await studio.download.click();
  await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(2);
  await expect.poll(() => downloads.every((d) => d.path)).toBe(true);
  const names = downloads.map((d) => d.name).sort();
  expect(names).toEqual(['model.snip-80.0pct.json', 'model.snip-80.0pct.weights.bin']);

  // Sparsity from the raw weights: zeros over all weights in the shard.
  const bin = readFileSync(downloads.find((d) => d.name.endsWith('.bin'))!.path);
  const w = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);
  const zeros = w.reduce((n, v) => n + (v === 0 ? 1 : 0), 0);
  expect(zeros / w.length).toBeCloseTo(achieved, 4);

  // Accuracy recomputed in Node on the evaluation half of the batch (after the sensitivity points).
  await tf.setBackend('cpu');
  const loaded = await loadModel(
    downloads.map((d) => ({ name: d.name, data: new Uint8Array(readFileSync(d.path)) })),
  );
  const points = Number(
    (await page.getByText(/for sensitivities/).textContent())!.match(/^([\d,]+)/)![1].replace(/,/g, ''),
  );
  const n = files.samples - points;
  const x = tf.tensor2d(
    Float32Array.from(files.x.subarray(points * 784), (v) => v / 255),
    [n, 784],
  );
  const pred = (await tf.argMax(loaded.model.predict(x) as tf.Tensor, -1).data()) as Int32Array;
  const right = pred.reduce((s, c, i) => s + (c === files.y[points + i] ? 1 : 0), 0);
  expect(Math.abs(right / n - accuracy)).toBeLessThanOrEqual(1 / n + 1e-9);
});

test('a broken file shows an error next to the model, and the app stays usable', async ({ studio, page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-e2e-'));
  await studio.open('?curves=');
  await studio.sensitivitiesDone();
  await studio.drop.setInputFiles(writeBrokenModel(dir));
  await expect(studio.errors.first()).toBeVisible();
  await expect(studio.errors.first()).toContainText('model.json');
  await expect(studio.progress).toHaveAttribute('data-state', 'error');
  // A batch file that is not a batch: its own error, in words.
  await studio.drop.setInputFiles({
    name: 'digits.npz',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from('not a zip archive'),
  });
  await expect(
    page.getByText(/digits\.npz/).locator('xpath=ancestor-or-self::*[@data-testid="error.message"]'),
  ).toBeVisible();
  // Still usable: the demo comes back with results.
  await studio.demo.click();
  await studio.sensitivitiesDone();
  await studio.resultFor(0.9, 'sipp');
  await expect(studio.errors).toHaveCount(0);
});

// Retraining as a user does it: the demo brings its training split; one-shot fine-tuning at 90 %
// wins back accuracy, the download is that retrained model (checked in Node); a cancelled run
// stops within a second and loses nothing; training data that does not fit is refused in words;
// and a tiny run forced onto WebGPU (SwiftShader here, so a small training set).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parseNpz } from '../src/core/data/npz';
import { loadModel } from '../src/core/model/load';
import { writeTrainingSlice } from './fixtures/retrain';
import { expect, test } from './fixtures/studio';

const DEMO = join(import.meta.dirname, '../public/demo');

test('one-shot fine-tuning at 90 % beats prune-only, and the download is the retrained model', async ({
  studio,
  retrain,
  page,
}) => {
  await studio.open('?curves=sipp');
  await studio.sensitivitiesDone();
  await studio.resultFor(0.9, 'sipp');
  const pruneOnly = await studio.number(studio.accuracy);
  await retrain.trainingSet(8101);

  await retrain.configure({ epochs: 1, batchSize: 128 });
  await retrain.start.click();
  await expect(retrain.progress).toHaveAttribute('data-state', 'running');
  // The bar moves off 0 % with the first minibatches and says how long is left.
  await expect
    .poll(async () => Number(await retrain.progress.getAttribute('data-fraction')), { timeout: 30_000 })
    .toBeGreaterThan(0);
  await retrain.finished(120_000);

  const after = await studio.number(retrain.accuracy);
  const before = Number(await retrain.accuracy.getAttribute('data-before'));
  expect(before).toBeCloseTo(pruneOnly, 9);
  expect(after).toBeGreaterThan(pruneOnly);
  // The accuracy chart: prune-only at epoch 0, then after epoch 1.
  await expect(retrain.accuracyChart).toHaveAttribute('data-points', '2');
  expect(Number(await retrain.lossChart.getAttribute('data-points'))).toBeGreaterThan(1);
  // The slider at 90 % shows the retrained figure beside the prune-only one; the chart has its point.
  await expect(page.getByTestId('prune.retrained')).toHaveAttribute('data-value', String(after));
  await expect(studio.chart).toHaveAttribute('data-retrained', '1');
  await expect(studio.chart.locator('.retrained-dot').first()).toBeAttached();
  await retrain.panel.screenshot({ path: '/tmp/retrain-panel.png' });

  const which = page.getByTestId('export.which');
  await expect(which).toContainText('SiPP 90 %, fine-tuned 1 epoch (Adam 1e-3)');
  const downloads: { name: string; path: string }[] = [];
  page.on('download', async (d) => downloads.push({ name: d.suggestedFilename(), path: await d.path() }));
  // The two loose files (the default is one .zip holding both, see names-warnings.spec.ts).
  await page.getByTestId('export.packaging').selectOption('loose');
  await studio.download.click();
  await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(2);
  await expect.poll(() => downloads.every((d) => d.path)).toBe(true);
  expect(downloads.map((d) => d.name).sort()).toEqual([
    'lenet-300-100.sipp-90.0pct.finetuned-1ep.json',
    'lenet-300-100.sipp-90.0pct.finetuned-1ep.weights.bin',
  ]);

  // In Node: the zeros are the shown sparsity, and the accuracy on the evaluation points is the shown one.
  const bin = readFileSync(downloads.find((d) => d.name.endsWith('.bin'))!.path);
  const w = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);
  const zeros = w.reduce((n, v) => n + (v === 0 ? 1 : 0), 0);
  expect(zeros / w.length).toBeCloseTo(Number(await retrain.accuracy.getAttribute('data-sparsity')), 4);
  await tf.setBackend('cpu');
  const loaded = await loadModel(
    downloads.map((d) => ({ name: d.name, data: new Uint8Array(readFileSync(d.path)) })),
  );
  const points = Number(
    (await page.getByText(/for sensitivities/).textContent())!.match(/^([\d,]+)/)![1].replace(/,/g, ''),
  );
  const batch = parseNpz(new Uint8Array(readFileSync(join(DEMO, 'mnist-holdout-1000.npz'))), 'demo');
  const n = 1000 - points;
  const x = tf.tensor2d(Float32Array.from(batch.x.data.subarray(points * 784)), [n, 784]);
  const pred = (await tf.argMax(loaded.model.predict(x) as tf.Tensor, -1).data()) as Int32Array;
  const right = pred.reduce((s, c, i) => s + (c === Number(batch.y!.data[points + i]) ? 1 : 0), 0);
  expect(Math.abs(right / n - after)).toBeLessThanOrEqual(1 / n + 1e-9);
});

test('a cancelled cascade stops within a second and keeps its finished step', async ({
  studio,
  retrain,
  page,
}) => {
  test.setTimeout(300_000);
  await studio.open('?curves=&method=wt');
  await studio.sensitivitiesDone();
  await retrain.trainingSet(8101);
  await retrain.configure({ protocol: 'cascade', cascade: '50, 90', epochs: 1, batchSize: 64 });
  await retrain.start.click();
  // Step 1 done, step 2 training mid-epoch: cancel then.
  await expect(retrain.accuracy).toHaveAttribute('data-result-id', /\.0$/, { timeout: 180_000 });
  const first = await studio.number(retrain.accuracy);
  // A minibatch of step 2 has run.
  await expect(retrain.progress).toHaveAttribute('data-tick-step', '1', { timeout: 60_000 });
  const t0 = Date.now();
  await retrain.cancel.click();
  await expect(retrain.progress).not.toHaveAttribute('data-state', 'running', { timeout: 1000 });
  expect(Date.now() - t0).toBeLessThan(1500);
  const note = page.getByText(/The engine stopped in \d+ ms/);
  await expect(note).toBeVisible({ timeout: 2000 });
  expect(Number((await note.textContent())!.match(/stopped in (\d+) ms/)![1])).toBeLessThanOrEqual(1000);
  await expect(retrain.start).toBeEnabled();
  // Nothing lost: the finished step, the training set, and a slider that answers.
  await expect(retrain.results.locator('tbody tr')).toHaveCount(1);
  expect(await studio.number(retrain.accuracy)).toBe(first);
  await retrain.trainingSet(8101);
  await studio.setSparsity(0.8);
  await studio.resultFor(0.8, 'wt');
});

test('training data that does not fit is refused in words, the previous set stays; or split the batch', async ({
  studio,
  retrain,
  page,
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-e2e-'));
  await studio.open('?curves=');
  await studio.sensitivitiesDone();
  await retrain.trainingSet(8101);
  await retrain.trainDrop.setInputFiles(writeTrainingSlice(dir, 50, 'labels-12.npz', () => 12));
  const error = retrain.trainCard.getByTestId('error.message');
  await expect(error).toContainText('labels-12.npz');
  await expect(error).toContainText(/outside 0\.\.9/);
  await retrain.trainingSet(8101);
  await studio.resultFor(0.9, 'sipp');

  await page.getByTestId('train.remove').click();
  await expect(retrain.trainSummary).toBeHidden();
  await page.getByTestId('train.split').click();
  await retrain.trainingSet(800);
  await expect(page.getByTestId('train.split-description')).toContainText(
    'Split mnist-holdout-1000.npz (seed 0): 800 samples for training, 200 for the batch',
  );
  await studio.sensitivitiesDone();
  await expect(retrain.start).toBeEnabled();
});

test('forced webgpu: a tiny one-shot run on a dropped training set', async ({ studio, retrain }) => {
  test.setTimeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), 'sipp-e2e-'));
  await studio.open('?backend=webgpu&points=16&curves=&method=wt');
  await expect(studio.badge).toHaveAttribute('data-backend', 'webgpu', { timeout: 60_000 });
  await studio.sensitivitiesDone(120_000);
  await retrain.trainDrop.setInputFiles(writeTrainingSlice(dir, 256));
  await retrain.trainingSet(256);
  await retrain.configure({ epochs: 1, batchSize: 128 });
  await retrain.start.click();
  await retrain.finished(180_000);
  const after = await studio.number(retrain.accuracy);
  expect(after).toBeGreaterThan(0.5);
  await expect(studio.badge).toHaveAttribute('data-backend', 'webgpu');
  await expect(studio.errors).toHaveCount(0);
});

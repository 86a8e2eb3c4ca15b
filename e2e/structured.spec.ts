// Structured pruning of the CNN demo as a user sees it: PFP at 50 %, "Measure speed" shows the
// slim model against the dense one, the physically smaller download has the readout's parameter
// count, and, reloaded in Node, the accuracy the app shows (it computes what the zeroed model does).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parseNpz } from '../src/core/data/npz';
import { loadModel } from '../src/core/model/load';
import { expect, test } from './fixtures/studio';

const DEMO = join(import.meta.dirname, '../public/demo');

test('PFP at 50 % on LeNet-5: measured speed, then the slim download reloads with its parameters and accuracy', async ({
  studio,
  page,
}) => {
  test.setTimeout(180_000);
  await studio.open('?demo=lenet5&method=pfp&sparsity=0.5&curves=');
  await studio.sensitivitiesDone();
  await studio.resultFor(0.5, 'pfp');
  const accuracy = await studio.number(studio.accuracy);

  const measure = page.getByTestId('speed.measure');
  await measure.click();
  const readout = page.getByTestId('speed.readout');
  await expect(readout).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(readout).toContainText(/ms -> .* ms per 64 samples \(.*x\), MACs .* -> .*, parameters/);
  const attr = async (name: string) => Number(await readout.getAttribute(name));
  const dense = await attr('data-params-dense');
  const slim = await attr('data-params-slim');
  expect(slim).toBeGreaterThan(0);
  expect(slim).toBeLessThan(dense);
  expect(await attr('data-macs-slim')).toBeLessThan(await attr('data-macs-dense'));
  expect(await attr('data-latency-dense')).toBeGreaterThan(0);
  expect(await attr('data-latency-slim')).toBeGreaterThan(0);
  // Channels kept per layer in the per-layer table: some layer lost channels, none went to zero.
  const cells = page.getByTestId('layers.channels');
  await expect(page.getByTestId('layers.channels-head')).toBeVisible();
  const kept = await cells.evaluateAll((els) =>
    els
      .filter((e) => e.getAttribute('data-before'))
      .map((e) => [Number(e.getAttribute('data-after')), Number(e.getAttribute('data-before'))]),
  );
  expect(kept.length).toBeGreaterThanOrEqual(4);
  expect(kept.some(([a, b]) => a < b)).toBe(true);
  expect(kept.every(([a]) => a >= 1)).toBe(true);
  await page.screenshot({ path: 'test-results/structured-speed.png', fullPage: true });

  const box = page.getByTestId('export.slim');
  await box.check();
  await expect(page.getByTestId('export.slim-params')).toHaveAttribute('data-value', String(slim));
  const downloads: { name: string; path: string }[] = [];
  page.on('download', async (d) => downloads.push({ name: d.suggestedFilename(), path: await d.path() }));
  // The two loose files (the default is one .zip holding both, see names-warnings.spec.ts).
  await page.getByTestId('export.packaging').selectOption('loose');
  await studio.download.click();
  await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(2);
  await expect.poll(() => downloads.every((d) => d.path)).toBe(true);
  expect(downloads.map((d) => d.name).sort()).toEqual([
    'lenet5.pfp-50.0pct.slim.json',
    'lenet5.pfp-50.0pct.slim.weights.bin',
  ]);
  const sizes = page.getByTestId('export.sizes');
  await expect(sizes).toHaveAttribute('data-slim', 'true');
  await expect(sizes).toHaveAttribute('data-params', String(slim));

  // Reloaded in Node: the readout's parameter count, and the app's accuracy on the evaluation samples.
  await tf.setBackend('cpu');
  const loaded = await loadModel(
    downloads.map((d) => ({ name: d.name, data: new Uint8Array(readFileSync(d.path)) })),
  );
  expect(loaded.model.countParams()).toBe(slim);
  const points = Number(
    (await page.getByText(/for sensitivities/).textContent())!.match(/^([\d,]+)/)![1].replace(/,/g, ''),
  );
  const batch = parseNpz(new Uint8Array(readFileSync(join(DEMO, 'mnist-holdout-1000.npz'))), 'demo');
  const n = 1000 - points;
  const x = tf.tensor4d(Float32Array.from(batch.x.data.subarray(points * 784)), [n, 28, 28, 1]);
  const pred = (await tf.argMax(loaded.model.predict(x) as tf.Tensor, -1).data()) as Int32Array;
  const right = pred.reduce((s, c, i) => s + (c === Number(batch.y!.data[points + i]) ? 1 : 0), 0);
  expect(Math.abs(right / n - accuracy)).toBeLessThanOrEqual(1 / n + 1e-9);
  loaded.model.dispose();
  x.dispose();

  // The slider moves: the measurement is kept, greyed, as stale, and the channel column goes.
  await studio.setSparsity(0.6);
  await studio.resultFor(0.6, 'pfp');
  await expect(readout).toHaveAttribute('data-state', 'stale');
  await expect(page.getByTestId('layers.channels-head')).toHaveCount(0);
});

test('channels or weights: the choice filters the methods, and curves read against the slim model', async ({
  studio,
  page,
}) => {
  test.setTimeout(240_000);
  await studio.open('?demo=lenet-300-100&method=pfp&sparsity=0.5&curves=pfp,wt');
  await studio.sensitivitiesDone();
  const granularity = page.getByTestId('prune.granularity');
  await expect(granularity).toHaveAttribute('data-value', 'channels');
  const options = async () =>
    studio.method.locator('option').evaluateAll((o) => o.map((x) => x.getAttribute('value')));
  expect(await options()).toContain('filter-norm');
  expect(await options()).not.toContain('sipp-det');
  await granularity.getByLabel('Single weights').check();
  await expect(granularity).toHaveAttribute('data-value', 'weights');
  expect(await options()).not.toContain('pfp');
  await studio.resultFor(0.5);
  await granularity.getByLabel('Whole channels').check();
  await expect(studio.method).toHaveValue('pfp');
  await studio.resultFor(0.5, 'pfp');

  // A quantised slim choice is checked at once: the files as written, loaded back, evaluated.
  await page.getByTestId('export.weights').selectOption('uint8');
  await page.getByTestId('export.slim').check();
  const check = page.getByTestId('export.check-result');
  await expect(check).toContainText(/As written \(uint8, slim\), loaded as stock TF.js loads it: accuracy/, {
    timeout: 30_000,
  });
  const checkedAccuracy = Number(await check.getAttribute('data-accuracy'));
  const checkedParams = Number(await check.getAttribute('data-params'));
  const downloads: { name: string; path: string }[] = [];
  page.on('download', async (d) => downloads.push({ name: d.suggestedFilename(), path: await d.path() }));
  await page.getByTestId('export.packaging').selectOption('loose');
  await studio.download.click();
  await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(2);
  await expect.poll(() => downloads.every((d) => d.path)).toBe(true);
  await expect(page.getByTestId('export.sizes')).toContainText('as written, accuracy');
  await tf.setBackend('cpu');
  const loaded = await loadModel(
    downloads.map((d) => ({ name: d.name, data: new Uint8Array(readFileSync(d.path)) })),
  );
  expect(loaded.format.quantized).toEqual(['uint8']);
  expect(loaded.model.countParams()).toBe(checkedParams);
  const points = Number(
    (await page.getByText(/for sensitivities/).textContent())!.match(/^([\d,]+)/)![1].replace(/,/g, ''),
  );
  const batch = parseNpz(new Uint8Array(readFileSync(join(DEMO, 'mnist-holdout-1000.npz'))), 'demo');
  const n = 1000 - points;
  const x = tf.tensor2d(Float32Array.from(batch.x.data.subarray(points * 784)), [n, 784]);
  const pred = (await tf.argMax(loaded.model.predict(x) as tf.Tensor, -1).data()) as Int32Array;
  const right = pred.reduce((s, c, i) => s + (c === Number(batch.y!.data[points + i]) ? 1 : 0), 0);
  expect(Math.abs(right / n - checkedAccuracy)).toBeLessThanOrEqual(1 / n + 1e-9);
  loaded.model.dispose();
  x.dispose();

  // Both curves in full, to read them against parameters and latency.
  await expect(studio.chart).toHaveAttribute('data-points', '36', { timeout: 150_000 });
  await expect(studio.chart).toHaveAttribute('data-running', 'false');
  const axis = page.getByTestId('curve.axis');
  const dots = (m: string) => studio.chart.locator(`.curve-dot[data-method="${m}"]`);
  const xs = (m: string) => dots(m).evaluateAll((d) => d.map((e) => Number(e.getAttribute('cx'))));
  const before = await xs('pfp');
  await axis.getByLabel('Parameters').check();
  await expect(studio.chart).toHaveAttribute('data-axis', 'params');
  await expect(page.getByTestId('curve.axis-hint')).toContainText('slim download');
  await expect(studio.chart.locator('.dense-x')).toHaveCount(1);
  // PFP's points move: removed neurons leave the slim model with fewer parameters than dense.
  await expect.poll(async () => (await xs('pfp')).length).toBe(18);
  expect(await xs('pfp')).not.toEqual(before);
  await axis.getByLabel('Latency').check();
  await expect(studio.chart).toHaveAttribute('data-axis', 'latency');
  await expect(studio.chart).toContainText(/ms per 64 samples/);
  await page.screenshot({ path: 'test-results/curves-latency.png', fullPage: true });
  // The chart as drawn, as SVG and PNG files that open on their own.
  const svgDownload = page.waitForEvent('download');
  await page.getByTestId('curve.svg').click();
  const svgFile = await svgDownload;
  expect(svgFile.suggestedFilename()).toBe('lenet-300-100.curves-latency.svg');
  const svgText = readFileSync((await svgFile.path())!, 'utf8');
  expect(svgText).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  expect(svgText).toContain('ms per 64 samples');
  expect(svgText).not.toMatch(/(href|src)="https?:/);
  const pngDownload = page.waitForEvent('download');
  await page.getByTestId('curve.png').click();
  const png = readFileSync((await (await pngDownload).path())!);
  expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
  writeFileSync('test-results/curves-chart.png', png);
  const table = page.getByTestId('curve.table');
  await table.locator('summary').click();
  await expect(table.locator('tbody tr').first()).toContainText(/ms \/ 64/);
});

// Per-layer limits as a user sets them in the per-layer table: a kept layer stays as trained while
// the model still reaches the target (the others pay), a cap the target cannot live with is
// explained, and the curves follow the limits.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModel } from '../src/core/model/load';
import { expect, test } from './fixtures/studio';

const DEMO = join(process.cwd(), 'public/demo/lenet-300-100');

test('keep fc3, cap fc1: the per-layer table, the readouts and the curves follow', async ({
  studio,
  page,
}) => {
  test.setTimeout(180_000);
  await studio.open('?demo=lenet-300-100&method=wt&sparsity=0.9&curves=wt');
  await studio.sensitivitiesDone();
  await studio.resultFor(0.9, 'wt');
  const row = (name: string) => studio.layers.locator(`tr[data-layer="${name}"]`);
  const nonzero = async (name: string) => Number(await row(name).getAttribute('data-nonzero'));
  const fc2Before = await nonzero('fc2');
  expect(await nonzero('fc3')).toBeLessThan(1010);

  await page.locator('[data-testid="layers.exclude"][data-layer="fc3"]').check();
  await expect(page.getByTestId('layers.limits')).toContainText('fc3 excluded');
  await expect.poll(() => nonzero('fc3'), { timeout: 30_000 }).toBe(1010);
  await studio.resultFor(0.9, 'wt');
  // Still 90 % of the whole model: fc1 and fc2 give what fc3 no longer does.
  expect(Math.abs((await studio.number(studio.achieved)) - 0.9)).toBeLessThan(0.005);
  expect(await nonzero('fc2')).toBeLessThan(fc2Before);
  // The download holds fc3 exactly as trained.
  const downloads: { name: string; path: string }[] = [];
  page.on('download', async (d) => downloads.push({ name: d.suggestedFilename(), path: await d.path() }));
  await page.getByTestId('export.packaging').selectOption('loose');
  await studio.download.click();
  await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(2);
  await expect.poll(() => downloads.every((d) => d.path)).toBe(true);
  await tf.setBackend('cpu');
  const files = (list: { name: string; path: string }[]) =>
    list.map((d) => ({ name: d.name, data: new Uint8Array(readFileSync(d.path)) }));
  const pruned = await loadModel(files(downloads));
  const dense = await loadModel([
    { name: 'model.json', data: new Uint8Array(readFileSync(join(DEMO, 'model.json'))) },
    { name: 'weights.bin', data: new Uint8Array(readFileSync(join(DEMO, 'weights.bin'))) },
  ]);
  const kernel = (m: Awaited<ReturnType<typeof loadModel>>, l: string) =>
    Array.from(m.model.getLayer(l).getWeights()[0].dataSync());
  expect(kernel(pruned, 'fc3')).toEqual(kernel(dense, 'fc3'));
  expect(kernel(pruned, 'fc2').filter((v) => v === 0).length).toBeGreaterThan(0);
  pruned.model.dispose();
  dense.model.dispose();
  // The curves start again under the limits.
  await expect
    .poll(async () => Number(await studio.chart.getAttribute('data-points')), { timeout: 60_000 })
    .toBeGreaterThan(3);

  // fc1 holds most of the weights: capped at 80 %, 90 % overall is out of reach, and the page says why.
  const cap = page.locator('[data-testid="layers.cap"][data-layer="fc1"]');
  await cap.fill('80');
  await cap.press('Enter');
  await expect(page.getByTestId('layers.limits')).toContainText('fc1 at most 80 % zero');
  await expect(page.getByTestId('prune.unreachable')).toContainText('excluded and capped layers keep', {
    timeout: 30_000,
  });
  const fc1 = row('fc1');
  await expect
    .poll(async () => Number(await fc1.getAttribute('data-nonzero')), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(Math.ceil(0.2 * 235_200));
  await page.screenshot({ path: 'test-results/limits.png', fullPage: true });
  await page.getByRole('button', { name: 'Remove all limits' }).click();
  await expect(page.getByTestId('layers.limits')).toHaveCount(0);
  await expect.poll(() => nonzero('fc3'), { timeout: 30_000 }).toBeLessThan(1010);
});

// First run on the automatic backend: the demo loads by itself and shows results; the slider,
// the method selector, the curves and the per-layer view respond as a user would expect.
import { readFileSync } from 'node:fs';
import { expect, test } from './fixtures/studio';

test('the demo loads by itself and the slider re-prunes it', async ({ studio, page }) => {
  await studio.open();
  // Automatic choice: on this machine the only WebGPU adapter is SwiftShader, so wasm runs.
  await expect(studio.badge).toHaveAttribute('data-backend', /^(webgpu|webgl|wasm|cpu)$/);
  await expect(page.getByRole('heading', { name: /Model: lenet-300-100/ })).toBeVisible({ timeout: 30_000 });
  await studio.sensitivitiesDone();
  await studio.resultFor(0.9, 'sipp');
  const acc90 = await studio.number(studio.accuracy);
  const sp90 = await studio.number(studio.achieved);
  expect(sp90).toBeGreaterThan(0.89);
  expect(sp90).toBeLessThan(0.91);
  expect(acc90).toBeGreaterThan(0.3);
  expect(acc90).toBeLessThanOrEqual(1);
  await expect(page.getByText('Prunable')).toBeVisible();
  // The sensitivity pass was planned before it ran: passes and working memory, beside the points.
  const plan = page.getByTestId('batch.pass-plan');
  await expect(plan).toContainText(/152 points in \d+ forward pass(es)? of up to \d+, about [\d.]+ (kB|MB)/);
  expect(Number(await plan.getAttribute('data-bytes'))).toBeGreaterThan(4 * 4 * 784 * 300);

  // Keyboard: one step right from 90 % is 90.1 %.
  await studio.slider.focus();
  await page.keyboard.press('ArrowRight');
  await studio.resultFor(0.901, 'sipp');
  expect(await studio.number(studio.achieved)).toBeCloseTo(0.901, 2);

  // Magnitude pruning at 50 % keeps the accuracy of the dense model within a point.
  await studio.method.selectOption('wt');
  await studio.setSparsity(0.5);
  await studio.resultFor(0.5, 'wt');
  const acc50 = await studio.number(studio.accuracy);
  expect(await studio.number(studio.achieved)).toBeCloseTo(0.5, 2);
  await studio.setSparsity(0.99);
  await studio.resultFor(0.99, 'wt');
  const acc99 = await studio.number(studio.accuracy);
  expect(acc99).toBeLessThan(acc50);
  expect(await studio.number(studio.achieved)).toBeCloseTo(0.99, 2);

  // Rapid moves: only the last position is shown.
  for (const s of [0.6, 0.7, 0.8, 0.85]) await studio.setSparsity(s);
  await studio.resultFor(0.85, 'wt');

  // Per layer: three Dense layers, each with fewer weights kept than it has.
  const rows = studio.layers.locator('tbody tr');
  await expect(rows).toHaveCount(3);
  const fc1 = studio.layers.locator('tr[data-layer="fc1"]');
  expect(Number(await fc1.getAttribute('data-nonzero'))).toBeLessThan(235_500);

  // Curves fill in behind; the readout names a sparsity for magnitude pruning.
  await expect
    .poll(async () => Number(await studio.chart.getAttribute('data-points')), { timeout: 90_000 })
    .toBeGreaterThan(20);
  await expect(studio.maxWithin.locator('li[data-method="wt"]')).toHaveAttribute('data-value', /^0\.\d+/, {
    timeout: 60_000,
  });
  await expect(studio.chart.locator('svg .recharts-line').first()).toBeVisible();

  // The curves as CSV: one row per point drawn.
  const shown = Number(await studio.chart.getAttribute('data-points'));
  const [csv] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Curves as CSV' }).click(),
  ]);
  expect(csv.suggestedFilename()).toBe('lenet-300-100.curves.csv');
  const csvRows = readFileSync(await csv.path(), 'utf8')
    .trim()
    .split('\n');
  expect(csvRows[0]).toMatch(
    /^method,target_sparsity,achieved_sparsity,within_tolerance,accuracy,agreement,kind,/,
  );
  expect(csvRows.length - 1).toBeGreaterThanOrEqual(shown);
});

test('the CNN demo is one click away, and the page fits a phone-width window', async ({ studio, page }) => {
  await page.setViewportSize({ width: 400, height: 800 });
  await studio.open('?curves=wt');
  await studio.sensitivitiesDone();
  await page.getByRole('button', { name: /LeNet-5/ }).click();
  await expect(page.getByRole('heading', { name: /Model: lenet5/ })).toBeVisible({ timeout: 30_000 });
  await studio.sensitivitiesDone();
  await studio.resultFor(0.9, 'sipp');
  await expect(studio.layers.locator('tbody tr')).toHaveCount(5);
  await expect(page.getByText('reshaped', { exact: false }).first()).toBeAttached();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

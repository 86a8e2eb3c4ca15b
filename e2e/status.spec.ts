// Issue 10, items 3, 5 and 8: a status line that names what failed and what it counts, a
// provisional "highest sparsity" until its curve is in, a slider with room above 90 % whose
// curve points can be clicked, and the seed, propagation and method explanations of the CLI.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMisfitUpload } from './fixtures/misfit';
import { expect, test } from './fixtures/studio';

test('a model and a batch that do not fit: the status names the failure and links to it', async ({
  studio,
  page,
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-e2e-'));
  await studio.open('?demo=none&curves=');
  await expect(studio.badge).toHaveAttribute('data-backend', /.+/);
  await studio.drop.setInputFiles(writeMisfitUpload(dir));
  await expect(page.getByRole('heading', { name: /^Model:/ })).toBeVisible();
  const label = page.getByTestId('progress.label');
  await expect(label).toContainText('Cannot continue');
  await expect(label).not.toContainText('Waiting');
  const link = page.getByTestId('progress.error-link');
  const target = (await link.getAttribute('href'))!.slice(1);
  await link.click();
  await expect(page.locator(`[id="${target}"]`)).toBeFocused();
  await expect(page.locator(`[id="${target}"]`)).toHaveAttribute('data-testid', 'error.message');
  await page.screenshot({ path: '/tmp/status-error.png', fullPage: true });
});

test('counters say what they count, and "highest sparsity" is provisional until its curve is in', async ({
  studio,
  page,
}) => {
  await studio.open('?curves=wt');
  const label = page.getByTestId('progress.label');
  await expect(label).toHaveText(/sensitivity points \d+ of \d+|Sensitivities ready/, { timeout: 30_000 });
  await studio.sensitivitiesDone();
  const status = page.locator('.curve-status');
  const wt = studio.maxWithin.locator('li[data-method="wt"]');
  // While the curve fills in: "curve points n of N", and the figure is marked provisional.
  await expect(status).toContainText(/curve points \d+ of \d+/);
  await expect(wt).toHaveAttribute('data-value', /^0\.\d+/);
  const early = await wt.getAttribute('data-provisional');
  await expect(wt).toHaveAttribute('data-provisional', 'false', { timeout: 90_000 });
  await expect(wt).not.toContainText('provisional');
  expect(early === 'true' || (await studio.chart.getAttribute('data-running')) === 'false').toBe(true);
  await expect(status).toContainText(/\d+ curve points/);
});

test('the slider gives 90-99.9 % half its track, and a curve point moves it there', async ({
  studio,
  page,
}) => {
  await studio.open('?curves=wt');
  await studio.sensitivitiesDone();
  await studio.resultFor(0.9, 'sipp');
  // Half way along the track is 90 %; three quarters is 95 %.
  const box = (await studio.slider.boundingBox())!;
  await page.mouse.click(box.x + box.width * 0.75, box.y + box.height / 2);
  await expect.poll(async () => Number(await studio.slider.getAttribute('data-value'))).toBeGreaterThan(0.93);
  expect(Number(await studio.slider.getAttribute('data-value'))).toBeLessThan(0.97);
  // Keyboard: 0.1 % steps above 90 %, and the slider and the readout write the target alike.
  await studio.setSparsity(0.99);
  await studio.slider.focus();
  await page.keyboard.press('ArrowRight');
  await studio.resultFor(0.991, 'sipp');
  await expect(page.locator('.slider-value')).toHaveText('99.1 %');
  await expect(page.locator('.readout-sub', { hasText: 'target' })).toContainText('target 99.1 %');
  await expect(studio.chart.locator('.slider-marker')).toBeAttached();
  await expect(studio.chart).toContainText('slider 99.1 %');

  // A click on a WT curve point at 95 %: method and slider go there.
  const dot = studio.chart.locator('circle.curve-dot[data-method="wt"][data-target="0.95"]');
  await expect(dot).toBeVisible({ timeout: 90_000 });
  await dot.click();
  await studio.resultFor(0.95, 'wt');
  await expect(studio.method).toHaveValue('wt');
  await expect(page.locator('.slider-value')).toHaveText('95.0 %');
  // The same from the table, by keyboard.
  await page.getByText(/The curves as a table/).click();
  await page.getByRole('button', { name: 'Move the slider to WT (magnitude) at 80.0 %' }).press('Enter');
  await studio.resultFor(0.8, 'wt');
  await page.screenshot({ path: '/tmp/status-slider.png', fullPage: true });
});

test('seed, propagation and a plain explanation of each method', async ({ studio, page }) => {
  await studio.open('?curves=');
  await studio.sensitivitiesDone();
  await studio.resultFor(0.9, 'sipp');
  const help = page.getByTestId('prune.method-help');
  await expect(help).toContainText('sensitivity');
  await expect(help).not.toContainText('§');
  await expect(help.getByRole('link')).toHaveAttribute('href', 'https://arxiv.org/abs/1910.05422');
  const prune = page.getByRole('region', { name: 'Prune' });
  await expect(prune.getByRole('combobox', { name: 'Method', exact: true })).toBeVisible();

  // SiPP-Rand samples: another seed, another mask, another accuracy.
  await studio.method.selectOption('sipp-rand');
  await studio.resultFor(0.9, 'sipp-rand');
  await expect(page.locator('#seed-hint')).toContainText('another seed gives another mask');
  const seed0 = await studio.number(studio.accuracy);
  await page.getByTestId('prune.seed').fill('7');
  await expect(studio.accuracy).toHaveAttribute('data-seed', '7');
  await studio.resultFor(0.9, 'sipp-rand');
  expect(await studio.number(studio.accuracy)).not.toBe(seed0);

  await studio.method.selectOption('wt');
  await expect(help).toContainText('largest absolute value');
  await expect(page.locator('#seed-hint')).toContainText('deterministic');
  await studio.setSparsity(0.99);
  await studio.resultFor(0.99, 'wt');
  const nonzero = page.getByTestId('prune.nonzero');
  const plain = await studio.number(nonzero);
  await page.getByTestId('prune.propagate').check();
  // With propagation the budget is spent again after the dead weights are zeroed: the same
  // sparsity, another set of kept weights (CLI, WT at 99 %: 2,666 non-zero without, 2,674 with).
  await expect.poll(async () => studio.number(nonzero), { timeout: 30_000 }).not.toBe(plain);
  await studio.resultFor(0.99, 'wt');
  expect(await studio.number(studio.achieved)).toBeCloseTo(0.99, 3);
});

// Settings that belong to the user persist (localStorage), the view lives in the URL, settings
// that belong to a model reset with it, and the layout uses the room it has: a result on the
// first screen of a phone, two results columns on a wide screen.
import { expect, test } from './fixtures/studio';

test('preferences and the view survive a reload', async ({ studio, page }) => {
  await studio.open('?curves=wt');
  await studio.sensitivitiesDone();
  const backend = page.getByLabel('Compute backend');
  const stretch = page.getByLabel('Stretch high sparsity');
  const delta = page.getByLabel('Show change from dense');
  const snip = page.getByRole('checkbox', { name: 'SNIP' });
  const seed = page.getByTestId('prune.seed');

  // Global preferences: the backend menu, the methods drawn, the chart's two switches.
  await backend.selectOption('wasm');
  await expect(studio.badge).toHaveAttribute('data-backend', 'wasm');
  await studio.sensitivitiesDone();
  await snip.check();
  await stretch.uncheck();
  await delta.check();
  // The view: method, sparsity, seed.
  await studio.method.selectOption('sipp-rand');
  await studio.setSparsity(0.95);
  await seed.fill('4');
  await studio.resultFor(0.95, 'sipp-rand');
  await expect(page).toHaveURL(/[?&]method=sipp-rand(&|$)/);
  await expect(page).toHaveURL(/[?&]sparsity=0\.95(&|$)/);
  await expect(page).toHaveURL(/[?&]seed=4(&|$)/);
  // The URL named the curves: it follows the change, so it does not hide it after the reload.
  await expect(page).toHaveURL(/[?&]curves=wt,snip(&|$)/);

  await page.reload();
  await studio.sensitivitiesDone();
  await studio.resultFor(0.95, 'sipp-rand');
  await expect(backend).toHaveValue('wasm');
  await expect(studio.badge).toHaveAttribute('data-backend', 'wasm');
  await expect(studio.method).toHaveValue('sipp-rand');
  await expect(seed).toHaveValue('4');
  await expect(snip).toBeChecked();
  await expect(page.getByRole('checkbox', { name: 'WT (magnitude)' })).toBeChecked();
  await expect(page.getByRole('checkbox', { name: 'SiPP-Det' })).not.toBeChecked();
  await expect(stretch).not.toBeChecked();
  await expect(delta).toBeChecked();

  // Without the URL, the stored preferences alone bring back the backend, curves and switches.
  await studio.open('?method=wt');
  await studio.sensitivitiesDone();
  await expect(backend).toHaveValue('wasm');
  await expect(stretch).not.toBeChecked();
  await expect(delta).toBeChecked();
  await expect(snip).toBeChecked();
  // ... and the URL wins over them.
  await studio.open('?backend=cpu&curves=sipp');
  await expect(backend).toHaveValue('cpu');
  await expect(snip).not.toBeChecked();
  await expect(page.getByRole('checkbox', { name: 'SiPP (hybrid)' })).toBeChecked();
});

test('corrupt stored preferences are ignored', async ({ studio, page }) => {
  await page.addInitScript(() => localStorage.setItem('sipp-studio.preferences', '{"version":1,"backend":'));
  await studio.open('?curves=');
  await studio.sensitivitiesDone();
  await studio.resultFor(0.9, 'sipp');
  await expect(page.getByLabel('Compute backend')).toHaveValue('auto');
});

test('sensitivity points belong to a model: another model starts from its default', async ({
  studio,
  page,
}) => {
  await studio.open('?curves=');
  await studio.sensitivitiesDone();
  const plan = page.getByTestId('batch.pass-plan');
  await expect(plan).toContainText(/152 points in/);
  const input = page.getByLabel('Sensitivity points');
  await input.fill('64');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(plan).toContainText(/64 points in/, { timeout: 60_000 });
  await studio.sensitivitiesDone();
  await expect(page).toHaveURL(/[?&]points=64(&|$)/);

  await page.getByRole('button', { name: /LeNet-5/ }).click();
  await expect(page.getByRole('heading', { name: /Model: lenet5/ })).toBeVisible({ timeout: 30_000 });
  await studio.sensitivitiesDone();
  await studio.resultFor(0.9, 'sipp');
  const fallback = await input.getAttribute('placeholder');
  expect(Number(fallback)).toBeGreaterThan(0);
  await expect(plan).toContainText(new RegExp(`(^|\\D)${fallback} points in`));
  await expect(page).not.toHaveURL(/[?&]points=/);
  // The box shows the new model's default (its placeholder), not the old model's 64.
  await expect(page.getByLabel('Sensitivity points')).toHaveValue('');
  await expect(page).toHaveURL(/[?&]demo=lenet5(&|$)/);
});

test('a phone shows a result on its first screen, without sideways scrolling', async ({ studio, page }) => {
  await page.setViewportSize({ width: 400, height: 800 });
  await studio.open('?curves=wt');
  await studio.sensitivitiesDone();
  await studio.resultFor(0.9, 'sipp');
  const box = await studio.accuracy.boundingBox();
  expect(box).not.toBeNull();
  expect(box!.y + box!.height).toBeLessThanOrEqual(800);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: '/tmp/sipp-layout-400.png' });
  await page.screenshot({ path: '/tmp/sipp-layout-400-full.png', fullPage: true });
});

test('a wide screen puts the results in two columns; 1280 px keeps one', async ({ studio, page }) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await studio.open('?curves=wt,sipp');
  await studio.sensitivitiesDone();
  await studio.resultFor(0.9, 'sipp');
  await expect.poll(async () => Number(await studio.chart.getAttribute('data-points'))).toBeGreaterThan(10);
  const prune = (await page.locator('.prune-panel').boundingBox())!;
  const curves = (await studio.chart.boundingBox())!;
  const layers = (await studio.layers.boundingBox())!;
  // Side by side: the curves (and the per-layer table under them) start right of the Prune panel.
  expect(curves.x).toBeGreaterThanOrEqual(prune.x + prune.width);
  expect(layers.x).toBeGreaterThanOrEqual(prune.x + prune.width);
  expect(curves.y).toBeLessThan(prune.y + prune.height);
  expect(curves.width).toBeGreaterThan(600);
  await page.screenshot({ path: '/tmp/sipp-layout-1920.png', fullPage: true });

  await page.setViewportSize({ width: 1280, height: 800 });
  const prune1280 = (await page.locator('.prune-panel').boundingBox())!;
  const curves1280 = (await studio.chart.boundingBox())!;
  expect(curves1280.y).toBeGreaterThanOrEqual(prune1280.y + prune1280.height);
  await page.screenshot({ path: '/tmp/sipp-layout-1280.png', fullPage: true });
});

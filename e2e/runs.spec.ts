// What pruning did and the run history, on the demo LeNet-300-100 in Chromium: the per-class
// table and flipped samples follow the slider, the HTML report downloads with the run's numbers
// and nothing to fetch, two kept runs survive a reload, open side by side, and a deleted one is
// gone after another reload while the other stays.
import { readFileSync } from 'node:fs';
import { expect, test, type StudioPage } from './fixtures/studio';
import type { Locator, Page } from '@playwright/test';

async function classesFor(page: Page, method: string, target: number): Promise<Locator> {
  const table = page.getByTestId('classes.table');
  await expect(table).toHaveAttribute('data-method', method, { timeout: 60_000 });
  await expect(table).toHaveAttribute('data-target', String(target));
  await expect(table).toHaveAttribute('data-state', 'ready');
  return table;
}

async function keep(studio: StudioPage, page: Page, name: string): Promise<void> {
  const list = page.getByTestId('history.list');
  const before = Number(await list.getAttribute('data-count'));
  await page.getByTestId('history.keep-name').fill(name);
  await expect(page.getByTestId('history.keep')).toBeEnabled({ timeout: 30_000 });
  await page.getByTestId('history.keep').click();
  await expect(page.getByTestId('runs.notice')).toContainText(`Kept "${name}"`);
  await expect(list).toHaveAttribute('data-count', String(before + 1));
  void studio;
}

test('per class, flipped samples, report, history across reloads, and comparison', async ({
  studio,
  page,
}) => {
  await studio.open('?method=wt&sparsity=0.9');
  await studio.sensitivitiesDone();
  await studio.resultFor(0.9, 'wt');

  // 1. Per class: ten classes whose sample counts add up to the evaluation points, and whose
  // accuracies, weighted by samples, give the accuracy the readout shows.
  const table = await classesFor(page, 'wt', 0.9);
  const rows = table.locator('tbody tr');
  await expect(rows).toHaveCount(10);
  const nums = await rows.evaluateAll((trs) =>
    trs.map((tr) => ({
      cls: Number(tr.getAttribute('data-cls')),
      samples: Number(tr.getAttribute('data-samples')),
      pruned: Number(tr.getAttribute('data-pruned')),
      change: Number(tr.getAttribute('data-change')),
    })),
  );
  const total = nums.reduce((s, r) => s + r.samples, 0);
  expect(total).toBe(1000 - 152);
  const weighted = nums.reduce((s, r) => s + r.pruned * r.samples, 0) / total;
  expect(weighted).toBeCloseTo(await studio.number(studio.accuracy), 6);
  // Sorted by damage.
  for (let i = 1; i < nums.length; i++) expect(nums[i].change).toBeGreaterThanOrEqual(nums[i - 1].change);

  // 2. Flipped samples: lost ones first, drawn as pictures (a flat 784 is drawn 28×28, said so).
  const grid = page.getByTestId('flips.grid');
  const flips = Number(await grid.getAttribute('data-all'));
  expect(flips).toBeGreaterThan(0);
  await expect(grid).toContainText('drawn as 28×28');
  const cells = grid.locator('li.flip-cell');
  expect(await cells.count()).toBe(Math.min(24, flips));
  await expect(cells.first()).toHaveAttribute('data-kind', 'lost');
  await expect(cells.first().locator('canvas')).toBeVisible();
  // The canvas holds a digit, not a blank: some pixels are bright and some dark.
  const spread = await cells
    .first()
    .locator('canvas')
    .evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let lo = 255;
      let hi = 0;
      for (let i = 0; i < d.length; i += 4) {
        lo = Math.min(lo, d[i]);
        hi = Math.max(hi, d[i]);
      }
      return { w: c.width, h: c.height, lo, hi };
    });
  expect(spread).toMatchObject({ w: 28, h: 28, lo: 0, hi: 255 });
  if (flips > 24) {
    await page.getByTestId('flips.next').click();
    await expect(page.getByTestId('flips.page')).toContainText('Page 2');
    await expect(grid.locator('li.flip-cell canvas').first()).toBeVisible();
  }
  await page.getByTestId('flips.filter-gained').click();
  const gained = Number(await grid.getAttribute('data-total'));
  if (gained > 0) await expect(cells.first()).toHaveAttribute('data-kind', 'gained');

  // 3. The HTML report: the run's numbers, no URL to fetch.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('report.download').click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/\.report\.html$/);
  const html = readFileSync((await download.path())!, 'utf8');
  const acc = await studio.number(studio.accuracy);
  expect(html).toContain(`<span data-metric="accuracy">${(100 * acc).toFixed(2)} %</span>`);
  expect(html).not.toMatch(/https?:|<script|\ssrc=|\shref=/i);
  expect(html).toContain('WT (magnitude)');

  // 4. Keep two runs.
  await keep(studio, page, 'wt at 90');
  await studio.method.selectOption('sipp');
  await studio.resultFor(0.9, 'sipp');
  await classesFor(page, 'sipp', 0.9);
  await keep(studio, page, 'sipp at 90');
  const sippAcc = await studio.number(studio.accuracy);

  // Reload: both are listed with their numbers.
  await page.reload();
  const list = page.getByTestId('history.list');
  await expect(list).toHaveAttribute('data-count', '2', { timeout: 30_000 });
  await expect(list.locator('tr[data-name="sipp at 90"]')).toHaveAttribute('data-accuracy', String(sippAcc));
  await expect(list.locator('tr[data-name="wt at 90"]')).toHaveAttribute('data-accuracy', String(acc));

  // 5. Compare: settings side by side, and the samples they disagree on (same model and batch).
  await expect(page.getByTestId('compare.open')).toBeDisabled();
  for (const r of await list.locator('[data-testid="history.select"]').all()) await r.check();
  await page.getByTestId('compare.open').click();
  const view = page.getByTestId('compare.view');
  await expect(view).toBeVisible();
  await expect(view.getByTestId('compare.table')).toContainText('wt at 90');
  await expect(view.getByTestId('compare.table').locator('tr[data-row="method"]')).toContainText('SiPP');
  await expect(view.getByTestId('compare.layers').locator('tbody tr')).toHaveCount(3);
  await expect(view.getByTestId('compare.classes').locator('tbody tr')).toHaveCount(10);
  expect(Number(await view.getByTestId('compare.disagree').getAttribute('data-count'))).toBeGreaterThan(0);
  await expect(view.locator('svg').first()).toBeVisible();
  // The figures download as SVG and PNG.
  const [svgFile] = await Promise.all([
    page.waitForEvent('download'),
    view.getByRole('button', { name: 'Download SVG' }).first().click(),
  ]);
  expect(readFileSync((await svgFile.path())!, 'utf8')).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
  const [pngFile] = await Promise.all([
    page.waitForEvent('download'),
    view.getByRole('button', { name: 'PNG' }).first().click(),
  ]);
  expect(
    [...readFileSync((await pngFile.path())!).subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''),
  ).toBe('PNG');
  await studio.sensitivitiesDone();
  await expect(view.locator('.flip-cell canvas').first()).toBeVisible({ timeout: 30_000 });

  // 6. Delete one: the other stays, also after a reload.
  await list.locator('tr[data-name="wt at 90"] [data-testid="history.delete"]').click();
  await expect(list).toHaveAttribute('data-count', '1');
  await page.reload();
  await expect(list).toHaveAttribute('data-count', '1', { timeout: 30_000 });
  await expect(list.locator('tr[data-name="sipp at 90"]')).toHaveCount(1);
});

test('export and import reproduce the list; a full quota and another model are refused with a message', async ({
  studio,
  page,
}) => {
  // A switch the test flips to make the browser report its storage as full.
  await page.addInitScript(() => {
    const real = navigator.storage.estimate.bind(navigator.storage);
    (window as unknown as { fullQuota: boolean }).fullQuota = false;
    navigator.storage.estimate = async () =>
      (window as unknown as { fullQuota: boolean }).fullQuota
        ? { usage: 1_000_000, quota: 1_000_000 }
        : real();
  });
  await studio.open('?method=wt&sparsity=0.8&curves=');
  await studio.sensitivitiesDone();
  await studio.resultFor(0.8, 'wt');
  await classesFor(page, 'wt', 0.8);
  await keep(studio, page, 'first');
  const list = page.getByTestId('history.list');

  // Full: told so, and the kept run is still there.
  await page.evaluate(() => ((window as unknown as { fullQuota: boolean }).fullQuota = true));
  await page.getByTestId('history.keep-name').fill('second');
  await page.getByTestId('history.keep').click();
  await expect(page.getByTestId('runs.notice')).toHaveAttribute('data-kind', 'error');
  await expect(page.getByTestId('runs.notice')).toContainText(/nearly full.*unchanged/);
  await expect(list).toHaveAttribute('data-count', '1');
  await page.evaluate(() => ((window as unknown as { fullQuota: boolean }).fullQuota = false));

  // Export, delete, import: the same run back, with its numbers.
  const acc = await list.locator('tr[data-name="first"]').getAttribute('data-accuracy');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('history.export').click(),
  ]);
  const file = (await download.path())!;
  expect(JSON.parse(readFileSync(file, 'utf8')).runs).toHaveLength(1);
  await list.locator('tr[data-name="first"] [data-testid="history.delete"]').click();
  await expect(list).toHaveAttribute('data-count', '0');
  await page.getByTestId('history.import-file').setInputFiles(file);
  await expect(page.getByTestId('runs.notice')).toContainText('Imported 1 run');
  await expect(list.locator('tr[data-name="first"]')).toHaveAttribute('data-accuracy', acc!);

  // Rename.
  await list.locator('tr[data-name="first"] [data-testid="history.rename"]').click();
  await page.getByTestId('history.name-input').fill('renamed');
  await page.getByTestId('history.rename-save').click();
  await expect(list.locator('tr[data-name="renamed"]')).toHaveCount(1);

  // Another model: putting the run back on the slider is refused, naming both fingerprints.
  await page.getByRole('button', { name: /LeNet-5/ }).click();
  await expect(page.getByRole('heading', { name: /Model: lenet5/ })).toBeVisible({ timeout: 30_000 });
  await studio.sensitivitiesDone();
  await expect(page).toHaveURL(/[?&]model=[0-9a-f]{16}/);
  await list.locator('tr[data-name="renamed"] [data-testid="history.restore"]').click();
  await expect(page.getByTestId('runs.notice')).toContainText(
    /Refused: "renamed" was made on model lenet-300-100/,
  );
  await expect(studio.method).toHaveValue('wt');
});

// Issue 10, item 9: axe-core on the main states (the demo with its curves, the CNN demo, an
// error shown, the Retrain panel after a run), with no serious or critical violation; and the
// checks axe leaves out: text of disabled controls at 4.5:1, charts with a name and a text
// alternative, the method menu named by its label alone.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { writeBrokenModel } from './fixtures/files';
import { expect, test } from './fixtures/studio';

async function seriousViolations(page: Page, state: string): Promise<string[]> {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  // Guards against a run that checked nothing (an empty page, a rule set that matched no node).
  expect(r.passes.length, `${state}: axe rules that passed`).toBeGreaterThan(10);
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${state}: ${v.id} (${v.impact}) on ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Contrast of every disabled button's text with the background it sits on (axe skips them). */
async function disabledContrast(page: Page): Promise<{ text: string; ratio: number }[]> {
  return page.evaluate(() => {
    const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
    const lum = ([r, g, b]: number[]) => {
      const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const bg = (el: Element | null): number[] => {
      for (; el; el = el.parentElement) {
        const c = rgb(getComputedStyle(el).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    return [...document.querySelectorAll('button:disabled, select:disabled')].map((el) => {
      let opacity = 1;
      for (let e: Element | null = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
      const fg = rgb(getComputedStyle(el).color);
      const b = bg(el);
      // Opacity blends the text towards the background.
      const seen = fg.slice(0, 3).map((v, i) => opacity * v + (1 - opacity) * b[i]);
      const [hi, lo] = [lum(seen), lum(b)].sort((x, y) => y - x);
      return { text: (el.textContent ?? '').trim().slice(0, 40), ratio: (hi + 0.05) / (lo + 0.05) };
    });
  });
}

test('axe: no serious or critical violations on the main states', async ({ studio, retrain, page }) => {
  test.setTimeout(300_000);
  const found: string[] = [];

  // 1. The demo, loaded, with its curves.
  await studio.open('?curves=sipp,wt');
  await studio.sensitivitiesDone();
  await studio.resultFor(0.9, 'sipp');
  await expect(studio.chart).toHaveAttribute('data-running', 'false', { timeout: 120_000 });
  await page.getByText(/The curves as a table/).click();
  found.push(...(await seriousViolations(page, 'demo with curves')));
  // Charts: named, described, with a table.
  await expect(page.getByRole('figure', { name: /versus sparsity/ })).toHaveAttribute(
    'aria-describedby',
    'curves-alt',
  );
  await expect(page.locator('#curves-alt')).toContainText('WT (magnitude)');
  await expect(page.getByTestId('curve.table').locator('tbody tr').first()).toBeVisible();
  await expect(page.getByRole('figure', { name: /Sensitivity distribution of layer/ })).toBeVisible();
  const prune = page.getByRole('region', { name: 'Prune' });
  await expect(prune.getByRole('combobox', { name: 'Method', exact: true })).toBeVisible();
  await page.screenshot({ path: '/tmp/a11y-demo.png', fullPage: true });

  // 2. The CNN demo.
  await page.getByRole('button', { name: /LeNet-5/ }).click();
  await expect(page.getByRole('heading', { name: /Model: lenet5/ })).toBeVisible({ timeout: 30_000 });
  await studio.sensitivitiesDone();
  await studio.resultFor(0.9, 'sipp');
  found.push(...(await seriousViolations(page, 'CNN demo')));

  // 3. The Retrain panel after a short run.
  await page.getByRole('button', { name: /LeNet-300-100/ }).click();
  await studio.sensitivitiesDone();
  await studio.resultFor(0.9, 'sipp');
  await retrain.trainingSet(8101, 60_000);
  await retrain.configure({ epochs: 1, batchSize: 256 });
  await retrain.start.click();
  await retrain.finished(120_000);
  await retrain.panel.scrollIntoViewIfNeeded();
  found.push(...(await seriousViolations(page, 'Retrain panel after a run')));
  await expect(page.getByRole('figure', { name: /loss/i }).first()).toBeAttached();
  await page.screenshot({ path: '/tmp/a11y-retrain.png', fullPage: true });

  // 4. An error shown (and the disabled controls it leaves).
  const dir = mkdtempSync(join(tmpdir(), 'sipp-e2e-'));
  await studio.open('?demo=none&curves=');
  await expect(studio.badge).toHaveAttribute('data-backend', /.+/);
  await studio.drop.setInputFiles(writeBrokenModel(dir));
  await expect(studio.errors.first()).toBeVisible();
  found.push(...(await seriousViolations(page, 'error shown')));
  const disabled = await disabledContrast(page);
  expect(disabled.length).toBeGreaterThan(0);
  for (const d of disabled) expect(d.ratio, `disabled "${d.text}"`).toBeGreaterThanOrEqual(4.5);
  await page.screenshot({ path: '/tmp/a11y-error.png', fullPage: true });

  expect(found).toEqual([]);
});

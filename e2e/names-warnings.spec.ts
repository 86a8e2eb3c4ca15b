// A user's model is named after itself, the batch gets a careful colleague's warnings, and the
// default download is one .zip whose model.json says how it was made.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { encodeNpz } from '../src/core/export/npz';
import { loadModel } from '../src/core/model/load';
import { expect, test } from './fixtures/studio';

const DEMO = join(process.cwd(), 'public/demo/lenet-300-100');

/** The demo MLP as `emotion.json` + `emotion.weights.bin`, and 20 raw-pixel samples labelled 0..1. */
function writeUpload(dir: string) {
  const json = JSON.parse(readFileSync(join(DEMO, 'model.json'), 'utf8'));
  json.weightsManifest[0].paths = ['emotion.weights.bin'];
  writeFileSync(join(dir, 'emotion.json'), JSON.stringify(json));
  copyFileSync(join(DEMO, 'weights.bin'), join(dir, 'emotion.weights.bin'));
  const n = 20;
  let s = 7;
  const x = Uint8Array.from({ length: n * 784 }, () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 24) & 255);
  const y = Int32Array.from({ length: n }, (_, i) => i % 2);
  writeFileSync(
    join(dir, 'tiny.npz'),
    encodeNpz({ x: { shape: [n, 784], data: x }, y: { shape: [n], data: y } }),
  );
  return [join(dir, 'emotion.json'), join(dir, 'emotion.weights.bin'), join(dir, 'tiny.npz')];
}

test('names the model after its files, warns about a tiny batch, downloads a zip with metadata; a rename renames it', async ({
  studio,
  page,
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-e2e-names-'));
  await studio.open('?demo=none&curves=');
  await expect(studio.badge).toHaveAttribute('data-backend', /.+/);
  await studio.drop.setInputFiles(writeUpload(dir));

  await expect(page.getByRole('heading', { name: /^Model: emotion$/ })).toBeVisible();
  await expect(page.getByTestId('model.name')).toHaveValue('emotion');

  const warnings = page.getByTestId('batch.warnings');
  await expect(warnings).toBeVisible({ timeout: 60_000 });
  const codes = await warnings
    .locator('li')
    .evaluateAll((lis) => lis.map((li) => li.getAttribute('data-code')));
  expect(codes).toEqual(expect.arrayContaining(['few-samples', 'input-range', 'labels-subset']));
  await expect(warnings.locator('li[data-code="input-range"]')).toContainText('turn on divide by 255');
  await expect(warnings.locator('li[data-code="few-samples"]')).toContainText(
    /Accuracy on \d+ samples moves in steps of/,
  );

  await studio.sensitivitiesDone();
  await studio.method.selectOption('wt');
  await studio.setSparsity(0.5);
  await studio.resultFor(0.5, 'wt');

  const downloads: { name: string; path: string }[] = [];
  page.on('download', async (d) => downloads.push({ name: d.suggestedFilename(), path: await d.path() }));
  await studio.download.click();
  await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(1);
  await expect.poll(() => downloads.every((d) => d.path)).toBe(true);
  expect(downloads[0].name).toBe('emotion.wt-50.0pct.zip');

  const inside = unzipSync(new Uint8Array(readFileSync(downloads[0].path)));
  expect(Object.keys(inside).sort()).toEqual(['emotion.wt-50.0pct.json', 'emotion.wt-50.0pct.weights.bin']);
  await tf.setBackend('cpu');
  const loaded = await loadModel(Object.entries(inside).map(([name, data]) => ({ name, data })));
  expect(loaded.name).toBe('emotion.wt-50.0pct');
  loaded.model.dispose();
  const json = JSON.parse(new TextDecoder().decode(inside['emotion.wt-50.0pct.json']));
  const meta = json.userDefinedMetadata.sippStudio;
  expect(meta).toMatchObject({ tool: 'SiPP Studio', method: 'wt', targetSparsity: 0.5 });
  expect(meta.achievedSparsity).toBeCloseTo(0.5, 2);
  expect(typeof meta.seed).toBe('number');
  expect(meta.sensitivityPoints).toBeGreaterThan(0);
  expect(meta.toolVersion).toMatch(/^\d+\.\d+\.\d+/);
  expect(Date.parse(meta.date)).toBeGreaterThan(0);

  // Renamed: the heading and the next download follow.
  await page.getByTestId('model.name').fill('faces v2');
  await expect(page.getByRole('heading', { name: /^Model: faces_v2$/ })).toBeVisible();
  await expect(page.getByTestId('export.which')).toContainText('faces_v2.wt-50.0pct.zip');
  await studio.download.click();
  await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(2);
  expect(downloads[1].name).toBe('faces_v2.wt-50.0pct.zip');
});

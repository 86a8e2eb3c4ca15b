// Three different models in one session (two demos, then a user's upload): each is named after
// itself, the three downloads never collide, and each .zip's model.json points at its own weights.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { encodeNpz } from '../src/core/export/npz';
import { loadModel } from '../src/core/model/load';
import { expect, test } from './fixtures/studio';

const DEMO = join(process.cwd(), 'public/demo/lenet-300-100');

test('three models, three names, three downloads that each hold their own weights', async ({
  studio,
  page,
}) => {
  test.setTimeout(180_000);
  const downloads: { name: string; path: string }[] = [];
  page.on('download', async (d) => downloads.push({ name: d.suggestedFilename(), path: await d.path() }));
  const download = async (n: number) => {
    await studio.resultFor(0.5, 'wt');
    await studio.download.click();
    await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(n);
    await expect.poll(() => downloads.every((d) => d.path)).toBe(true);
  };

  await studio.open('?demo=lenet-300-100&method=wt&sparsity=0.5&curves=');
  await studio.sensitivitiesDone();
  await download(1);

  await page.getByTestId('demo.load-lenet5').click();
  await expect(page.getByRole('heading', { name: /^Model: lenet5$/ })).toBeVisible({ timeout: 30_000 });
  await studio.sensitivitiesDone();
  await download(2);

  const dir = mkdtempSync(join(tmpdir(), 'sipp-e2e-three-'));
  const json = JSON.parse(readFileSync(join(DEMO, 'model.json'), 'utf8'));
  json.weightsManifest[0].paths = ['digits-mlp.weights.bin'];
  writeFileSync(join(dir, 'digits-mlp.json'), JSON.stringify(json));
  copyFileSync(join(DEMO, 'weights.bin'), join(dir, 'digits-mlp.weights.bin'));
  const x = new Float32Array(200 * 784).map((_, i) => ((i * 2654435761) % 1000) / 1000);
  const y = Int32Array.from({ length: 200 }, (_, i) => i % 10);
  writeFileSync(
    join(dir, 'b.npz'),
    encodeNpz({ x: { shape: [200, 784], data: x }, y: { shape: [200], data: y } }),
  );
  await studio.drop.setInputFiles([
    join(dir, 'digits-mlp.json'),
    join(dir, 'digits-mlp.weights.bin'),
    join(dir, 'b.npz'),
  ]);
  await expect(page.getByRole('heading', { name: /^Model: digits-mlp$/ })).toBeVisible({ timeout: 30_000 });
  await studio.sensitivitiesDone();
  await download(3);

  expect(downloads.map((d) => d.name)).toEqual([
    'lenet-300-100.wt-50.0pct.zip',
    'lenet5.wt-50.0pct.zip',
    'digits-mlp.wt-50.0pct.zip',
  ]);
  await tf.setBackend('cpu');
  const params: number[] = [];
  for (const d of downloads) {
    const inside = unzipSync(new Uint8Array(readFileSync(d.path)));
    const stem = d.name.replace(/\.zip$/, '');
    expect(Object.keys(inside).sort()).toEqual([`${stem}.json`, `${stem}.weights.bin`]);
    const manifest = JSON.parse(new TextDecoder().decode(inside[`${stem}.json`]));
    expect(manifest.weightsManifest[0].paths).toEqual([`${stem}.weights.bin`]);
    const loaded = await loadModel(Object.entries(inside).map(([name, data]) => ({ name, data })));
    params.push(loaded.model.countParams());
    loaded.model.dispose();
  }
  expect(params).toEqual([266_610, 61_706, 266_610]);
});

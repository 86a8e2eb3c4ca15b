// `report`: per-class accuracy and flipped samples of a pruned model against the original, checked
// against predictions recomputed here from the exported files.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpz } from '../core/export/npz';
import { exportModel } from '../core/export/model';
import { cli } from '../test-support/cli';
import { mlp } from '../test-support/models';
import { rng, useBackend } from '../test-support/tf-node';

const dir = mkdtempSync(join(tmpdir(), 'sipp-report-'));
for (const sub of ['dense', 'other']) mkdirSync(join(dir, sub));
const N = 200;
const POINTS = 20;
let x: Float32Array;
let labels: Int32Array;

async function predict(path: string): Promise<Int32Array> {
  const json = JSON.parse(readFileSync(join(path, 'model.json'), 'utf8'));
  const bin = readFileSync(join(path, json.weightsManifest[0].paths[0]));
  const m = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
    }),
  );
  const out = tf.tidy(() =>
    (m.predict(tf.tensor2d(x.subarray(POINTS * 20), [N - POINTS, 20])) as tf.Tensor).argMax(-1),
  );
  const cls = Int32Array.from(await out.data());
  out.dispose();
  m.dispose();
  return cls;
}

beforeAll(async () => {
  await useBackend('cpu');
  const model = mlp([20, 64, 5], 7, 0.05);
  for (const f of (await exportModel(model, { name: 'tiny' })).files)
    writeFileSync(join(dir, 'dense', f.name), f.data, { flag: 'w' });
  const r = rng(11);
  x = Float32Array.from({ length: N * 20 }, () => r());
  const y = tf.tidy(() => (model.predict(tf.tensor2d(x, [N, 20])) as tf.Tensor).argMax(-1).dataSync());
  // Some labels off, so the dense model is not perfect and "gained" samples can exist.
  labels = Int32Array.from(y, (v, i) => (i % 9 === 0 ? (v + 1) % 5 : v));
  writeFileSync(
    join(dir, 'batch.npz'),
    encodeNpz({ x: { shape: [N, 20], data: x }, y: { shape: [N], data: labels } }),
  );
  model.dispose();
});

describe('cli report', () => {
  it('per-class accuracy and the flipped samples equal those recomputed from the two exported models', async () => {
    const base = [
      '--model',
      join(dir, 'dense', 'model.json'),
      '--batch',
      join(dir, 'batch.npz'),
      '--points',
      String(POINTS),
    ];
    const p = await cli([
      'prune',
      ...base,
      '--sparsity',
      '0.85',
      '--method',
      'wt',
      '--out',
      join(dir, 'pruned'),
    ]);
    expect(p.code).toBe(0);
    const r = await cli(['report', ...base, '--pruned', join(dir, 'pruned', 'model.json'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    const dense = await predict(join(dir, 'dense'));
    const pruned = await predict(join(dir, 'pruned'));
    const y = labels.subarray(POINTS);
    const changed = [...dense.keys()].filter((i) => dense[i] !== pruned[i]);
    expect(changed.length).toBeGreaterThan(0);
    expect(j.flipped.changed).toEqual(changed);
    expect(j.flipped.lost).toEqual(changed.filter((i) => dense[i] === y[i]));
    expect(j.flipped.gained).toEqual(changed.filter((i) => pruned[i] === y[i]));
    for (const row of j.classes) {
      const idx = [...y.keys()].filter((i) => y[i] === row.cls);
      expect(row.samples).toBe(idx.length);
      expect(row.dense).toBeCloseTo(idx.filter((i) => dense[i] === row.cls).length / idx.length, 12);
      expect(row.pruned).toBeCloseTo(idx.filter((i) => pruned[i] === row.cls).length / idx.length, 12);
    }
    const changes = j.classes.map((c: { change: number }) => c.change);
    expect(changes).toEqual([...changes].sort((a: number, b: number) => a - b));
  });

  it('--html writes a self-contained report with the same numbers, fetching nothing', async () => {
    const base = [
      '--model',
      join(dir, 'dense', 'model.json'),
      '--batch',
      join(dir, 'batch.npz'),
      '--points',
      String(POINTS),
    ];
    const p = await cli([
      'prune',
      ...base,
      '--sparsity',
      '0.85',
      '--method',
      'wt',
      '--out',
      join(dir, 'pruned-html'),
    ]);
    expect(p.code).toBe(0);
    const file = join(dir, 'report.html');
    const r = await cli([
      'report',
      ...base,
      '--pruned',
      join(dir, 'pruned-html', 'model.json'),
      '--html',
      file,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.html.path).toBe(file);
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/https?:|<script|\ssrc=|\shref=/i);
    expect(html).toContain(`<span data-metric="accuracy">${(100 * j.accuracyPruned).toFixed(2)} %</span>`);
    expect(html).toContain(`<span data-metric="dense">${(100 * j.accuracyDense).toFixed(2)} %</span>`);
    expect(html).toContain('WT (magnitude)');
    // Every class row, with the CLI's numbers.
    for (const c of j.classes)
      expect(html).toContain(
        `<td>${c.cls}</td><td class="num">${c.samples}</td><td class="num">${(100 * c.dense).toFixed(1)} %</td>`,
      );
    // The fingerprint is the SHA-256 of the files, as the app computes it.
    const { createHash } = await import('node:crypto');
    const h = createHash('sha256');
    h.update(readFileSync(join(dir, 'dense', 'model.json')));
    const json = JSON.parse(readFileSync(join(dir, 'dense', 'model.json'), 'utf8'));
    h.update(readFileSync(join(dir, 'dense', json.weightsManifest[0].paths[0])));
    expect(html).toContain(h.digest('hex'));
  });

  it('refuses a pruned model of another shape, naming the file', async () => {
    const other = mlp([20, 8, 3], 1);
    for (const f of (await exportModel(other, { name: 'other' })).files)
      writeFileSync(join(dir, 'other', f.name), f.data);
    other.dispose();
    const base = ['--model', join(dir, 'dense', 'model.json'), '--batch', join(dir, 'batch.npz')];
    const r = await cli(['report', ...base, '--pruned', join(dir, 'other', 'model.json'), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('report-mismatch');
    expect(JSON.parse(r.stdout).error.message).toContain('other/model.json');
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { cli, loadWritten } from '../test-support/cli';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpz } from '../core/export/npz';
import { exportModel } from '../core/export/model';
import { expectClose, rng, useBackend } from '../test-support/tf-node';

const dir = mkdtempSync(join(tmpdir(), 'sipp-slim-'));

const N = 48;
let sparsity = 0;
let x: Float32Array;

beforeAll(async () => {
  await useBackend('cpu');
  // A small CNN whose channels 0-4 of c1 and 0-2 of c2 nobody reads (what a structured pruner leaves).
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({ inputShape: [12, 12, 2], filters: 10, kernelSize: 3, activation: 'relu', name: 'c1' }),
  );
  m.add(tf.layers.batchNormalization({ name: 'bn1' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'p1' }));
  m.add(tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', name: 'c2' }));
  m.add(tf.layers.flatten({ name: 'fl' }));
  m.add(tf.layers.dense({ units: 4, activation: 'softmax', name: 'out' }));
  const r = rng(3);
  const vals = m.weights.map((w) => {
    const shape = w.shape as number[];
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () =>
      w.name.includes('variance') ? 0.5 + r() : r() * 2 - 1,
    );
    if (w.name.startsWith('c2/kernel')) {
      // [3, 3, 10, 8]: input channels 0-4
      for (let i = 0; i < data.length; i++) if (Math.floor(i / 8) % 10 < 5) data[i] = 0;
    }
    if (w.name.startsWith('out/kernel')) {
      // rows (h·W + w)·8 + c for c in 0-2
      for (let i = 0; i < data.length; i++) if (Math.floor(i / 4) % 8 < 3) data[i] = 0;
    }
    return tf.tensor(data, shape);
  });
  m.setWeights(vals);
  vals.forEach((t) => t.dispose());
  const all = m.getWeights().map((t) => t.dataSync());
  const zeros = all.reduce((s, a) => s + a.filter((v) => v === 0).length, 0);
  sparsity = Math.round((zeros / m.countParams() + 0.02) * 1000) / 1000;
  for (const f of (await exportModel(m, { name: 'cnn' })).files) writeFileSync(join(dir, f.name), f.data);
  const rx = rng(4);
  x = Float32Array.from({ length: N * 12 * 12 * 2 }, () => rx());
  const y = tf.tidy(() => (m.predict(tf.tensor4d(x, [N, 12, 12, 2])) as tf.Tensor).argMax(-1).dataSync());
  writeFileSync(
    join(dir, 'batch.npz'),
    encodeNpz({ x: { shape: [N, 12, 12, 2], data: x }, y: { shape: [N], data: Int32Array.from(y) } }),
  );
  m.dispose();
});

describe('cli prune --slim', () => {
  it('writes the smaller model, same predictions as the zeroed one, with sizes, MACs and latency', async () => {
    const common = ['--model', join(dir, 'model.json'), '--batch', join(dir, 'batch.npz')];
    const opts = [
      '--sparsity',
      String(sparsity),
      '--method',
      'wt',
      '--points',
      '16',
      '--backend',
      'wasm',
      '--json',
    ];
    const [zeroed, slim] = await Promise.all([
      cli(['prune', ...common, ...opts, '--out', join(dir, 'zeroed')]),
      cli(['prune', ...common, ...opts, '--out', join(dir, 'slim'), '--slim']),
    ]);
    expect(zeroed.code, zeroed.stderr).toBe(0);
    expect(slim.code, slim.stderr).toBe(0);
    const j = JSON.parse(slim.stdout);
    expect(JSON.parse(zeroed.stdout).slim).toBeUndefined();
    expect(j.slim.paramsAfter).toBeLessThan(j.slim.paramsBefore);
    const c1 = j.slim.layers.find((l: { name: string }) => l.name === 'c1');
    const c2 = j.slim.layers.find((l: { name: string }) => l.name === 'c2');
    expect(c1.before).toBe(10);
    expect(c1.after).toBeLessThanOrEqual(5);
    expect(c2.after).toBeLessThanOrEqual(5);
    expect(j.slim.maxAbsDiff).toBeLessThan(1e-5);
    expect(j.macs.pruned).toBeLessThan(j.macs.dense);
    expect(j.latencyMs.dense).toBeGreaterThan(0);
    expect(j.latencyMs.pruned).toBeGreaterThan(0);
    expect(j.output.totalWeights).toBe(j.slim.paramsAfter);

    const a = await loadWritten(join(dir, 'zeroed'));
    const b = await loadWritten(join(dir, 'slim'));
    expect(b.countParams()).toBe(j.slim.paramsAfter);
    expect(b.inputs[0].shape).toEqual(a.inputs[0].shape);
    const xs = tf.tensor4d(x.subarray(0, 8 * 288), [8, 12, 12, 2]);
    const ya = tf.tidy(() => (a.predict(xs) as tf.Tensor).dataSync());
    const yb = tf.tidy(() => (b.predict(xs) as tf.Tensor).dataSync());
    expectClose(yb, ya, 1e-5, 1e-6);
    xs.dispose();
    a.dispose();
    b.dispose();
    process.stderr.write(
      `slim CNN on wasm: params ${j.slim.paramsBefore} -> ${j.slim.paramsAfter}, MACs ${j.macs.dense} -> ${j.macs.pruned}, ` +
        `latency (64/batch) ${j.latencyMs.dense} -> ${j.latencyMs.pruned} ms\n`,
    );
  }, 120_000);
});

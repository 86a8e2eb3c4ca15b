import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { cli } from '../test-support/cli';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpz } from '../core/export/npz';
import { parseNpy } from '../core/data/npy';
import { exportModel } from '../core/export/model';
import { mlp } from '../test-support/models';
import { rng, useBackend } from '../test-support/tf-node';

const dir = mkdtempSync(join(tmpdir(), 'sipp-cli-'));

beforeAll(async () => {
  await useBackend('cpu');
  const model = mlp([20, 100, 5], 4, 0.05);
  const files = (await exportModel(model, { name: 'tiny' })).files;
  for (const f of files) writeFileSync(join(dir, f.name), f.data);
  const r = rng(5);
  const n = 60;
  const x = Float32Array.from({ length: n * 20 }, () => r());
  const y = tf.tidy(() => (model.predict(tf.tensor2d(x, [n, 20])) as tf.Tensor).argMax(-1).dataSync());
  writeFileSync(
    join(dir, 'batch.npz'),
    encodeNpz({ x: { shape: [n, 20], data: x }, y: { shape: [n], data: Int32Array.from(y) } }),
  );
  model.dispose();
});

describe('cli', () => {
  it('says before the sensitivity pass what it will do, and reports the plan in --json', async () => {
    const args = ['sweep', '--model', join(dir, 'model.json'), '--batch', join(dir, 'batch.npz')];
    args.push('--methods', 'sipp', '--sparsities', '0.5', '--points', '12');
    const plain = await cli(args);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toMatch(
      /sensitivities: 12 points in chunks of 12 \(\d+ forward pass(es)?\), about \d+ MB of working memory; --points N/,
    );
    const j = JSON.parse((await cli([...args, '--json'])).stdout);
    expect(j.sensitivityPlan).toMatchObject({ points: 12, chunkPoints: 12 });
    expect(j.sensitivityPlan.workingBytes).toBeGreaterThan(4 * 4 * 100 * 5);
  });

  it('prune --json prints one JSON object that is true to the files written', async () => {
    const out = join(dir, 'out');
    const r = await cli([
      'prune',
      '--model',
      join(dir, 'model.json'),
      '--batch',
      join(dir, 'batch.npz'),
      '--sparsity',
      '0.7',
      '--method',
      'sipp',
      '--out',
      out,
      '--points',
      '20',
      '--backend',
      'cpu',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(j.method).toBe('sipp');
    expect(j.points).toBe(20);
    expect(j.evalPoints).toBe(40);
    expect(j.backend).toBe('cpu');
    expect(typeof j.accuracyBefore).toBe('number');
    expect(Math.abs(j.achievedSparsity - 0.7)).toBeLessThan(0.005 * 0.3);
    // Reload what was written with stock tfjs and count.
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    const bin = readFileSync(join(out, json.weightsManifest[0].paths[0]));
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      }),
    );
    const ws = model.getWeights().map((w) => w.dataSync());
    const total = ws.reduce((s, a) => s + a.length, 0);
    const zeros = ws.reduce((s, a) => s + a.filter((v) => v === 0).length, 0);
    expect(zeros / total).toBeCloseTo(j.achievedSparsity, 10);
    expect(j.layers.map((l: { name: string; nonzero: number }) => l.nonzero)).toEqual(
      ws
        .filter((_, i) => i % 2 === 0)
        .map((k, i) => k.filter((v) => v !== 0).length + ws[2 * i + 1].filter((v) => v !== 0).length),
    );
  });

  it('sensitivities writes one float32 array per prunable layer, shaped like its kernel', async () => {
    const out = join(dir, 's.npz');
    const r = await cli([
      'sensitivities',
      '--model',
      join(dir, 'model.json'),
      '--batch',
      join(dir, 'batch.npz'),
      '--out',
      out,
      '--points',
      '10',
      '--backend',
      'cpu',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const z = unzipSync(readFileSync(out));
    expect(Object.keys(z).sort()).toEqual(['fc1.npy', 'fc2.npy']);
    const a = parseNpy(z['fc1.npy'], 'fc1.npy');
    expect(a.shape).toEqual([20, 100]);
    expect(a.dtype).toBe('float32');
  });

  it('sweep --json has dense accuracy and one curve per method', async () => {
    const r = await cli([
      'sweep',
      '--model',
      join(dir, 'model.json'),
      '--batch',
      join(dir, 'batch.npz'),
      '--methods',
      'wt,random',
      '--sparsities',
      '0.5,0.8',
      '--backend',
      'cpu',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j.curves)).toEqual(['wt', 'random']);
    expect(j.curves.wt).toHaveLength(2);
    expect(j.curves.wt[1]).toMatchObject({ sparsity: 0.8 });
    expect(typeof j.dense.accuracy).toBe('number');
  });

  it.each([
    [
      ['prune', '--model', '/nope/model.json', '--batch', 'b.npz', '--sparsity', '0.5', '--out', 'o'],
      /not found: \/nope\/model.json/,
    ],
    [
      ['prune', '--model', 'M', '--batch', 'B', '--sparsity', '1.5', '--out', 'o'],
      /sparsity must be a number in \[0, 1\)/,
    ],
    [
      ['prune', '--model', 'M', '--batch', 'B', '--sparsity', '0.5', '--method', 'magic', '--out', 'o'],
      /unknown method 'magic'/,
    ],
    [
      ['prune', '--model', 'M', '--batch', 'B', '--sparsity', '0.5', '--points', '60', '--out', 'o'],
      /leave none for evaluation|none for evaluation/,
    ],
  ])('fails clearly: %j', async (args, pattern) => {
    const a = args.map((v) => (v === 'M' ? join(dir, 'model.json') : v === 'B' ? join(dir, 'batch.npz') : v));
    const r = await cli([...a, '--backend', 'cpu', '--json']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(pattern);
    expect(JSON.parse(r.stdout).error.message).toMatch(pattern);
    expect(existsSync(join(dir, 'o'))).toBe(false);
  });
});

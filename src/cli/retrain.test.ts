// The retraining commands, spawned as a user runs them: finetune on the demo MLP, cascade and lottery
// on a tiny MLP, and the errors a user meets first.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { cli } from '../test-support/cli';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseNpy } from '../core/data/npy';
import { encodeNpy, encodeNpz } from '../core/export/npz';
import { exportModel } from '../core/export/model';
import { mlp } from '../test-support/models';
import { rng, useBackend } from '../test-support/tf-node';
import { stepFolder } from './retrain';

const dir = mkdtempSync(join(tmpdir(), 'sipp-cli-retrain-'));
const DEMO = 'public/demo';

/** Reloads a written model with stock tfjs (no tf.io.fileSystem in tfjs): every weight's values. */
async function reload(folder: string): Promise<Float32Array[]> {
  const json = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
  const bin = readFileSync(join(folder, json.weightsManifest[0].paths[0]));
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }),
  );
  const ws = model.getWeights().map((w) => w.dataSync() as Float32Array);
  model.dispose();
  return ws;
}

function zerosOf(ws: Float32Array[]): { zeros: number; total: number } {
  return {
    zeros: ws.reduce((s, a) => s + a.filter((v) => v === 0).length, 0),
    total: ws.reduce((s, a) => s + a.length, 0),
  };
}

const tiny = (f: string) => join(dir, f);

beforeAll(async () => {
  await useBackend('cpu');
  // The first 2,000 digits of the demo training set (uint8, as the demo ships them).
  const z = unzipSync(readFileSync(join(DEMO, 'mnist-train-8101.npz')));
  const x = parseNpy(z['x.npy'], 'x.npy');
  const y = parseNpy(z['y.npy'], 'y.npy');
  const n = 2000;
  writeFileSync(
    tiny('mnist-train-2000.npz'),
    encodeNpz({
      x: { shape: [n, 784], data: Uint8Array.from((x.data as Uint8Array).subarray(0, n * 784)) },
      y: { shape: [n], data: Int32Array.from(Array.from(y.data as ArrayLike<number>).slice(0, n)) },
    }),
  );

  // A tiny MLP, its "initial weights" (same topology, other values), one of another topology,
  // a labelled batch and a labelled training set (an x.npy,y.npy pair), and broken training sets.
  const model = mlp([20, 100, 5], 4, 0.05);
  for (const f of (await exportModel(model, { name: 'tiny' })).files) writeFileSync(tiny(f.name), f.data);
  for (const [sub, m] of [
    ['init', mlp([20, 100, 5], 9)],
    ['other', mlp([20, 50, 5], 9)],
  ] as const) {
    mkdirSync(tiny(sub));
    for (const f of (await exportModel(m, { name: sub })).files)
      writeFileSync(join(tiny(sub), f.name), f.data);
    m.dispose();
  }
  const r = rng(5);
  const sample = (count: number) => {
    const xs = Float32Array.from({ length: count * 20 }, () => r());
    const ys = tf.tidy(() =>
      (model.predict(tf.tensor2d(xs, [count, 20])) as tf.Tensor).argMax(-1).dataSync(),
    );
    return { x: xs, y: Int32Array.from(ys) };
  };
  const b = sample(80);
  writeFileSync(
    tiny('batch.npz'),
    encodeNpz({ x: { shape: [80, 20], data: b.x }, y: { shape: [80], data: b.y } }),
  );
  const t = sample(200);
  writeFileSync(tiny('train_x.npy'), encodeNpy({ shape: [200, 20], data: t.x }));
  writeFileSync(tiny('train_y.npy'), encodeNpy({ shape: [200], data: t.y }));
  writeFileSync(
    tiny('wrong-shape.npz'),
    encodeNpz({ x: { shape: [200, 7], data: t.x.subarray(0, 1400) }, y: { shape: [200], data: t.y } }),
  );
  const bad = Int32Array.from(t.y);
  bad[17] = 7;
  writeFileSync(
    tiny('bad-labels.npz'),
    encodeNpz({ x: { shape: [200, 20], data: t.x }, y: { shape: [200], data: bad } }),
  );
  model.dispose();
});

const tinyArgs = (cmd: string) => [
  cmd,
  '--model',
  tiny('model.json'),
  '--batch',
  tiny('batch.npz'),
  '--points',
  '20',
  '--backend',
  'cpu',
  '--json',
];

describe('cli retraining', () => {
  it('finetune --json at 0.9 (1 epoch, 2,000 digits) beats prune-only; the model it writes reloads', async () => {
    const out = join(dir, 'ft');
    const r = await cli([
      'finetune',
      '--model',
      join(DEMO, 'lenet-300-100/model.json'),
      '--batch',
      join(DEMO, 'mnist-holdout-1000.npz'),
      '--train',
      tiny('mnist-train-2000.npz'),
      '--scale-uint8',
      '--sparsity',
      '0.9',
      '--epochs',
      '1',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      command: 'finetune',
      method: 'sipp',
      protocol: 'one-shot',
      trainSamples: 2000,
    });
    expect(j.settings).toMatchObject({
      epochs: 1,
      optimizer: 'adam',
      batchSize: 64,
      distill: 'auto',
      seed: 0,
    });
    expect(j.accuracyBefore).toBeGreaterThan(0.9);
    expect(j.steps).toHaveLength(1);
    const s = j.steps[0];
    expect(s.targetSparsity).toBe(0.9);
    expect(Math.abs(s.achievedSparsity - 0.9)).toBeLessThan(0.005 * 0.1);
    expect(s.history).toHaveLength(1);
    expect(Object.keys(s.history[0])).toEqual(
      expect.arrayContaining(['epoch', 'loss', 'accuracy', 'agreement', 'seconds']),
    );
    expect(s.diverged).toBeNull();
    expect(s.loss).toBe('labels');
    expect(s.retrained.accuracy).toBeGreaterThan(s.pruned.accuracy + 0.02);
    expect(s.retrained.accuracy).toBe(s.history[0].accuracy);
    // The files hold exactly what was reported.
    expect(s.output.dir).toBe(out);
    expect(readdirSync(out).sort()).toEqual([...s.output.files].sort());
    const { zeros, total } = zerosOf(await reload(out));
    expect(total).toBe(s.totalParams);
    expect(total - zeros).toBe(s.nonzeroParams);
    expect(total - zeros).toBe(s.output.nonzeroParams);
    expect(zeros / total).toBeCloseTo(s.achievedSparsity, 10);
  });

  it('cascade with 2 sparsities (--split) writes one sub-folder per step, sparsity increasing', async () => {
    const out = join(dir, 'cascade');
    const r = await cli([
      ...tinyArgs('cascade'),
      '--split',
      '0.5',
      '--seed',
      '3',
      '--sparsities',
      '0.5,0.8',
      '--epochs',
      '2',
      '--batch-size',
      '8',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.protocol).toBe('cascade');
    expect(j.train.split).toMatch(/Split batch\.npz \(seed 3\): 40 samples for training, 40 for the batch/);
    expect(j.trainSamples).toBe(40);
    expect(j.evalPoints).toBe(20);
    expect(readdirSync(out).sort()).toEqual(['sparsity-50', 'sparsity-80']);
    expect(j.steps.map((s: { targetSparsity: number }) => s.targetSparsity)).toEqual([0.5, 0.8]);
    const found = [];
    for (const s of j.steps) {
      expect(s.history).toHaveLength(2);
      expect(s.output.dir).toBe(join(out, stepFolder(s.targetSparsity)));
      const { zeros, total } = zerosOf(await reload(s.output.dir));
      expect(zeros / total).toBeCloseTo(s.achievedSparsity, 10);
      found.push(zeros / total);
    }
    expect(found[0]).toBeGreaterThan(0.49);
    expect(found[1]).toBeGreaterThan(found[0] + 0.25);
  });

  it('lottery (--train x.npy,y.npy) writes three arms, each reloadable at the same sparsity', async () => {
    const out = join(dir, 'lottery');
    const r = await cli([
      ...tinyArgs('lottery'),
      '--train',
      `${tiny('train_x.npy')},${tiny('train_y.npy')}`,
      '--init',
      tiny('init/model.json'),
      '--sparsity',
      '0.8',
      '--epochs',
      '1',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ protocol: 'lottery', method: 'sipp', init: tiny('init/model.json') });
    expect(j.trainSamples).toBe(200);
    expect(j.arms.map((a: { arm: string }) => a.arm)).toEqual(['ticket', 'fresh-init', 'random-mask']);
    expect(readdirSync(out).sort()).toEqual(['fresh-init', 'random-mask', 'ticket']);
    for (const a of j.arms) {
      expect(a.history).toHaveLength(1);
      expect(typeof a.atStart.agreement).toBe('number');
      expect(typeof a.retrained.agreement).toBe('number');
      expect(a.output.dir).toBe(join(out, a.arm));
      const { zeros, total } = zerosOf(await reload(a.output.dir));
      expect(zeros / total).toBeCloseTo(a.achievedSparsity, 10);
      // At least the target: the initial weights' zero biases may add zeros that training keeps.
      expect(a.achievedSparsity).toBeGreaterThan(0.795);
      expect(a.achievedSparsity).toBeLessThan(0.9);
    }
  });

  it('prints epoch lines to stderr and a table per step without --json', async () => {
    const r = await cli([
      ...tinyArgs('finetune').filter((a) => a !== '--json'),
      '--train',
      `${tiny('train_x.npy')},${tiny('train_y.npy')}`,
      '--sparsity',
      '0.7',
      '--epochs',
      '2',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/epoch 1\/2 {2}loss \d+\.\d{4} {2}accuracy \d+\.\d{2} %/);
    expect(r.stderr).toMatch(/epoch 2\/2 /);
    expect(r.stdout).toMatch(/step 1 of 1: target 70\.00 %/);
    expect(r.stdout).toMatch(/pruned only/);
    expect(r.stdout).toMatch(/epoch 2 +\d+\.\d{4}/);
    expect(r.stdout).toMatch(/written: nothing \(no --out\)/);
  });

  // Spawned side by side: each is a process start and a quick failure.
  it.concurrent.each([
    ['no-train', [], /needs a training set: --train <file>.*or --split F.*batch\.npz/],
    ['bad-argument', ['--train', 'T', '--split', '0.5'], /either --train .* or --split/],
    ['file-not-found', ['--train', '/nope/train.npz'], /training file not found: \/nope\/train\.npz/],
    ['train-shape', ['--train', 'wrong-shape.npz'], /wrong-shape\.npz.*\[7\]|wrong-shape\.npz.*7/],
    ['train-labels-range', ['--train', 'bad-labels.npz'], /bad-labels\.npz.*7/],
    ['bad-train-settings', ['--train', 'T', '--optimizer', 'rmsprop'], /optimizer must be one of adam, sgd/],
  ])('finetune fails clearly: %s', async (code, extra, pattern) => {
    const pair = `${tiny('train_x.npy')},${tiny('train_y.npy')}`;
    const a = extra.map((v) => (v === 'T' ? pair : v.endsWith('.npz') && !v.startsWith('/') ? tiny(v) : v));
    const out = join(dir, `err-${code}`);
    const r = await cli([...tinyArgs('finetune'), '--sparsity', '0.5', ...a, '--out', out]);
    expect(r.code).not.toBe(0);
    const j = JSON.parse(r.stdout);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(j.error.code).toBe(code);
    expect(j.error.message).toMatch(pattern);
    expect(r.stderr).toMatch(pattern);
    expect(existsSync(out)).toBe(false);
  });

  it('lottery refuses an --init model of another topology, naming the file', async () => {
    const out = join(dir, 'lottery-other');
    const r = await cli([
      ...tinyArgs('lottery'),
      '--train',
      `${tiny('train_x.npy')},${tiny('train_y.npy')}`,
      '--init',
      tiny('other/model.json'),
      '--sparsity',
      '0.8',
      '--out',
      out,
    ]);
    expect(r.code).not.toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.error.code).toBe('init-topology');
    expect(j.error.message).toContain(tiny('other/model.json'));
    expect(j.error.message).toMatch(/\[20, 50\].*\[20, 100\]/);
    expect(existsSync(out)).toBe(false);
  });

  it('names cascade folders by percent with at most 2 decimals', () => {
    expect([0.5, 0.9, 0.955, 0.9875, 0.98, 0].map(stepFolder)).toEqual([
      'sparsity-50',
      'sparsity-90',
      'sparsity-95.5',
      'sparsity-98.75',
      'sparsity-98',
      'sparsity-0',
    ]);
  });
});

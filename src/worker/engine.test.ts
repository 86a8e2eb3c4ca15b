// The worker's logic without a browser: files in any order -> workspace -> jobs under the lock,
// on the demo files, with the wasm backend as in Node.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../core';
import { useBackend } from '../test-support/tf-node';
import type { PoolFile } from './files';
import { Jobs } from './jobs';
import type { Event } from './protocol';
import { Workspace } from './workspace';

const DEMO = new URL('../../public/demo/', import.meta.url);
const read = (path: string, name = path): PoolFile => ({
  name,
  data: new Uint8Array(readFileSync(new URL(path, DEMO))),
  demo: false,
});

function harness(points = 24) {
  const ws = new Workspace();
  ws.options = { scaleUint8: false, points };
  const events: Event[] = [];
  const jobs = new Jobs(ws, (e) => events.push(e));
  return { ws, jobs, events };
}

describe('engine worker logic', () => {
  beforeAll(() => useBackend('wasm'));

  it('builds a session from files given one at a time, saying what is missing on the way', async () => {
    const { ws } = harness();
    ws.add([read('mnist-holdout-1000.npz')]);
    await ws.sync();
    expect(ws.summary().missing).toEqual(['model.json (a TensorFlow.js layers model)']);
    expect(ws.summary().batch?.samples).toBe(1000);

    ws.add([read('lenet5/model.json', 'lenet5/model.json')]);
    await ws.sync();
    expect(ws.summary().missing).toEqual(['weights.bin (a weight file named in lenet5/model.json)']);
    expect(ws.summary().ready).toBe(false);

    ws.add([read('lenet5/weights.bin', 'weights.bin')]);
    await ws.sync();
    const s = ws.summary();
    expect(s.missing).toEqual([]);
    expect(s.errors).toEqual([]);
    expect(s.ready).toBe(true);
    expect(s.model?.name).toBe('lenet5');
    expect(s.model?.layers.filter((l) => l.prunable).map((l) => l.className)).toEqual([
      'Conv2D',
      'Conv2D',
      'Dense',
      'Dense',
      'Dense',
    ]);
    // The flat MNIST batch is reshaped to the CNN's input, and the user is told.
    expect(s.batch?.shape).toEqual([1000, 28, 28, 1]);
    expect(s.batch?.notices.some((n) => n.includes('reshaped'))).toBe(true);
    expect(s.session).toMatchObject({ points: 24, evalPoints: 976 });
    ws.unload();
  });

  it('reports a broken model next to the model and recovers when the right file comes', async () => {
    const { ws } = harness();
    const bad: PoolFile = {
      name: 'model.json',
      data: new TextEncoder().encode('{"modelTopology": {"class_name": '),
      demo: false,
    };
    ws.add([bad, read('mnist-holdout-1000.npz')]);
    await ws.sync();
    const s = ws.summary();
    expect(s.ready).toBe(false);
    expect(s.errors).toHaveLength(1);
    expect(s.errors[0].where).toBe('model');
    expect(s.errors[0].message).toContain('model.json');
    ws.add([
      read('lenet-300-100/model.json', 'model.json'),
      read('lenet-300-100/weights.bin', 'weights.bin'),
    ]);
    await ws.sync();
    expect(ws.summary().errors).toEqual([]);
    expect(ws.summary().ready).toBe(true);
    ws.unload();
  });

  it('prepares, prunes (dropping a superseded slider request), sizes and exports; frees its tensors', async () => {
    const before = tf.memory().numTensors;
    const { ws, jobs } = harness();
    ws.add([
      read('lenet-300-100/model.json', 'lenet-300-100/model.json'),
      read('lenet-300-100/weights.bin', 'lenet-300-100/weights.bin'),
      read('mnist-holdout-1000.npz'),
    ]);
    await ws.sync();
    const prepared = await jobs.prepare({ type: 'prepare', id: 1, methods: ['sipp', 'sipp-det'] });
    if (prepared?.type !== 'prepared') throw new Error(`got ${JSON.stringify(prepared)}`);
    expect(prepared.report.dense.accuracy).toBeGreaterThan(0.9);
    expect(prepared.report.histograms.map((h) => h.layer)).toEqual(['fc1', 'fc2', 'fc3']);
    expect(prepared.report.histograms[0].total).toBe(784 * 300);

    const stale = jobs.prune({ type: 'prune', id: 2, method: 'wt', sparsity: 0.5, seed: 0 });
    const latest = jobs.prune({ type: 'prune', id: 3, method: 'wt', sparsity: 0.9, seed: 0 });
    expect((await stale)?.type).toBe('cancelled');
    const pruned = await latest;
    if (pruned?.type !== 'pruned') throw new Error(`got ${JSON.stringify(pruned)}`);
    expect(pruned.result.achievedSparsity).toBeCloseTo(0.9, 2);
    const fc1 = pruned.result.layers.find((l) => l.name === 'fc1')!;
    expect(fc1.nonzero).toBeLessThan(fc1.params);

    const size = await jobs.size({ type: 'size', id: 4, method: 'wt', sparsity: 0.9, seed: 0 });
    if (size?.type !== 'size') throw new Error(`got ${JSON.stringify(size)}`);
    expect(size.size.gzipBytes).toBeLessThan(size.size.denseGzipBytes / 3);

    const posted: Event[] = [];
    const exportJobs = new Jobs(ws, (e) => posted.push(e));
    await exportJobs.export({
      type: 'export',
      id: 5,
      method: 'wt',
      sparsity: 0.9,
      seed: 0,
      name: 'lenet.wt-90.0pct',
    });
    const ex = posted.find((e) => e.type === 'exported');
    if (ex?.type !== 'exported') throw new Error(`got ${JSON.stringify(posted)}`);
    const files = ex.result.files.map((f) => ({ name: f.name, data: new Uint8Array(f.data) }));
    expect(files.map((f) => f.name)).toEqual(['model.json', 'lenet.wt-90.0pct.weights.bin']);
    const w = new Float32Array(files[1].data.buffer.slice(0));
    const zeros = w.reduce((n, v) => n + (v === 0 ? 1 : 0), 0);
    expect(zeros / w.length).toBeCloseTo(pruned.result.achievedSparsity, 3);
    ws.unload();
    expect(tf.memory().numTensors).toBe(before);

    const reloaded = await loadModel(files);
    expect(reloaded.model.layers.map((l) => l.name)).toEqual(['fc1', 'fc2', 'fc3']);
    reloaded.model.dispose();
  });

  it('streams curve points, and a sweep whose session is replaced ends as cancelled', async () => {
    const { ws, jobs, events } = harness();
    ws.add([
      read('lenet-300-100/model.json', 'm/model.json'),
      read('lenet-300-100/weights.bin', 'm/weights.bin'),
      read('mnist-holdout-1000.npz'),
    ]);
    await ws.sync();
    const done = await jobs.sweep({
      type: 'sweep',
      id: 7,
      methods: ['wt', 'random'],
      sparsities: [0.5, 0.9],
      seed: 1,
    });
    expect(done).toEqual({ type: 'sweep-done', id: 7, points: 4 });
    const pts = events
      .filter((e) => e.type === 'curve-point')
      .map((e) => (e.type === 'curve-point' ? e.point : null)!);
    expect(pts.map((p) => `${p.method}@${p.sparsity}`)).toEqual([
      'wt@0.5',
      'random@0.5',
      'wt@0.9',
      'random@0.9',
    ]);
    const wt90 = pts.find((p) => p.method === 'wt' && p.sparsity === 0.9)!;
    const rnd90 = pts.find((p) => p.method === 'random' && p.sparsity === 0.9)!;
    expect(wt90.accuracy!).toBeGreaterThan(rnd90.accuracy!);

    const running = jobs.sweep({
      type: 'sweep',
      id: 8,
      methods: ['wt'],
      sparsities: [0.5, 0.6, 0.7, 0.8],
      seed: 1,
    });
    await new Promise((r) => setTimeout(r, 0));
    jobs.cancelAll();
    ws.options = { scaleUint8: false, points: 30 };
    await jobs.lock.run(5, () => ws.sync());
    expect(await running).toEqual({ type: 'cancelled', id: 8 });
    ws.unload();
  });
});

describe('files that are not ours', () => {
  it('says so for a stray file and for a Keras .h5, in words', async () => {
    const ws = new Workspace();
    ws.add([
      { name: 'notes.txt', data: new Uint8Array(3), demo: false },
      { name: 'weights.h5', data: new Uint8Array(3), demo: false },
    ]);
    await ws.sync();
    const messages = ws.summary().errors.map((e) => `${e.where}: ${e.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^files: notes\.txt is not a model\.json/),
      expect.stringMatching(/^files: weights\.h5 is a Keras HDF5 file/),
    ]);
  });
});

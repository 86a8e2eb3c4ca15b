// The worker's retraining logic without a browser, on the demo LeNet-300-100 (wasm as in Node): a
// training set in the workspace (kept bytes, errors that keep what was there, a split of the batch),
// one-shot fine-tuning with its events, the export of the retrained weights, cancel, the lottery.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpz, loadModel } from '../core';
import { parseNpz } from '../core/data/npz';
import { useBackend } from '../test-support/tf-node';
import type { PoolFile } from './files';
import { Jobs } from './jobs';
import type { Event } from './protocol';
import { TrainJobs } from './train-jobs';
import { Workspace } from './workspace';

const DEMO = new URL('../../public/demo/', import.meta.url);
const read = (path: string, name = path, demo = false): PoolFile => ({
  name,
  data: new Uint8Array(readFileSync(new URL(path, DEMO))),
  demo,
});

/** The first `n` demo digits as raw 0..255 bytes, as numpy would save a uint8 MNIST slice. */
function uint8Set(n: number, name = 'train-u8.npz', label = (y: number) => y): PoolFile {
  const npz = parseNpz(new Uint8Array(readFileSync(new URL('mnist-holdout-1000.npz', DEMO))), 'demo');
  const x = Uint8Array.from(npz.x.data.subarray(0, n * 784), (v) => Math.round(255 * v));
  const y = Int32Array.from(npz.y!.data.subarray(0, n), label);
  return {
    name,
    data: encodeNpz({ x: { shape: [n, 784], data: x }, y: { shape: [n], data: y } }),
    demo: false,
  };
}

async function harness() {
  const ws = new Workspace();
  ws.options = { scaleUint8: true, points: 24 };
  const events: Event[] = [];
  const post = (e: Event) => events.push(e);
  const jobs = new Jobs(ws, post);
  const train = new TrainJobs(ws, jobs, post);
  ws.add([
    read('lenet-300-100/model.json', 'lenet-300-100/model.json'),
    read('lenet-300-100/weights.bin', 'lenet-300-100/weights.bin'),
    read('mnist-holdout-1000.npz'),
  ]);
  await ws.sync();
  return { ws, jobs, train, events };
}

const of = <T extends Event['type']>(events: Event[], type: T) =>
  events.filter((e): e is Extract<Event, { type: T }> => e.type === type);

describe('training data in the workspace', () => {
  beforeAll(() => useBackend('wasm'));

  it('keeps uint8 training samples as bytes on the given buffer, scaled per minibatch when asked', async () => {
    const { ws } = await harness();
    const file = uint8Set(300);
    ws.setTrainingFiles([file]);
    const t = ws.training.summary();
    expect(t.errors).toEqual([]);
    expect(t.set).toMatchObject({
      samples: 300,
      shape: [300, 784],
      labelled: true,
      dtype: 'uint8',
      looksUint8: true,
      scaled: true,
      bytes: 300 * 784,
      split: null,
    });
    expect(ws.training.set!.x).toBeInstanceOf(Uint8Array);
    ws.unload();
  });

  it('fits the demo training split to both demo models (the CNN gets it reshaped)', async () => {
    const { ws } = await harness();
    ws.setTrainingFiles([read('mnist-train-8101.npz', 'mnist-train-8101.npz', true)]);
    expect(ws.training.summary().set).toMatchObject({
      samples: 8101,
      shape: [8101, 784],
      dtype: 'uint8',
      scaled: true,
    });
    ws.add([
      read('lenet5/model.json', 'lenet5/model.json', true),
      read('lenet5/weights.bin', 'lenet5/weights.bin', true),
    ]);
    await ws.sync();
    const t = ws.training.summary();
    expect(t.errors).toEqual([]);
    expect(t.set).toMatchObject({ samples: 8101, shape: [8101, 28, 28, 1], demo: true });
    expect(t.set?.notices.some((n) => n.includes('reshaped'))).toBe(true);
    // A user's model: the demo's training data is not for it.
    ws.add([
      read('lenet-300-100/model.json', 'mine/model.json'),
      read('lenet-300-100/weights.bin', 'mine/weights.bin'),
    ]);
    await ws.sync();
    expect(ws.training.summary().set).toBeNull();
    ws.unload();
  });

  it('names the file of a set that fails and keeps the one loaded before, and the session', async () => {
    const { ws } = await harness();
    ws.setTrainingFiles([uint8Set(200, 'good.npz')]);
    const generation = ws.generation;
    ws.setTrainingFiles([uint8Set(50, 'labels-11.npz', () => 11)]);
    let t = ws.training.summary();
    expect(t.errors).toHaveLength(1);
    expect(t.errors[0]).toMatchObject({ where: 'train', code: 'train-labels-range' });
    expect(t.errors[0].message).toContain('labels-11.npz');
    expect(t.set?.source).toContain('good.npz');

    const wrong: PoolFile = {
      name: 'wrong-shape.npz',
      data: encodeNpz({ x: { shape: [4, 10], data: new Float32Array(40) } }),
      demo: false,
    };
    ws.setTrainingFiles([wrong]);
    t = ws.training.summary();
    expect(t.errors[0]).toMatchObject({ code: 'train-shape' });
    expect(t.errors[0].message).toContain('wrong-shape.npz');

    ws.training.maxBytes = 1000;
    ws.setTrainingFiles([uint8Set(100, 'big.npz')]);
    expect(ws.training.summary().errors[0]).toMatchObject({ code: 'train-too-large' });
    expect(ws.training.summary().set?.source).toContain('good.npz');
    expect(ws.generation).toBe(generation);
    expect(ws.summary().ready).toBe(true);
    ws.unload();
  });

  it('splits the batch when asked: training on one part, the session on the other', async () => {
    const { ws } = await harness();
    ws.options = { ...ws.options, trainSplit: { fraction: 0.8, seed: 3 } };
    await ws.sync();
    const t = ws.training.summary();
    expect(t.set?.samples).toBe(800);
    expect(t.set?.split).toMatch(/800 samples for training, 200 for the batch/);
    expect(ws.session!.points + ws.session!.evalPoints).toBe(200);
    // The uint8 switch does not rebuild a session whose batch is not 0..255.
    const g = ws.generation;
    ws.options = { ...ws.options, scaleUint8: false };
    await ws.sync();
    expect(ws.generation).toBe(g);
    ws.unload();
  });
});

describe('retraining jobs', () => {
  beforeAll(() => useBackend('wasm'));

  it('fine-tunes one-shot above prune-only, streams epochs and ticks, exports the retrained weights', async () => {
    const before = tf.memory().numTensors;
    const { ws, jobs, train, events } = await harness();
    ws.setTrainingFiles([uint8Set(800)]);
    const done = await train.train({
      type: 'train',
      id: 9,
      protocol: 'one-shot',
      method: 'wt',
      sparsities: [0.95],
      settings: { epochs: 1, batchSize: 64 },
      pruneSeed: 0,
    });
    expect(done).toEqual({ type: 'train-done', id: 9, steps: 1 });
    const [step] = of(events, 'train-step-done').map((e) => e.step);
    expect(step).toMatchObject({ resultId: '9.0', protocol: 'one-shot', method: 'wt', targetSparsity: 0.95 });
    expect(step.retrained.accuracy!).toBeGreaterThan(step.before.accuracy!);
    expect(step.achievedSparsity).toBeCloseTo(0.95, 2);
    expect(step.history).toHaveLength(1);
    expect(of(events, 'train-epoch')).toHaveLength(1);
    const ticks = of(events, 'train-tick').map((e) => e.tick);
    expect(ticks.length).toBeGreaterThan(0);
    expect(ticks[ticks.length - 1]).toMatchObject({ epoch: 1, epochs: 1, batch: 13, batches: 13 });
    expect(of(events, 'progress').some((e) => e.progress.stage.startsWith('train'))).toBe(true);

    const posted: Event[] = [];
    const exporter = new Jobs(ws, (e) => posted.push(e));
    exporter.trainedLookup = train;
    await exporter.export({
      type: 'export',
      id: 10,
      method: 'wt',
      sparsity: 0.95,
      seed: 0,
      name: 'lenet.ft',
      resultId: step.resultId,
    });
    const ex = posted.find((e) => e.type === 'exported');
    if (ex?.type !== 'exported') throw new Error(`got ${JSON.stringify(posted)}`);
    const files = ex.result.files.map((f) => ({ name: f.name, data: new Uint8Array(f.data) }));
    const w = new Float32Array(files[1].data.buffer.slice(0));
    const zeros = w.reduce((n, v) => n + (v === 0 ? 1 : 0), 0);
    expect(zeros / w.length).toBeCloseTo(step.achievedSparsity, 4);

    // The slider still prunes the original (training restored it).
    const pruned = await jobs.prune({ type: 'prune', id: 11, method: 'wt', sparsity: 0.95, seed: 0 });
    if (pruned?.type !== 'pruned') throw new Error(`got ${JSON.stringify(pruned)}`);
    expect(pruned.result.eval.accuracy).toBeCloseTo(step.before.accuracy!, 6);
    ws.unload();
    expect(tf.memory().numTensors).toBe(before);
    const reloaded = await loadModel(files);
    reloaded.model.dispose();
  });

  it('stops a cascade on cancel, keeping the steps done, and frees the lock', async () => {
    const { ws, jobs, train, events } = await harness();
    ws.setTrainingFiles([uint8Set(800)]);
    const running = train.train({
      type: 'train',
      id: 20,
      protocol: 'cascade',
      method: 'wt',
      sparsities: [0.5, 0.8, 0.9],
      settings: { epochs: 2, batchSize: 32 },
      pruneSeed: 0,
    });
    await expect.poll(() => of(events, 'train-step-done').length, { timeout: 60_000 }).toBe(1);
    const t0 = performance.now();
    jobs.cancel(20);
    expect(await running).toEqual({ type: 'cancelled', id: 20 });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(of(events, 'train-step-done').map((e) => e.step.resultId)).toEqual(['20.0']);
    expect(train.trained('20.0').training.history).toHaveLength(2);
    expect(jobs.lock.busy).toBe(false);
    const pruned = await jobs.prune({ type: 'prune', id: 21, method: 'wt', sparsity: 0.5, seed: 0 });
    expect(pruned?.type).toBe('pruned');
    expect(() => train.trained('nope')).toThrow(/no longer kept/);
    ws.unload();
  });

  it('runs the lottery ticket from initial weights given in their slot, three arms', async () => {
    const { ws, train, events } = await harness();
    ws.setTrainingFiles([uint8Set(400)]);
    const req = {
      type: 'train' as const,
      id: 30,
      protocol: 'lottery' as const,
      method: 'wt' as const,
      sparsities: [0.9],
      settings: { epochs: 1, batchSize: 128 },
      pruneSeed: 0,
    };
    await expect(train.train(req)).rejects.toThrow(/initial weights/);
    // Two drops: model.json first (the shard is then missing), the shard after.
    await ws.training.setInit([read('lenet-300-100/model.json', 'init/model.json')]);
    expect(ws.training.summary().initMissing).toEqual([
      'weights.bin (a weight file named in init/model.json)',
    ]);
    await ws.training.setInit([read('lenet-300-100/weights.bin', 'init/weights.bin')]);
    expect(ws.training.summary()).toMatchObject({ initMissing: [], errors: [], init: { params: 266_610 } });
    expect(await train.train({ ...req, id: 31 })).toEqual({ type: 'train-done', id: 31, steps: 3 });
    const arms = of(events, 'train-step-done').map((e) => e.step);
    expect(arms.map((a) => a.arm)).toEqual(['ticket', 'fresh-init', 'random-mask']);
    expect(arms.map((a) => a.resultId)).toEqual(['31.ticket', '31.fresh-init', '31.random-mask']);
    for (const a of arms) expect(a.achievedSparsity).toBeCloseTo(0.9, 2);
    ws.unload();
  });
});

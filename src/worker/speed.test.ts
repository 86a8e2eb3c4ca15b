// The speed job and the slim export on the CNN demo, driven as the worker drives them (no browser):
// PFP at 50 % removes whole filters and units, so the slim model is smaller and computes what the
// zeroed one computes; the job is cancellable and frees every tensor it made.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../core';
import { useBackend } from '../test-support/tf-node';
import type { PoolFile } from './files';
import { Jobs } from './jobs';
import { measureSpeed } from './speed';
import type { Event } from './protocol';
import { Workspace } from './workspace';

const DEMO = new URL('../../public/demo/', import.meta.url);
const read = (path: string): PoolFile => ({
  name: path,
  data: new Uint8Array(readFileSync(new URL(path, DEMO))),
  demo: false,
});

async function lenet5() {
  const ws = new Workspace();
  ws.options = { scaleUint8: false, points: 24 };
  ws.add([read('lenet5/model.json'), read('lenet5/weights.bin'), read('mnist-holdout-1000.npz')]);
  await ws.sync();
  const posted: Event[] = [];
  const jobs = new Jobs(ws, (e) => posted.push(e));
  const prepared = await jobs.prepare({ type: 'prepare', id: 1, methods: ['pfp'] });
  expect(prepared?.type).toBe('prepared');
  return { ws, jobs, posted };
}

describe('speed job and slim export', () => {
  beforeAll(() => useBackend('wasm'));

  it('measures dense and slim (pfp at 50 %), exports the slim model, and frees its tensors', async () => {
    const before = tf.memory().numTensors;
    const { ws, jobs, posted } = await lenet5();
    const p = { method: 'pfp', sparsity: 0.5, seed: 0 } as const;
    const e = await jobs.speed({ type: 'speed', id: 2, ...p });
    if (e?.type !== 'speed') throw new Error(`got ${JSON.stringify(e)}`);
    const sp = e.speed;
    expect(sp).toMatchObject({ method: 'pfp', targetSparsity: 0.5, seed: 0, batch: 64, runs: 5, warmup: 2 });
    expect(sp.backend).toBe('wasm');
    expect(sp.params.dense).toBe(ws.summary().model!.totalParams);
    expect(sp.params.slim).toBeLessThan(sp.params.dense);
    expect(sp.macs.slim).toBeLessThan(sp.macs.dense);
    expect(sp.latencyMs.dense).toBeGreaterThan(0);
    expect(sp.latencyMs.slim).toBeGreaterThan(0);
    expect(sp.removedChannels).toBeGreaterThan(0);
    // Every kernel layer is listed; some lose channels, none reaches zero, the output keeps its 10.
    expect(sp.layers.length).toBeGreaterThanOrEqual(4);
    expect(sp.layers.some((l) => l.after < l.before)).toBe(true);
    for (const l of sp.layers) expect(l.after).toBeGreaterThanOrEqual(1);
    expect(sp.layers[sp.layers.length - 1].after).toBe(10);

    // The slim download: that many parameters, and the same answers as the zeroed download.
    const exportAs = async (id: number, slim: boolean) => {
      await jobs.export({ type: 'export', id, name: 'l', weights: 'float32', slim, ...p });
      const x = posted.find((q) => q.type === 'exported' && q.id === id);
      if (x?.type !== 'exported') throw new Error(`got ${JSON.stringify(posted)}`);
      return x.result;
    };
    const slim = await exportAs(3, true);
    const zeroed = await exportAs(4, false);
    expect(slim.slim).toBe(true);
    expect(zeroed.slim).toBe(false);
    expect(slim.totalParams).toBe(sp.params.slim);
    expect(zeroed.totalParams).toBe(sp.params.dense);
    expect(slim.rawBytes).toBeLessThan(zeroed.rawBytes);
    ws.unload();
    expect(tf.memory().numTensors).toBe(before);

    const load = (r: typeof slim) =>
      loadModel(r.files.map((f) => ({ name: f.name, data: new Uint8Array(f.data) })));
    const a = await load(slim);
    const b = await load(zeroed);
    expect(a.model.countParams()).toBe(sp.params.slim);
    const x = tf.randomUniform([8, 28, 28, 1]);
    const diff = tf.tidy(
      () =>
        (a.model.predict(x) as tf.Tensor)
          .sub(b.model.predict(x) as tf.Tensor)
          .abs()
          .max()
          .dataSync()[0],
    );
    expect(diff).toBeLessThan(1e-5);
    x.dispose();
    a.model.dispose();
    b.model.dispose();
  });

  it('a slim export keeps the weight format; a cancelled measurement answers cancelled, leak-free', async () => {
    const { ws, jobs, posted } = await lenet5();
    const p = { method: 'filter-norm', sparsity: 0.5, seed: 0 } as const;
    await jobs.export({ type: 'export', id: 2, name: 'l', weights: 'uint8', slim: true, ...p });
    const q = posted.find((e) => e.type === 'exported');
    if (q?.type !== 'exported') throw new Error(`got ${JSON.stringify(posted)}`);
    expect(q.result).toMatchObject({ weights: 'uint8', slim: true });
    const json = JSON.parse(new TextDecoder().decode(q.result.files[0].data));
    expect(
      json.weightsManifest[0].weights.every(
        (w: { quantization?: { dtype: string } }) => w.quantization?.dtype === 'uint8',
      ),
    ).toBe(true);

    const before = tf.memory().numTensors;
    const running = jobs.speed({ type: 'speed', id: 3, ...p });
    jobs.cancel(3);
    expect((await running)?.type).toBe('cancelled');
    // Cancelled once the slim model is built: it is freed, and the measurement stops there.
    const session = ws.session!;
    const result = await session.prune('filter-norm', 0.5, { seed: 0 });
    const aborted = new AbortController();
    aborted.abort();
    await expect(measureSpeed(session, result, p, aborted.signal)).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(tf.memory().numTensors).toBe(before);
    ws.unload();
  });
});

// The export job writes the weight format the request carries (the download box's choice).
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../core';
import { useBackend } from '../test-support/tf-node';
import type { PoolFile } from './files';
import { Jobs } from './jobs';
import type { Event, WeightFormat } from './protocol';
import { Workspace } from './workspace';

const DEMO = new URL('../../public/demo/', import.meta.url);
const read = (path: string): PoolFile => ({
  name: path,
  data: new Uint8Array(readFileSync(new URL(path, DEMO))),
  demo: false,
});

describe('export job: weight format', () => {
  beforeAll(() => useBackend('wasm'));

  it('writes float32 or the quantisation asked for; unknown formats are refused', async () => {
    const before = tf.memory().numTensors;
    const ws = new Workspace();
    ws.options = { scaleUint8: false, points: 24 };
    ws.add([
      read('lenet-300-100/model.json'),
      read('lenet-300-100/weights.bin'),
      read('mnist-holdout-1000.npz'),
    ]);
    await ws.sync();
    const posted: Event[] = [];
    const jobs = new Jobs(ws, (e) => posted.push(e));
    const exportAs = async (weights: WeightFormat | undefined, id: number) => {
      await jobs.export({ type: 'export', id, method: 'wt', sparsity: 0.9, seed: 0, name: 'l', weights });
      const e = posted.find((p) => p.type === 'exported' && p.id === id);
      if (e?.type !== 'exported') throw new Error(`got ${JSON.stringify(posted)}`);
      return e.result;
    };
    const f32 = await exportAs(undefined, 1);
    const q8 = await exportAs('uint8', 2);
    const f16 = await exportAs('float16', 3);
    expect([f32.weights, q8.weights, f16.weights]).toEqual(['float32', 'uint8', 'float16']);
    const weightsOf = (r: typeof f32) => r.files[1].data.byteLength;
    expect(weightsOf(f32)).toBe(4 * f32.totalParams);
    expect(weightsOf(q8)).toBe(f32.totalParams);
    expect(weightsOf(f16)).toBe(2 * f32.totalParams);
    for (const r of [f32, q8, f16]) {
      expect(r.rawBytes).toBe(r.files.reduce((s, f) => s + f.data.byteLength, 0));
      expect(r.gzipBytes).toBeLessThan(r.rawBytes);
      expect(r.clampedValues).toBe(0);
    }
    expect(q8.gzipBytes).toBeLessThan(f16.gzipBytes);
    expect(f16.gzipBytes).toBeLessThan(f32.gzipBytes);
    const json = JSON.parse(new TextDecoder().decode(q8.files[0].data));
    expect(
      json.weightsManifest[0].weights.map((w: { quantization?: { dtype: string } }) => w.quantization?.dtype),
    ).toEqual(['uint8', 'uint8', 'uint8', 'uint8', 'uint8', 'uint8']);
    await expect(
      jobs.export({
        type: 'export',
        id: 4,
        method: 'wt',
        sparsity: 0.9,
        seed: 0,
        name: 'l',
        weights: 'int4' as never,
      }),
    ).rejects.toMatchObject({ code: 'bad-argument' });
    ws.unload();
    expect(tf.memory().numTensors).toBe(before);

    const reloaded = await loadModel(q8.files.map((f) => ({ name: f.name, data: new Uint8Array(f.data) })));
    expect(reloaded.format.quantized).toEqual(['uint8']);
    reloaded.model.dispose();
  });

  it('measures the files as written: float32 zeroed is the readout, uint8 and slim are loaded back; a check sends none', async () => {
    const ws = new Workspace();
    ws.options = { scaleUint8: false, points: 24 };
    ws.add([
      read('lenet-300-100/model.json'),
      read('lenet-300-100/weights.bin'),
      read('mnist-holdout-1000.npz'),
    ]);
    await ws.sync();
    const posted: Event[] = [];
    const jobs = new Jobs(ws, (e) => posted.push(e));
    const run = async (id: number, weights: WeightFormat, slim: boolean, check: boolean) => {
      await jobs.export({
        type: 'export',
        id,
        method: 'pfp',
        sparsity: 0.6,
        seed: 0,
        name: 'l',
        weights,
        slim,
        check,
      });
      const e = posted.find((p) => p.type === 'exported' && p.id === id);
      if (e?.type !== 'exported') throw new Error(`got ${JSON.stringify(posted)}`);
      return e.result;
    };
    const plain = await run(1, 'float32', false, false);
    expect(plain.written).toBeNull();
    const saved = await run(2, 'uint8', true, false);
    const checked = await run(3, 'uint8', true, true);
    expect(checked.files).toEqual([]);
    expect(checked.check).toBe(true);
    expect(checked.rawBytes).toBe(saved.rawBytes);
    expect(checked.written).toEqual(saved.written);
    // Recomputed from the saved files with stock tfjs on the evaluation points (after the 24 S points).
    const json = JSON.parse(new TextDecoder().decode(saved.files[0].data));
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: saved.files[1].data,
      }),
    );
    const npz = readFileSync(new URL('mnist-holdout-1000.npz', DEMO));
    const { parseNpz } = await import('../core/data/npz');
    const batch = parseNpz(new Uint8Array(npz), 'b');
    const x = tf.tensor2d(Float32Array.from(batch.x.data.subarray(24 * 784)), [976, 784]);
    const cls = tf.tidy(() => (model.predict(x) as tf.Tensor).argMax(-1).dataSync());
    const right = cls.filter((c, i) => c === Number(batch.y!.data[24 + i])).length;
    expect(saved.written!.accuracy).toBe(right / 976);
    tf.dispose(x);
    model.dispose();
    ws.unload();
  });
});

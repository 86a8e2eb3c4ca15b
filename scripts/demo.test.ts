// Checks the committed demo files (made by scripts/train-demo.ts): they load with stock
// tf.loadLayersModel, and score on the held-out batch exactly what demo.json states (rounded down).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { unzipSync } from 'fflate';

const DEMO = join(dirname(fileURLToPath(import.meta.url)), '../public/demo');

interface DemoJson {
  models: {
    id: string;
    name: string;
    path: string;
    inputShape: number[];
    testAccuracy: number;
    description: string;
  }[];
  batch: { path: string; n: number; inputShape: number[]; labelled: boolean };
}

const demo = JSON.parse(readFileSync(join(DEMO, 'demo.json'), 'utf8')) as DemoJson;

/** Just enough .npy for the file we write: v1/v2 header, little-endian f4/i4, C order. */
function readNpy(bytes: Uint8Array): { shape: number[]; data: Float32Array | Int32Array } {
  const magic = String.fromCharCode(...bytes.subarray(1, 6));
  if (bytes[0] !== 0x93 || magic !== 'NUMPY') throw new Error('not a .npy file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new Error('Fortran order not expected');
  const body = bytes.slice(start + headerLen).buffer;
  if (descr === '<f4') return { shape, data: new Float32Array(body) };
  if (descr === '<i4') return { shape, data: new Int32Array(body) };
  throw new Error(`unexpected dtype ${descr}`);
}

async function loadModel(path: string): Promise<tf.LayersModel> {
  const dir = dirname(join(DEMO, path));
  const json = JSON.parse(readFileSync(join(DEMO, path), 'utf8'));
  expect(json.format).toBe('layers-model');
  const shards = json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths);
  const bytes = Buffer.concat(shards.map((p: string) => readFileSync(join(dir, p))));
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g: { weights: tf.io.WeightsManifestEntry[] }) => g.weights),
      weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    }),
  );
}

describe('committed demo files', () => {
  let x: Float32Array;
  let y: Int32Array;

  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const files = unzipSync(readFileSync(join(DEMO, demo.batch.path)));
    const xs = readNpy(files['x.npy']);
    const ys = readNpy(files['y.npy']);
    expect(xs.shape).toEqual([demo.batch.n, ...demo.batch.inputShape]);
    expect(ys.shape).toEqual([demo.batch.n]);
    x = xs.data as Float32Array;
    y = ys.data as Int32Array;
  });

  it('has a labelled, stratified batch with pixels in [0, 1]', () => {
    expect(demo.batch.labelled).toBe(true);
    const counts = new Array(10).fill(0);
    y.forEach((label) => counts[label]++);
    expect(counts).toEqual(new Array(10).fill(demo.batch.n / 10));
    let min = Infinity;
    let max = -Infinity;
    for (const v of x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBe(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.9);
  });

  it('keeps the files small', () => {
    expect(statSync(join(DEMO, demo.batch.path)).size).toBeLessThan(1.2 * 2 ** 20);
    for (const m of demo.models) {
      expect(existsSync(join(DEMO, m.path))).toBe(true);
      expect(statSync(join(dirname(join(DEMO, m.path)), 'weights.bin')).size).toBeLessThan(1.1 * 2 ** 20);
    }
  });

  it.each(demo.models.map((m) => [m.id, m] as const))(
    '%s loads and scores the accuracy demo.json states',
    async (_id, m) => {
      const model = await loadModel(m.path);
      expect(model.inputs[0].shape.slice(1)).toEqual(m.inputShape);
      expect(model.layers.map((l) => l.name)).toEqual(expect.arrayContaining(['fc1', 'fc2', 'fc3']));
      const before = tf.memory().numTensors;
      const predicted = tf.tidy(() => {
        const out = model.predict(tf.tensor(x, [demo.batch.n, ...m.inputShape])) as tf.Tensor;
        return out.argMax(-1).dataSync();
      });
      expect(tf.memory().numTensors).toBe(before);
      let correct = 0;
      for (let i = 0; i < demo.batch.n; i++) if (predicted[i] === y[i]) correct++;
      const measured = correct / demo.batch.n;
      // Stated is the measured accuracy rounded down to 0.1 %: never above, never a full step below.
      expect(measured).toBeGreaterThanOrEqual(m.testAccuracy);
      expect(measured - m.testAccuracy).toBeLessThan(0.001 + 1e-9);
      expect(m.testAccuracy).toBeGreaterThan(0.9);
      model.dispose();
    },
  );
});

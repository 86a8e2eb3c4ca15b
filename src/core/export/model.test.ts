import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { gunzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NamedBytes } from '../types';
import { SippError } from '../util/errors';
import { loadModel } from '../model/load';
import { exportModel } from './model';

const FIX = path.join(__dirname, '../model/fixtures/good');
const readDir = (rel: string): NamedBytes[] =>
  fs
    .readdirSync(path.join(FIX, rel))
    .map((f) => ({ name: f, data: new Uint8Array(fs.readFileSync(path.join(FIX, rel, f))) }));

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

/** Loads exported files with nothing but stock tfjs, through a custom IOHandler. */
async function stockLoad(files: NamedBytes[]): Promise<tf.LayersModel> {
  const json = JSON.parse(new TextDecoder().decode(files.find((f) => f.name === 'model.json')!.data));
  const handler: tf.io.IOHandler = {
    load: async () => {
      const group = json.weightsManifest[0];
      const shards = group.paths.map((p: string) => files.find((f) => f.name === p)!.data);
      expect(shards).toHaveLength(1);
      return {
        modelTopology: json.modelTopology,
        weightSpecs: group.weights,
        weightData: shards[0].slice().buffer,
        format: json.format,
      };
    },
  };
  return tf.loadLayersModel(handler);
}

function predict(model: tf.LayersModel, x: tf.Tensor): Float32Array {
  return tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
}

describe('exportModel', () => {
  it.each([
    'mlp/tfjs',
    'mlp/keras3',
    'cnn/keras2-old',
    'cnn/keras3-uint16',
    'functional/keras3',
    'nested/keras3',
    'nested/keras2-new',
  ])('%s: round trip through stock tfjs and loadModel gives identical predictions', async (rel) => {
    const src = await loadModel(readDir(rel));
    const before = tf.memory().numTensors;
    const ex = await exportModel(src.model, { name: src.name, topology: src.topology });
    expect(tf.memory().numTensors).toBe(before);

    expect(ex.files.map((f) => f.name)).toEqual(['model.json', `${src.name}.weights.bin`]);
    const json = JSON.parse(new TextDecoder().decode(ex.files[0].data));
    expect(json.format).toBe('layers-model');
    expect(json.generatedBy).toBe('SiPP Studio');
    expect(json.convertedBy).toMatch(/^SiPP Studio \(TensorFlow\.js 4\.22/);
    expect(json.weightsManifest).toHaveLength(1);
    expect(ex.rawBytes).toBe(ex.files[0].data.byteLength + ex.files[1].data.byteLength);

    const inShape = (src.model.inputs[0].shape as number[]).slice(1);
    const x = tf.randomNormal([5, ...inShape]);
    const want = predict(src.model, x);
    const stock = await stockLoad(ex.files);
    const again = await loadModel(ex.files);
    expect(Array.from(predict(stock, x))).toEqual(Array.from(want));
    expect(Array.from(predict(again.model, x))).toEqual(Array.from(want));
    expect(again.notices).toEqual([]);
    tf.dispose(x);
    [src.model, stock, again.model].forEach((m) => m.dispose());
  });

  it('counts parameters and nonzeros, and gzip sees the zeros of a pruned model', async () => {
    const make = (zeroFraction: number) => {
      const m = tf.sequential({ layers: [tf.layers.dense({ units: 64, inputShape: [64], name: 'd' })] });
      const n = 64 * 64;
      const k = new Float32Array(n).map((_, i) => (i < zeroFraction * n ? 0 : Math.sin(i) + 0.5));
      m.setWeights([tf.tensor2d(k, [64, 64]), tf.fill([64], 0.25)]);
      return m;
    };
    const dense = await exportModel(make(0), { name: 'dense' });
    const pruned = await exportModel(make(0.9), { name: 'pruned' });
    expect(dense.totalParams).toBe(64 * 64 + 64);
    expect(pruned.totalParams).toBe(64 * 64 + 64);
    const zerosInDense = Array.from({ length: 4096 }, (_, i) => Math.sin(i) + 0.5).filter(
      (v) => Math.fround(v) === 0,
    ).length;
    expect(dense.nonzeroParams).toBe(4096 + 64 - zerosInDense);
    expect(pruned.nonzeroParams).toBe(4096 - Math.ceil(0.9 * 4096) + 64);
    for (const ex of [dense, pruned]) {
      const raw = ex.files.reduce((s, f) => s + f.data.byteLength, 0);
      expect(raw).toBe(ex.rawBytes);
      expect(ex.gzipBytes).toBeGreaterThan(0);
      expect(ex.gzipBytes).toBeLessThan(ex.rawBytes);
    }
    expect(pruned.gzipBytes).toBeLessThan(dense.gzipBytes / 3);
    // gzipBytes is what the files gzip to, one by one.
    const { gzipSync } = await import('fflate');
    const sum = pruned.files.reduce((s, f) => s + gzipSync(f.data, { level: 9 }).byteLength, 0);
    expect(pruned.gzipBytes).toBe(sum);
    expect(gunzipSync(gzipSync(pruned.files[1].data, { level: 9 }))).toEqual(pruned.files[1].data);
  });

  it('makes a safe shard name and refuses a topology that does not describe the model', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], name: 'd' })] });
    const ex = await exportModel(m, { name: 'my model/v1 (pruned 90%)' });
    expect(ex.files[1].name).toBe('my_model_v1_pruned_90_.weights.bin');
    const other = {
      class_name: 'Sequential',
      config: { name: 's', layers: [{ class_name: 'Dense', config: { name: 'x' } }] },
    };
    const err = await exportModel(m, { name: 'm', topology: other }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SippError);
    expect((err as SippError).code).toBe('export-failed');
    expect((err as SippError).message).toContain('lacks layer(s) d');
    m.dispose();
  });
});

describe('exportModel metadata', () => {
  it('writes userDefinedMetadata.sippStudio; stock tfjs loads the model and keeps the block aside', async () => {
    const { sippMetadata, TOOL_VERSION } = await import('./metadata');
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
    const metadata = sippMetadata({
      method: 'sipp',
      targetSparsity: 0.5,
      achievedSparsity: 0.5,
      seed: 7,
      sensitivityPoints: 12,
      quantization: 'float32',
      date: new Date('2024-01-02T03:04:05Z'),
    });
    const ex = await exportModel(model, { name: 'm', metadata });
    const json = JSON.parse(new TextDecoder().decode(ex.files[0].data));
    expect(json.userDefinedMetadata.sippStudio).toEqual({
      schema: 1,
      tool: 'SiPP Studio',
      toolVersion: TOOL_VERSION,
      date: '2024-01-02T03:04:05.000Z',
      method: 'sipp',
      targetSparsity: 0.5,
      achievedSparsity: 0.5,
      seed: 7,
      sensitivityPoints: 12,
    });
    expect(TOOL_VERSION).toMatch(/^\d+\.\d+\.\d+/);
    // The path tf.loadLayersModel takes for an http(s) model.json: the whole JSON, as written.
    const handler: tf.io.IOHandler = {
      load: () =>
        tf.io.getModelArtifactsForJSON(json, async () => [
          json.weightsManifest[0].weights,
          ex.files[1].data.slice().buffer,
        ]),
    };
    const stock = await tf.loadLayersModel(handler);
    expect(stock.getUserDefinedMetadata()).toEqual({ sippStudio: metadata });
    expect(stock.predict(tf.ones([1, 3]))).toBeDefined();
    // The project's own loader reads it too.
    const mine = await loadModel(ex.files);
    expect(mine.model.layers).toHaveLength(1);
    stock.dispose();
    mine.model.dispose();
    model.dispose();
  });
});

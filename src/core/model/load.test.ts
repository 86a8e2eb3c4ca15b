import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NamedBytes } from '../types';
import { SippError } from '../util/errors';
import { loadModel } from './load';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const FIX = path.join(__dirname, 'fixtures');
const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
const readDir = (rel: string, prefix = ''): NamedBytes[] =>
  fs.readdirSync(path.join(FIX, rel)).map((f) => ({
    name: prefix + f,
    data: new Uint8Array(fs.readFileSync(path.join(FIX, rel, f))),
  }));

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

/** model.json + one shard for a tfjs model, with manifest names rewritten by `rename`. */
async function artifacts(model: tf.LayersModel, rename: (name: string, i: number) => string = (n) => n) {
  let a: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (x) => {
      a = x;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const specs = (a!.weightSpecs as Obj[]).map((s, i) => ({ ...s, name: rename(s.name, i) }));
  const json = {
    format: 'layers-model',
    modelTopology: a!.modelTopology,
    weightsManifest: [{ paths: ['w.bin'], weights: specs }],
  };
  return { json, bin: new Uint8Array(a!.weightData as ArrayBuffer) };
}

const files = (json: unknown, bin: Uint8Array): NamedBytes[] => [
  { name: 'model.json', data: enc(json) },
  { name: 'w.bin', data: bin },
];

function predict(model: tf.LayersModel, x: tf.Tensor): Float32Array {
  return tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
}

async function failure(p: Promise<unknown>): Promise<SippError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(SippError);
  return e as SippError;
}

describe('loadModel', () => {
  it('loads a Keras 3 export that stock tfjs 4.22 rejects', async () => {
    const given = readDir('good/mlp/keras3');
    const json = JSON.parse(new TextDecoder().decode(given.find((f) => f.name === 'model.json')!.data));
    const bin = given.find((f) => f.name.endsWith('.bin'))!.data;
    const stock = tf.loadLayersModel(
      tf.io.fromMemory({
        ...json,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: bin.slice().buffer,
      }),
    );
    await expect(stock).rejects.toThrow(
      /An InputLayer should be passed either a `?batchInputShape`? or an `?inputShape`?/,
    );
    const loaded = await loadModel(given);
    expect(loaded.format).toEqual({
      kerasVersion: '3.10.0',
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      generatedBy: 'keras v3.10.0',
      quantized: undefined,
    });
    expect(JSON.stringify(loaded.topology)).not.toMatch(/DTypePolicy|batch_shape|registered_name/);
    loaded.model.dispose();
  });

  it('loads the same topology twice in one process (tfjs renames variables) with each its own weights', async () => {
    const before = tf.memory().numTensors;
    const a = await loadModel(readDir('good/cnn/keras3'));
    const b = await loadModel(readDir('good/cnn/keras3-uint16'));
    const names = b.model.weights.map((w) => w.name);
    expect(names.some((n) => /_\d+$/.test(n))).toBe(true); // renamed, e.g. conv2d/kernel_1
    const ref = JSON.parse(fs.readFileSync(path.join(FIX, 'good/cnn/reference.json'), 'utf8'));
    const refQ = JSON.parse(fs.readFileSync(path.join(FIX, 'good/cnn/reference-keras3-uint16.json'), 'utf8'));
    const x = tf.tensor(ref.input, ref.inputShape);
    const ya = predict(a.model, x);
    const yb = predict(b.model, x);
    ya.forEach((v, i) => expect(Math.abs(v - ref.output[i])).toBeLessThan(1e-5));
    yb.forEach((v, i) => expect(Math.abs(v - refQ.output[i])).toBeLessThan(1e-5));
    expect(ya.some((v, i) => v !== yb[i])).toBe(true);
    x.dispose();
    a.model.dispose();
    b.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('takes files in any order and names the model after its folder or file', async () => {
    const given = readDir('good/cnn/keras3-multishard', 'my-cnn/').reverse();
    const loaded = await loadModel(given);
    expect(loaded.name).toBe('my-cnn');
    loaded.model.dispose();
    const named = await loadModel(readDir('good/mlp/tfjs'), { name: 'custom' });
    expect(named.name).toBe('custom');
    named.model.dispose();
  });

  it('matches weights by layer, not by name: Keras 3 DepthwiseConv2D and same-named layers in nested models', async () => {
    const x = tf.input({ shape: [5, 5, 2], name: 'x' });
    const dw = tf.layers.depthwiseConv2d({ kernelSize: 3, name: 'dw' }).apply(x) as tf.SymbolicTensor;
    const flat = tf.layers.flatten({ name: 'flat' }).apply(dw) as tf.SymbolicTensor;
    const inner = (name: string, units: number) =>
      tf.sequential({ name, layers: [tf.layers.dense({ units, inputShape: [18], name: 'dense' })] });
    const p = inner('p', 3).apply(flat) as tf.SymbolicTensor;
    const q = inner('q', 4).apply(flat) as tf.SymbolicTensor;
    const out = tf.layers.concatenate({ name: 'cat' }).apply([p, q]) as tf.SymbolicTensor;
    const src = tf.model({ inputs: x, outputs: out, name: 'src' });
    src.setWeights(src.weights.map((w) => tf.randomNormal(w.shape as number[])));
    // Keras 3 calls the depthwise kernel 'kernel'; nested weights carry their model's name.
    const keras3Names = [
      'dw/kernel',
      'dw/bias',
      'p/dense/kernel',
      'p/dense/bias',
      'q/dense/kernel',
      'q/dense/bias',
    ];
    const { json, bin } = await artifacts(src, (_n, i) => keras3Names[i]);
    const loaded = await loadModel(files(json, bin));
    expect(loaded.notices.join('\n')).toMatch(/matched 1 weight\(s\) to their layer's variables by position/);
    const input = tf.randomNormal([2, 5, 5, 2]);
    expect(Array.from(predict(loaded.model, input))).toEqual(Array.from(predict(src, input)));

    // Names that name no layer at all still load, by position, when the counts agree.
    const anon = await artifacts(src, (_n, i) => `weight_${i}`);
    const byPos = await loadModel(files(anon.json, anon.bin));
    expect(byPos.notices.join('\n')).toMatch(/matched 6 weight\(s\) by position/);
    expect(Array.from(predict(byPos.model, input))).toEqual(Array.from(predict(src, input)));
    tf.dispose([input]);
    [src, loaded.model, byPos.model].forEach((m) => m.dispose());
  });

  it('leaves no tensors behind when loading fails after or during building the model', async () => {
    const before = tf.memory().numTensors;
    const good = readDir('good/mlp/tfjs');
    const json = JSON.parse(new TextDecoder().decode(good.find((f) => f.name === 'model.json')!.data));
    const bin = good.find((f) => f.name.endsWith('.bin'))!.data;

    json.modelTopology.config.layers[2].config.units = 9; // built, then the weights do not fit
    expect(
      (
        await failure(
          loadModel(files(json, bin).map((f, i) => (i ? { ...f, name: 'model.weights.bin' } : f))),
        )
      ).code,
    ).toBe('weights-mismatch');
    json.modelTopology.config.layers[2].config.units = 10;
    json.modelTopology.config.layers[2].config.activation = 'no_such_activation'; // dense built, then this throws
    const e = await failure(
      loadModel(files(json, bin).map((f, i) => (i ? { ...f, name: 'model.weights.bin' } : f))),
    );
    expect(e.code).toBe('topology-invalid');
    expect(e.message).toMatch(/could not build the model: Unknown activation: noSuchActivation/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a huge model.json quickly, and says which files it was given when a shard is missing', async () => {
    const huge = new Uint8Array(65 * 2 ** 20).fill(32);
    const t0 = performance.now();
    expect((await failure(loadModel([{ name: 'model.json', data: huge }]))).code).toBe(
      'model-json-too-large',
    );
    expect(performance.now() - t0).toBeLessThan(200);
    const e = await failure(
      loadModel([
        readDir('good/mlp/keras3').find((f) => f.name === 'model.json')!,
        { name: 'labels.txt', data: new Uint8Array(3) },
      ]),
    );
    expect(e.code).toBe('missing-shard');
    expect(e.message).toContain(
      "'group1-shard1of1.bin', which was not among the files given (model.json, labels.txt)",
    );
  });
});

// Fixture cases whose manifests list the weights in another order than the layers (issue 9).
// Keras 2 h5 files keep layer groups in alphabetical order, so a converted model's manifest need
// not follow its layers, and Keras 2 layer names may contain '/' (SqueezeNet's 'fire2/squeeze1x1'):
// weights must be matched by name. Wherever stock tfjs 4.22 can read the dialect, the script checks
// that stock tf.loadLayersModel gives the reference output, so the table's reference check also
// says that our loader agrees with stock tfjs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { specByteLength, type WeightSpec } from '../../src/core/model/quantization';
import { concat, json, tfjsArtifacts } from './encode';
import { seededInput, seededWeights } from './specs';
import type { Case, FixtureFile, Variant } from './types';

export interface FixtureIo {
  /** The fixtures folder. */
  out: string;
  /** Rows of the reference input. */
  samples: number;
  /** Writes files under out/dir and returns their paths relative to out. */
  write: (dir: string, files: FixtureFile[]) => string[];
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
export type Manifest = Array<{ paths: string[]; weights: WeightSpec[] }>;
export interface Entry {
  spec: WeightSpec;
  bytes: Uint8Array;
}

export function entriesOf(manifest: Manifest, files: FixtureFile[]): Entry[] {
  const byBase = new Map(files.map((f) => [path.basename(f.name), f.data]));
  return manifest.flatMap((g) => {
    const data = concat(g.paths.map((p) => byBase.get(path.basename(p)) as Uint8Array));
    let o = 0;
    return g.weights.map((spec) => {
      o += specByteLength(spec);
      return { spec, bytes: data.slice(o - specByteLength(spec), o) };
    });
  });
}

export function oneGroup(entries: Entry[]): { manifest: Manifest; shards: FixtureFile[] } {
  const shard = 'group1-shard1of1.bin';
  return {
    manifest: [{ paths: [shard], weights: entries.map((e) => e.spec) }],
    shards: [{ name: shard, data: concat(entries.map((e) => e.bytes)) }],
  };
}

export const layerOf = (e: Entry) => e.spec.name.split('/').slice(0, -1).join('/');

/** A seeded shuffle that interleaves layers (kernel of one, bias of another, ...). */
export function shuffled(entries: Entry[], seed: string): Entry[] {
  const rng = seedrandom(seed);
  const out = entries.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  if (out.every((e, i) => layerOf(e) === layerOf(entries[i]))) throw new Error(`${seed}: order unchanged`);
  return out;
}

function lexCompare(a: Array<string | number>, b: Array<string | number>): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

/** Head first, fire modules last to first, expand before squeeze, bias before kernel, stem last. */
export function fireOrder(a: Entry, b: Entry): number {
  const key = (e: Entry) => {
    const layer = layerOf(e);
    const m = /fire(\d+)/.exec(layer);
    const rank = layer === 'predictions' ? 0 : m ? 100 - Number(m[1]) : 1000;
    return [rank, layer, e.spec.name.split('/').pop() as string];
  };
  return lexCompare(key(a), key(b));
}

/** Input -> conv1 -> two fire modules -> global pooling -> softmax; `sep` joins module and layer name. */
function fireModel(sep: '/' | '_'): tf.LayersModel {
  const conv = (name: string, filters: number, kernelSize: number, padding: 'valid' | 'same' = 'valid') =>
    tf.layers.conv2d({ name, filters, kernelSize, padding });
  const relu = (name: string, t: tf.SymbolicTensor) =>
    tf.layers.activation({ name, activation: 'relu' }).apply(t) as tf.SymbolicTensor;
  const x = tf.input({ shape: [6, 6, 3], name: 'input_1' });
  let h = relu('relu_conv1', conv('conv1', 4, 3).apply(x) as tf.SymbolicTensor);
  for (const [fire, squeeze, expand] of [
    ['fire2', 2, 3],
    ['fire3', 2, 4],
  ] as const) {
    const n = (layer: string) => `${fire}${sep}${layer}`;
    const sq = relu(n('relu_squeeze1x1'), conv(n('squeeze1x1'), squeeze, 1).apply(h) as tf.SymbolicTensor);
    const e1 = relu(n('relu_expand1x1'), conv(n('expand1x1'), expand, 1).apply(sq) as tf.SymbolicTensor);
    const e3 = relu(
      n('relu_expand3x3'),
      conv(n('expand3x3'), expand, 3, 'same').apply(sq) as tf.SymbolicTensor,
    );
    h = tf.layers.concatenate({ name: n('concat') }).apply([e1, e3]) as tf.SymbolicTensor;
  }
  h = tf.layers.globalAveragePooling2d({ name: 'pool10' }).apply(h) as tf.SymbolicTensor;
  const y = tf.layers.dense({ name: 'predictions', units: 3, activation: 'softmax' }).apply(h);
  return tf.model({ inputs: x, outputs: y as tf.SymbolicTensor, name: 'squeezenet' });
}

/** Every layer has a 'kernel' [5,5] and a 'bias' [5], and 'dense' is a suffix of 'block/dense'. */
function dupNamesModel(): tf.LayersModel {
  const names = ['dense', 'block/dense', 'dense_1', 'block/dense_1'];
  const m = tf.sequential({ name: 'sequential' });
  m.add(tf.layers.inputLayer({ inputShape: [5], name: 'input_layer' }));
  names.forEach((name, i) =>
    m.add(tf.layers.dense({ name, units: 5, activation: i === names.length - 1 ? 'softmax' : 'tanh' })),
  );
  return m;
}

export async function predictFrom(model: tf.LayersModel, ref: Obj): Promise<Float32Array> {
  const x = tf.tensor(ref.input, ref.inputShape);
  const y = model.predict(x) as tf.Tensor;
  const out = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  return out;
}

/** Throws unless stock tf.loadLayersModel reads these files and reproduces the reference. */
export async function checkStock(
  modelJson: Obj,
  shards: FixtureFile[],
  ref: Obj,
  refRel: string,
): Promise<void> {
  const entries = entriesOf(modelJson.weightsManifest, shards);
  const m = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: entries.map((e) => e.spec) as tf.io.WeightsManifestEntry[],
      weightData: concat(entries.map((e) => e.bytes)).buffer as ArrayBuffer,
    }),
  );
  const got = await predictFrom(m, ref);
  m.dispose();
  const worst = got.reduce((w, v, i) => Math.max(w, Math.abs(v - ref.output[i])), 0);
  if (!(worst < 1e-6)) throw new Error(`stock tfjs disagrees with ${refRel} by ${worst}`);
}

export async function manifestOrderCases(variants: Record<string, Variant>, io: FixtureIo): Promise<Case[]> {
  const { out: OUT, samples: N_SAMPLES } = io;
  const cases: Case[] = [];
  const add = async (
    id: string,
    why: string,
    modelJson: Obj,
    shards: FixtureFile[],
    expect: Case['expect'],
    stock: boolean,
  ) => {
    if (stock && 'ok' in expect && expect.reference) {
      const ref = JSON.parse(fs.readFileSync(path.join(OUT, expect.reference), 'utf8'));
      await checkStock(modelJson, shards, ref, expect.reference);
    }
    const dir = /^(bad|edge)\//.test(id) ? id : `good/${id}`;
    const files = io.write(dir, [{ name: 'model.json', data: json(modelJson) }, ...shards]);
    cases.push({ id, why: stock ? `${why}; stock tfjs 4.22 loads it` : why, files, expect });
  };

  // Sequential and nested models of the main table, with their manifests shuffled.
  for (const [id, stock] of [
    ['mlp-input/keras2-new', false],
    ['cnn/keras3', false],
    ['nested/tfjs', true],
    ['nested/keras3', false],
  ] as const) {
    const v = variants[id];
    const entries = entriesOf(v.json.weightsManifest as Manifest, v.files.slice(1));
    const { manifest, shards } = oneGroup(shuffled(entries, `${id}-order`));
    const why = `${id} with the manifest weights shuffled across layers (matched by name)`;
    await add(`${id}-shuffled`, why, { ...v.json, weightsManifest: manifest }, shards, v.expect, stock);
  }

  // Models built here: written tfjs-native (model.save), then re-ordered.
  const source = async (id: string, model: tf.LayersModel, inShape: number[]) => {
    const values = seededWeights(model, id);
    model.setWeights(values.map((v, i) => tf.tensor(v, model.weights[i].shape as number[])));
    const input = Array.from(seededInput([N_SAMPLES, ...inShape], `${id}-input`));
    const ref = { inputShape: [N_SAMPLES, ...inShape], input, outputShape: [] as number[], output: [0] };
    const y = await predictFrom(model, ref);
    ref.outputShape = [N_SAMPLES, y.length / N_SAMPLES];
    ref.output = Array.from(y);
    const reference = `good/${id}/reference.json`;
    const file = path.join(OUT, reference);
    // Variants of one model (slash and plain names) share a reference: they must compute the same.
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') !== JSON.stringify(ref))
      throw new Error(`${id}: variants disagree on the reference output`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(ref));
    const art = await tfjsArtifacts(model);
    const weightData = new Uint8Array(art.weightData as ArrayBuffer);
    const entries = entriesOf(
      [{ paths: ['w'], weights: art.weightSpecs as WeightSpec[] }],
      [{ name: 'w', data: weightData }],
    );
    const expect = {
      ok: true as const,
      layers: model.layers.length,
      outputShape: model.outputs[0].shape,
      reference,
    };
    const header = {
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
      convertedBy: null,
      modelTopology: art.modelTopology as Obj,
    };
    model.dispose();
    return { entries, expect, header };
  };

  const slash = await source('fire', fireModel('/'), [6, 6, 3]);
  const fireOrdered = slash.entries.slice().sort(fireOrder);
  {
    const { manifest, shards } = oneGroup(fireOrdered);
    await add(
      'fire/tfjs-slash-names',
      "SqueezeNet-style fire modules (squeeze 1x1 -> expand 1x1 + 3x3 -> Concatenate), layer names with '/' " +
        '(fire2/squeeze1x1); manifest: head first, module 3 before 2, expand before squeeze, bias before kernel',
      { ...slash.header, weightsManifest: manifest },
      shards,
      slash.expect,
      true,
    );
  }
  {
    const plain = await source('fire', fireModel('_'), [6, 6, 3]);
    const { manifest, shards } = oneGroup(plain.entries.slice().sort(fireOrder));
    await add(
      'fire/tfjs-plain-names',
      'the fire model with plain layer names (fire2_squeeze1x1), manifest in the same scrambled order',
      { ...plain.header, weightsManifest: manifest },
      shards,
      plain.expect,
      true,
    );
  }
  {
    // The converter 1.x wrote one group per layer, in the h5 file's (alphabetical) layer order.
    const layers = [...new Set(slash.entries.map(layerOf))].sort();
    const manifest: Manifest = [];
    const shards: FixtureFile[] = [];
    layers.forEach((layer, g) => {
      const mine = slash.entries.filter((e) => layerOf(e) === layer);
      manifest.push({ paths: [`group${g + 1}-shard1of1`], weights: mine.map((e) => e.spec) });
      shards.push({ name: `group${g + 1}-shard1of1`, data: concat(mine.map((e) => e.bytes)) });
    });
    const { class_name, config } = slash.header.modelTopology;
    const modelJson = {
      format: 'layers-model',
      generatedBy: 'keras v2.2.4-tf',
      convertedBy: 'TensorFlow.js Converter v1.7.4',
      modelTopology: {
        keras_version: '2.2.4-tf',
        backend: 'tensorflow',
        model_config: { class_name, config },
      },
      weightsManifest: manifest,
    };
    const why =
      'the fire model as Keras 2.2.4 + converter 1.x: one group per layer, in h5 (alphabetical) order';
    await add('fire/keras2-old-slash-names', why, modelJson, shards, slash.expect, true);
  }

  const dup = await source('dup-names', dupNamesModel(), [5]);
  {
    const { manifest, shards } = oneGroup(shuffled(dup.entries, 'dup-names-order'));
    const why =
      "four Dense layers, all with kernel [5,5] and bias [5] (any order fits by shape), named 'dense', " +
      "'block/dense', 'dense_1', 'block/dense_1'; manifest shuffled";
    await add(
      'dup-names/tfjs-shuffled',
      why,
      { ...dup.header, weightsManifest: manifest },
      shards,
      dup.expect,
      true,
    );
    const prefixed = manifest.map((g) => ({
      ...g,
      weights: g.weights.map((w) => ({ ...w, name: `sequential/${w.name}` })),
    }));
    await add(
      'dup-names/prefixed-shuffled',
      'the same, with a model-name prefix on every weight (sequential/block/dense/kernel)',
      { ...dup.header, weightsManifest: prefixed },
      shards,
      { ...dup.expect, notice: 'model-name prefix' },
      false,
    );
  }

  // Names that name no layer, and names that name the wrong layer.
  const renamed = (entries: Entry[], rename: (name: string, i: number) => string) =>
    oneGroup(entries.map((e, i) => ({ ...e, spec: { ...e.spec, name: rename(e.spec.name, i) } })));
  {
    const { manifest, shards } = renamed(slash.entries, (n) =>
      n.replace('fire3/squeeze1x1/', 'fire3/squeeze/'),
    );
    await add(
      'edge/fire-renamed-layer',
      'weights of a layer renamed after export (fire3/squeeze/...): they name no layer, counts and shapes agree, so they are matched by position',
      { ...slash.header, weightsManifest: manifest },
      shards,
      { ...slash.expect, notice: 'matched 2 weight(s) by position' },
      false,
    );
  }
  {
    const { manifest, shards } = renamed(slash.entries, (_n, i) => `weight_${i}`);
    await add(
      'edge/unnamed-weights-in-order',
      'no weight name names a layer, but the manifest is in model order and every shape agrees: matched by position',
      { ...slash.header, weightsManifest: manifest },
      shards,
      { ...slash.expect, notice: 'matched 16 weight(s) by position' },
      false,
    );
  }
  {
    const { manifest, shards } = renamed(fireOrdered, (_n, i) => `weight_${i}`);
    await add(
      'bad/unnamed-weights-shuffled',
      'no weight name names a layer and the manifest is not in model order: position would be a guess',
      { ...slash.header, weightsManifest: manifest },
      shards,
      {
        error: 'weights-mismatch',
        message: 'model.json: the weights do not fit the model topology: 16 weight(s) name no layer',
      },
      false,
    );
  }
  {
    const swap: Record<string, string> = {
      'fire2/squeeze1x1/kernel': 'fire2/expand1x1/kernel',
      'fire2/expand1x1/kernel': 'fire2/squeeze1x1/kernel',
    };
    const { manifest, shards } = renamed(fireOrdered, (n) => swap[n] ?? n);
    await add(
      'bad/fire-weight-names-swapped',
      'the names of two kernels swapped in the manifest: by name, neither fits its layer',
      { ...slash.header, weightsManifest: manifest },
      shards,
      {
        error: 'weights-mismatch',
        message:
          "weight 'fire2/expand1x1/kernel' has shape [1,1,4,2] but layer 'fire2/expand1x1' (Conv2D) kernel expects [1,1,2,3]",
      },
      false,
    );
  }
  return cases;
}

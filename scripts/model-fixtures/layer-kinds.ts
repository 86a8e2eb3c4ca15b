// Regression rows for the prunable layer kinds (issue 9, item 5): Conv1D (valid, same; causal is
// skipped), Dense on [N, T, F], TimeDistributed(Dense | Conv2D), SeparableConv2D (depth multiplier
// 1 and 2), Conv2DTranspose (strides 2, same and valid) and a model whose only weighted layer is a
// DepthwiseConv2D. Each small model is built in tfjs (its outputs are the reference) and written as
// tfjs-native, tf.keras 2.15 + converter 4.17 and Keras 3 + converter 4.22 files; every row says
// which layers analyzeModel must find prunable and which it must skip, with what reason. The
// expected outcomes are written here by hand and checked against the tfjs model before any file is
// written, and every tfjs-native file is checked against stock tf.loadLayersModel.
// Also here: the issue 9 manifest-order failure in Keras dialects (fire modules, Concatenate).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { restoreDepthMultipliers } from '../../src/core/model/tfjs-fixes';
import { analyzeModel } from '../../src/core/model/prunable';
import { kerasTopology, VERSIONS, weightName, type Dialect } from './dialects';
import { concat, encodeWeights, json, leafWeights, tfjsArtifacts } from './encode';
import {
  checkStock,
  entriesOf,
  fireOrder,
  layerOf,
  oneGroup,
  predictFrom,
  shuffled,
  type FixtureIo,
  type Manifest,
} from './manifest-order';
import { buildModel, seededInput, seededWeights, type FuncSpec, type ModelSpec, type SeqSpec } from './specs';
import type { Case, Expect, FixtureFile, PrunableOutcome, SkippedOutcome, Variant } from './types';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface KindModel {
  spec: ModelSpec;
  /** What the model is about (the row's `why` adds the dialect). */
  about: string;
  prunable: PrunableOutcome[];
  skipped: SkippedOutcome[];
  /** tfjs 4.22 cannot run it: a substring of its error. Such a model has no reference output. */
  predictFails?: string;
}

const seq = (inputShape: number[], layers: SeqSpec['layers']): SeqSpec => ({
  kind: 'sequential',
  name: 'sequential',
  inputShape,
  inputName: 'input_layer',
  layers,
});
const p = (key: string, className: string): PrunableOutcome => ({ key, className });
const head = (name: string) => ({ cls: 'Dense', name, units: 3, activation: 'softmax' }) as const;
const flatten = { cls: 'Flatten', name: 'flatten' } as const;

/** Layer names are those Keras gives by default, so that each dialect's file is what it writes. */
export const KIND_MODELS: Record<string, KindModel> = {
  conv1d: {
    spec: seq(
      [8, 2],
      [
        { cls: 'Conv1D', name: 'conv1d', filters: 4, kernel: 3, activation: 'relu', padding: 'valid' },
        { cls: 'Conv1D', name: 'conv1d_1', filters: 3, kernel: 3, activation: 'relu', padding: 'same' },
        flatten,
        head('dense'),
      ],
    ),
    about: 'Conv1D valid then same on [N, 8, 2]',
    prunable: [p('conv1d', 'Conv1D'), p('conv1d_1', 'Conv1D'), p('dense', 'Dense')],
    skipped: [],
  },
  'conv1d-causal': {
    spec: seq(
      [8, 2],
      [
        { cls: 'Conv1D', name: 'conv1d', filters: 3, kernel: 3, activation: 'relu', padding: 'causal' },
        flatten,
        head('dense'),
      ],
    ),
    about: 'causal Conv1D: loads, skipped with its reason; tfjs 4.22 cannot run it',
    prunable: [p('dense', 'Dense')],
    skipped: [{ key: 'conv1d', reason: 'causal padding' }],
    predictFails: 'CAUSAL padding',
  },
  'dense-3d': {
    spec: seq(
      [5, 4],
      [{ cls: 'Dense', name: 'dense', units: 6, activation: 'relu' }, flatten, head('dense_1')],
    ),
    about: 'Dense on a [N, 5, 4] input (applied to the last axis)',
    prunable: [p('dense', 'Dense'), p('dense_1', 'Dense')],
    skipped: [],
  },
  'td-dense': {
    spec: seq(
      [5, 4],
      [
        {
          cls: 'TimeDistributed',
          name: 'time_distributed',
          layer: { cls: 'Dense', name: 'dense', units: 6, activation: 'relu' },
        },
        flatten,
        head('dense_1'),
      ],
    ),
    about: 'TimeDistributed(Dense) on [N, 5, 4] (nested layer config)',
    prunable: [p('time_distributed', 'TimeDistributed(Dense)'), p('dense_1', 'Dense')],
    skipped: [],
  },
  'td-conv2d': {
    spec: seq(
      [2, 5, 5, 1],
      [
        {
          cls: 'TimeDistributed',
          name: 'time_distributed',
          layer: {
            cls: 'Conv2D',
            name: 'conv2d',
            filters: 2,
            kernel: 3,
            activation: 'relu',
            padding: 'valid',
          },
        },
        flatten,
        head('dense'),
      ],
    ),
    about: 'TimeDistributed(Conv2D) on [N, 2, 5, 5, 1]',
    prunable: [p('time_distributed', 'TimeDistributed(Conv2D)'), p('dense', 'Dense')],
    skipped: [],
  },
  sepconv: {
    spec: seq(
      [6, 6, 2],
      [
        {
          cls: 'SeparableConv2D',
          name: 'separable_conv2d',
          filters: 4,
          kernel: 3,
          depthMultiplier: 1,
          activation: 'relu',
          padding: 'valid',
        },
        flatten,
        head('dense'),
      ],
    ),
    about: 'SeparableConv2D, depth_multiplier 1 (pointwise kernel pruned)',
    prunable: [p('separable_conv2d', 'SeparableConv2D'), p('dense', 'Dense')],
    skipped: [],
  },
  'sepconv-dm2': {
    spec: seq(
      [6, 6, 2],
      [
        {
          cls: 'SeparableConv2D',
          name: 'separable_conv2d',
          filters: 3,
          kernel: 3,
          depthMultiplier: 2,
          activation: 'relu',
          padding: 'same',
        },
        flatten,
        head('dense'),
      ],
    ),
    about: 'SeparableConv2D, depth_multiplier 2, same padding (pointwise kernel [1,1,4,3])',
    prunable: [p('separable_conv2d', 'SeparableConv2D'), p('dense', 'Dense')],
    skipped: [],
  },
  'conv2d-transpose': {
    spec: seq(
      [3, 3, 2],
      [
        {
          cls: 'Conv2DTranspose',
          name: 'conv2d_transpose',
          filters: 3,
          kernel: 3,
          strides: 2,
          activation: 'relu',
          padding: 'same',
        },
        {
          cls: 'Conv2DTranspose',
          name: 'conv2d_transpose_1',
          filters: 2,
          kernel: 3,
          strides: 2,
          activation: 'relu',
          padding: 'valid',
        },
        { cls: 'GlobalAveragePooling2D', name: 'global_average_pooling2d' },
        head('dense'),
      ],
    ),
    about: 'Conv2DTranspose strides 2, same (3x3 -> 6x6) then valid (6x6 -> 13x13)',
    prunable: [
      p('conv2d_transpose', 'Conv2DTranspose'),
      p('conv2d_transpose_1', 'Conv2DTranspose'),
      p('dense', 'Dense'),
    ],
    skipped: [],
  },
  'depthwise-only': {
    spec: seq(
      [5, 5, 2],
      [
        {
          cls: 'DepthwiseConv2D',
          name: 'depthwise_conv2d',
          kernel: 3,
          depthMultiplier: 2,
          activation: 'relu',
          padding: 'valid',
        },
        { cls: 'GlobalAveragePooling2D', name: 'global_average_pooling2d' },
      ],
    ),
    about:
      "the only weighted layer is a DepthwiseConv2D: nothing to prune (PruningSession.create: 'no-prunable-layers')",
    prunable: [],
    skipped: [{ key: 'depthwise_conv2d', reason: 'depthwise convolution' }],
  },
  'kinds-functional': {
    spec: {
      kind: 'functional',
      name: 'functional',
      input: { name: 'input_layer', shape: [5, 4] },
      nodes: [
        {
          layer: {
            cls: 'TimeDistributed',
            name: 'time_distributed',
            layer: { cls: 'Dense', name: 'dense', units: 6, activation: 'relu' },
          },
          inputs: ['input_layer'],
        },
        {
          layer: {
            cls: 'Conv1D',
            name: 'conv1d',
            filters: 4,
            kernel: 3,
            activation: 'relu',
            padding: 'same',
          },
          inputs: ['time_distributed'],
        },
        { layer: flatten, inputs: ['conv1d'] },
        { layer: head('dense_1'), inputs: ['flatten'] },
      ],
      output: 'dense_1',
    },
    about: 'Functional: TimeDistributed(Dense) -> Conv1D same (Keras 3 weight paths without a model prefix)',
    prunable: [p('time_distributed', 'TimeDistributed(Dense)'), p('conv1d', 'Conv1D'), p('dense_1', 'Dense')],
    skipped: [],
  },
};

/** The fire model of manifest-order.ts with plain names, as a spec (Keras 3 forbids '/' in names). */
function fireSpec(): FuncSpec {
  const nodes: FuncSpec['nodes'] = [];
  const conv = (name: string, filters: number, kernel: number, input: string, padding: 'valid' | 'same') =>
    nodes.push({
      layer: { cls: 'Conv2D', name, filters, kernel, activation: 'linear', padding },
      inputs: [input],
    });
  const relu = (name: string, input: string) =>
    nodes.push({ layer: { cls: 'Activation', name, activation: 'relu' }, inputs: [input] });
  conv('conv1', 4, 3, 'input_1', 'valid');
  relu('relu_conv1', 'conv1');
  let h = 'relu_conv1';
  for (const [fire, squeeze, expand] of [
    ['fire2', 2, 3],
    ['fire3', 2, 4],
  ] as const) {
    conv(`${fire}_squeeze1x1`, squeeze, 1, h, 'valid');
    relu(`${fire}_relu_squeeze1x1`, `${fire}_squeeze1x1`);
    conv(`${fire}_expand1x1`, expand, 1, `${fire}_relu_squeeze1x1`, 'valid');
    relu(`${fire}_relu_expand1x1`, `${fire}_expand1x1`);
    conv(`${fire}_expand3x3`, expand, 3, `${fire}_relu_squeeze1x1`, 'same');
    relu(`${fire}_relu_expand3x3`, `${fire}_expand3x3`);
    nodes.push({
      layer: { cls: 'Concatenate', name: `${fire}_concat` },
      inputs: [`${fire}_relu_expand1x1`, `${fire}_relu_expand3x3`],
    });
    h = `${fire}_concat`;
  }
  nodes.push({ layer: { cls: 'GlobalAveragePooling2D', name: 'pool10' }, inputs: [h] });
  nodes.push({ layer: head('predictions'), inputs: ['pool10'] });
  return {
    kind: 'functional',
    name: 'squeezenet',
    input: { name: 'input_1', shape: [6, 6, 3] },
    nodes,
    output: 'predictions',
  };
}

const FIRE_PRUNABLE = [
  'conv1',
  'fire2_squeeze1x1',
  'fire2_expand1x1',
  'fire2_expand3x3',
  'fire3_squeeze1x1',
  'fire3_expand1x1',
  'fire3_expand3x3',
].map((k) => p(k, 'Conv2D'));

const KERAS_WHY: Record<'keras2-new' | 'keras3', string> = {
  'keras2-new': 'tf.keras 2.15 + converter 4.17',
  keras3: 'Keras 3.10 + converter 4.22 (prefixed weight paths, DTypePolicy, batch_shape)',
};

/** Throws unless analyzeModel on `model` gives exactly the outcome written in the table. */
function checkOutcome(
  id: string,
  model: tf.LayersModel,
  want: { prunable: PrunableOutcome[]; skipped: SkippedOutcome[] },
) {
  const info = analyzeModel(model);
  const got = info.prunable.map((x) => p(x.key, x.className));
  const skipped = info.layers.filter((l) => l.skippedReason);
  const ok =
    JSON.stringify(got) === JSON.stringify(want.prunable) &&
    skipped.length === want.skipped.length &&
    skipped.every(
      (l, i) => l.key === want.skipped[i].key && l.skippedReason!.includes(want.skipped[i].reason),
    );
  if (!ok) {
    const seen = skipped.map((l) => `${l.key}: ${l.skippedReason}`).join('; ');
    throw new Error(
      `${id}: analyzeModel gives ${JSON.stringify(got)}, skipped [${seen}]; the table says otherwise`,
    );
  }
}

/** Stock tf.loadLayersModel on these files (no normalisation, no name matching of ours). */
async function stockLoad(modelJson: Obj, shards: FixtureFile[]): Promise<tf.LayersModel> {
  const entries = entriesOf(modelJson.weightsManifest, shards);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: entries.map((e) => e.spec) as tf.io.WeightsManifestEntry[],
      weightData: concat(entries.map((e) => e.bytes)).buffer as ArrayBuffer,
    }),
  );
}

/** Throws unless stock tfjs loads the files and its predict fails with `predictFails`. */
async function checkStockCannotRun(modelJson: Obj, shards: FixtureFile[], id: string, predictFails: string) {
  const m = await stockLoad(modelJson, shards);
  const x = tf.zeros([1, ...(m.inputs[0].shape.slice(1) as number[])]);
  let err = '';
  try {
    tf.dispose(m.predict(x) as tf.Tensor);
  } catch (e) {
    err = (e as Error).message;
  }
  tf.dispose(x);
  m.dispose();
  if (!err.includes(predictFails))
    throw new Error(`${id}: stock tfjs predict should fail with '${predictFails}', got '${err}'`);
}

export async function layerKindCases(variants: Record<string, Variant>, io: FixtureIo): Promise<Case[]> {
  const { out: OUT, samples: N_SAMPLES } = io;
  const cases: Case[] = [];
  const add = (id: string, why: string, modelJson: Obj, shards: FixtureFile[], expect: Expect) => {
    const dir = /^(bad|edge)\//.test(id) ? id : `good/${id}`;
    const files = io.write(dir, [{ name: 'model.json', data: json(modelJson) }, ...shards]);
    cases.push({ id, why, files, expect });
  };

  /** Builds the tfjs source model with seeded weights and writes (or checks) its reference. */
  const source = async (id: string, spec: ModelSpec, predictFails?: string) => {
    const model = buildModel(spec);
    const values = seededWeights(model, id);
    model.setWeights(values.map((v, i) => tf.tensor(v, model.weights[i].shape as number[])));
    if (predictFails) return { model, reference: undefined };
    const inShape = (model.inputs[0].shape as number[]).slice(1);
    const ref = {
      inputShape: [N_SAMPLES, ...inShape],
      input: Array.from(seededInput([N_SAMPLES, ...inShape], `${id}-input`)),
      outputShape: [N_SAMPLES, ...(model.outputs[0].shape.slice(1) as number[])],
      output: [] as number[],
    };
    ref.output = Array.from(await predictFrom(model, ref));
    const reference = `good/${id}/reference.json`;
    const file = path.join(OUT, reference);
    // A spec of a model written elsewhere (fire) must compute exactly what that one does.
    if (fs.existsSync(file)) {
      if (fs.readFileSync(file, 'utf8') !== JSON.stringify(ref)) throw new Error(`${id}: reference differs`);
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(ref));
    }
    return { model, reference };
  };

  /** A Keras dialect's model.json and one shard, weights in layer order unless `order` says otherwise. */
  const kerasFiles = (
    spec: ModelSpec,
    model: tf.LayersModel,
    d: Dialect,
    order?: (m: Manifest, s: FixtureFile[]) => ReturnType<typeof oneGroup>,
  ) => {
    const named = leafWeights(model).map((w) => ({
      name: weightName(spec, w.ancestors, w.layer, w.short, d),
      w,
    }));
    const enc = encodeWeights(named);
    let manifest: Manifest = [{ paths: ['group1-shard1of1.bin'], weights: enc.specs }];
    let shards: FixtureFile[] = [{ name: 'group1-shard1of1.bin', data: enc.data }];
    if (order) ({ manifest, shards } = order(manifest, shards));
    const modelJson = {
      format: 'layers-model',
      generatedBy: `keras v${VERSIONS[d].keras}`,
      convertedBy: VERSIONS[d].converter,
      modelTopology: kerasTopology(spec, model, d),
      weightsManifest: manifest,
    };
    return { modelJson, shards };
  };

  const written: Record<string, { modelJson: Obj; shards: FixtureFile[]; expect: Expect }> = {};
  for (const [id, k] of Object.entries(KIND_MODELS)) {
    const { model, reference } = await source(id, k.spec, k.predictFails);
    checkOutcome(id, model, k);
    const outcome = { prunable: k.prunable, skipped: k.skipped };
    const expect: Expect = {
      ok: true,
      layers: model.layers.length,
      outputShape: model.outputs[0].shape,
      ...(reference ? { reference } : { predictFails: k.predictFails }),
      ...outcome,
    };

    // tfjs-native, as SiPP Studio's exporter writes it: model.save() plus the depth_multiplier that
    // tfjs 4.22's SeparableConv2D.getConfig leaves out (tfjs-fixes.ts).
    const art = await tfjsArtifacts(model);
    const topology = restoreDepthMultipliers(model, structuredClone(art.modelTopology) as Obj);
    const tfjsJson = (modelTopology: unknown) => ({
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
      convertedBy: null,
      modelTopology,
      weightsManifest: [{ paths: ['./model.weights.bin'], weights: art.weightSpecs }],
    });
    const shard = [{ name: 'model.weights.bin', data: new Uint8Array(art.weightData as ArrayBuffer) }];
    if (reference) {
      const ref = JSON.parse(fs.readFileSync(path.join(OUT, reference), 'utf8'));
      await checkStock(tfjsJson(topology), shard, ref, reference);
    } else await checkStockCannotRun(tfjsJson(topology), shard, id, k.predictFails as string);
    const stockNote = reference
      ? 'stock tfjs 4.22 loads it'
      : 'stock tfjs 4.22 loads it and cannot run it either';
    add(
      `${id}/tfjs`,
      `${k.about}; tfjs-native (model.save); ${stockNote}`,
      tfjsJson(topology),
      shard,
      expect,
    );

    if (JSON.stringify(topology) !== JSON.stringify(art.modelTopology)) {
      // What stock model.save() writes: without depth_multiplier the topology rebuilds the layer
      // with multiplier 1, and neither stock tfjs nor the loader can fit the saved kernels to it.
      const stockErr = await stockLoad(tfjsJson(art.modelTopology), shard).then(
        (m) => (m.dispose(), ''),
        (e: Error) => e.message,
      );
      if (!/shape/i.test(stockErr))
        throw new Error(`${id}: stock tfjs should reject its own save: '${stockErr}'`);
      add(
        `${id}/tfjs-stock-save`,
        `${k.about}; as stock tfjs 4.22 model.save() writes it: depth_multiplier left out of the config, so the ` +
          'topology asks for multiplier 1 (stock tfjs rejects it too)',
        tfjsJson(art.modelTopology),
        shard,
        {
          error: 'weights-mismatch',
          message:
            "has shape [3,3,2,2] but layer 'separable_conv2d' (SeparableConv2D) depthwise_kernel expects [3,3,2,1]",
        },
      );
    }

    for (const d of ['keras2-new', 'keras3'] as const) {
      const { modelJson, shards } = kerasFiles(k.spec, model, d);
      add(`${id}/${d}`, `${k.about}; ${KERAS_WHY[d]}`, modelJson, shards, expect);
      written[`${id}/${d}`] = { modelJson, shards, expect };
    }
    model.dispose();
  }

  // Conv2DTranspose keys that tfjs 4.22 ignores: it would load these and compute other outputs.
  {
    const edit = (from: string, layer: string, change: Obj) => {
      const { modelJson, shards, expect } = written[from];
      const o = structuredClone(modelJson);
      const l = o.modelTopology.model_config.config.layers.find((x: Obj) => x.config.name === layer);
      Object.assign(l.config, change);
      return { o, shards, expect };
    };
    {
      const { o, shards, expect } = edit('conv2d-transpose/keras2-new', 'conv2d_transpose', {
        output_padding: [1, 1],
      });
      add(
        'edge/conv2d-transpose-output-padding-implied',
        "Conv2DTranspose(3, strides=2, padding='same', output_padding=1), as decoders write it: the size tfjs " +
          'computes anyway, so it loads (with a notice) and gives the reference',
        o,
        shards,
        { ...expect, notice: 'dropped output_padding from 1 Conv2DTranspose' } as Expect,
      );
    }
    {
      const { o, shards } = edit('conv2d-transpose/keras3', 'conv2d_transpose_1', { output_padding: [1, 1] });
      add(
        'bad/conv2d-transpose-output-padding',
        "Conv2DTranspose 'valid', strides 2 with output_padding [1,1] (Keras: 14x14, tfjs ignores it: 13x13)",
        o,
        shards,
        {
          error: 'unsupported-layer',
          message: "'conv2d_transpose_1' (Conv2DTranspose) uses output_padding=[1,1]",
        },
      );
    }
    {
      const { o, shards } = edit('conv2d-transpose/keras3', 'conv2d_transpose', {
        strides: [1, 1],
        dilation_rate: [2, 2],
      });
      add(
        'bad/conv2d-transpose-dilation',
        'Conv2DTranspose with dilation_rate [2,2], which tfjs 4.22 ignores',
        o,
        shards,
        {
          error: 'unsupported-layer',
          message: "'conv2d_transpose' (Conv2DTranspose) uses dilation_rate=[2,2]",
        },
      );
    }
  }

  // Issue 9's manifest-order failure in the Keras dialects: the fire model (Functional, two
  // Concatenates) with plain names, its weights listed in another order than its layers.
  {
    const spec = fireSpec();
    const { model, reference } = await source('fire', spec);
    checkOutcome('fire', model, { prunable: [...FIRE_PRUNABLE, p('predictions', 'Dense')], skipped: [] });
    const expect: Expect = {
      ok: true,
      layers: model.layers.length,
      outputShape: model.outputs[0].shape,
      reference,
      prunable: [...FIRE_PRUNABLE, p('predictions', 'Dense')],
      skipped: [],
    };
    const alphabetical = (m: Manifest, s: FixtureFile[]) =>
      oneGroup(
        entriesOf(m, s).sort((a, b) => (layerOf(a) < layerOf(b) ? -1 : layerOf(a) > layerOf(b) ? 1 : 0)),
      );
    const fire = (m: Manifest, s: FixtureFile[]) => oneGroup(entriesOf(m, s).sort(fireOrder));
    {
      const { modelJson, shards } = kerasFiles(spec, model, 'keras2-new', alphabetical);
      const why =
        'the fire model (plain names) as tf.keras 2.15 + converter 4.17: one group, layers in h5 (alphabetical) order';
      add('fire/keras2-new-plain-names', why, modelJson, shards, expect);
    }
    {
      const { modelJson, shards } = kerasFiles(spec, model, 'keras3', fire);
      const why =
        'the fire model (plain names) as Keras 3.10 + converter 4.22, manifest head first, module 3 before 2, ' +
        'expand before squeeze, bias before kernel';
      add('fire/keras3-plain-names', why, modelJson, shards, expect);
    }
    model.dispose();
  }
  {
    const v = variants['functional/keras3'];
    const { manifest, shards } = oneGroup(
      shuffled(entriesOf(v.json.weightsManifest as Manifest, v.files.slice(1)), 'functional/keras3-order'),
    );
    add(
      'functional/keras3-shuffled',
      'functional/keras3 (Add, Concatenate) with the manifest weights shuffled across layers',
      { ...v.json, weightsManifest: manifest },
      shards,
      {
        ...v.expect,
        prunable: ['dense', 'dense_1', 'dense_2', 'dense_3'].map((k) => p(k, 'Dense')),
        skipped: [],
      },
    );
  }
  return cases;
}

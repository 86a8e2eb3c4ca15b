// Small model descriptions, neutral between TF.js and Keras, from which the fixture script builds
// the source tfjs model (for reference outputs) and writes each Keras dialect by hand.
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';

export type LayerSpec =
  | { cls: 'Dense'; name: string; units: number; activation: string; l2?: number }
  | { cls: 'Dropout'; name: string; rate: number }
  | {
      cls: 'Conv2D';
      name: string;
      filters: number;
      kernel: number;
      activation: string;
      padding: 'valid' | 'same';
    }
  | { cls: 'MaxPooling2D'; name: string; pool: number }
  | { cls: 'Flatten'; name: string }
  | { cls: 'BatchNormalization'; name: string }
  | { cls: 'Add'; name: string }
  | { cls: 'Concatenate'; name: string }
  // Layer kinds added for the prunable-layer rows (layer-kinds.ts); the rows above predate them.
  | { cls: 'Activation'; name: string; activation: string }
  | { cls: 'GlobalAveragePooling2D'; name: string }
  | {
      cls: 'Conv1D';
      name: string;
      filters: number;
      kernel: number;
      activation: string;
      padding: 'valid' | 'same' | 'causal';
    }
  | {
      cls: 'SeparableConv2D';
      name: string;
      filters: number;
      kernel: number;
      depthMultiplier: number;
      activation: string;
      padding: 'valid' | 'same';
    }
  | {
      cls: 'DepthwiseConv2D';
      name: string;
      kernel: number;
      depthMultiplier: number;
      activation: string;
      padding: 'valid' | 'same';
    }
  | {
      cls: 'Conv2DTranspose';
      name: string;
      filters: number;
      kernel: number;
      strides: number;
      activation: string;
      padding: 'valid' | 'same';
    }
  /** Wraps one Dense or Conv2D, applied to every step of axis 1. */
  | { cls: 'TimeDistributed'; name: string; layer: LayerSpec };

export interface SeqSpec {
  kind: 'sequential';
  name: string;
  inputShape: number[];
  /** Name of an explicit InputLayer; without it the first layer carries the input shape. */
  inputName?: string;
  layers: LayerSpec[];
}

export interface FuncNode {
  layer: LayerSpec | SeqSpec;
  inputs: string[];
}

export interface FuncSpec {
  kind: 'functional';
  name: string;
  input: { name: string; shape: number[] };
  nodes: FuncNode[];
  output: string;
}

export type ModelSpec = SeqSpec | FuncSpec;

export const SPECS: Record<string, ModelSpec> = {
  mlp: {
    kind: 'sequential',
    name: 'sequential',
    inputShape: [8],
    layers: [
      { cls: 'Dense', name: 'dense', units: 12, activation: 'relu' },
      { cls: 'Dropout', name: 'dropout', rate: 0.25 },
      { cls: 'Dense', name: 'dense_1', units: 10, activation: 'softmax' },
    ],
  },
  'mlp-input': {
    kind: 'sequential',
    name: 'sequential',
    inputShape: [8],
    inputName: 'input_layer',
    layers: [
      { cls: 'Dense', name: 'dense', units: 16, activation: 'relu' },
      { cls: 'Dropout', name: 'dropout', rate: 0.5 },
      { cls: 'Dense', name: 'dense_1', units: 8, activation: 'relu' },
      { cls: 'Dense', name: 'dense_2', units: 4, activation: 'softmax' },
    ],
  },
  cnn: {
    kind: 'sequential',
    name: 'sequential',
    inputShape: [8, 8, 1],
    inputName: 'input_layer',
    layers: [
      { cls: 'Conv2D', name: 'conv2d', filters: 4, kernel: 3, activation: 'relu', padding: 'valid' },
      { cls: 'BatchNormalization', name: 'batch_normalization' },
      { cls: 'MaxPooling2D', name: 'max_pooling2d', pool: 2 },
      { cls: 'Conv2D', name: 'conv2d_1', filters: 6, kernel: 3, activation: 'relu', padding: 'same' },
      { cls: 'Flatten', name: 'flatten' },
      { cls: 'Dense', name: 'dense', units: 10, activation: 'softmax', l2: 1e-4 },
    ],
  },
  functional: {
    kind: 'functional',
    name: 'functional',
    input: { name: 'input_layer', shape: [8] },
    nodes: [
      { layer: { cls: 'Dense', name: 'dense', units: 12, activation: 'relu' }, inputs: ['input_layer'] },
      { layer: { cls: 'Dense', name: 'dense_1', units: 6, activation: 'silu' }, inputs: ['dense'] },
      { layer: { cls: 'Dense', name: 'dense_2', units: 6, activation: 'tanh' }, inputs: ['dense'] },
      { layer: { cls: 'Add', name: 'add' }, inputs: ['dense_1', 'dense_2'] },
      { layer: { cls: 'Concatenate', name: 'concatenate' }, inputs: ['add', 'dense'] },
      { layer: { cls: 'Dropout', name: 'dropout', rate: 0.1 }, inputs: ['concatenate'] },
      { layer: { cls: 'Dense', name: 'dense_3', units: 3, activation: 'softmax' }, inputs: ['dropout'] },
    ],
    output: 'dense_3',
  },
  nested: {
    kind: 'functional',
    name: 'functional',
    input: { name: 'input_layer', shape: [8] },
    nodes: [
      { layer: { cls: 'Dense', name: 'pre', units: 10, activation: 'relu' }, inputs: ['input_layer'] },
      {
        layer: {
          kind: 'sequential',
          name: 'inner',
          inputShape: [10],
          inputName: 'inner_input',
          layers: [
            { cls: 'Dense', name: 'inner_dense', units: 8, activation: 'relu' },
            { cls: 'Dropout', name: 'inner_dropout', rate: 0.2 },
            { cls: 'Dense', name: 'inner_dense_1', units: 6, activation: 'relu' },
          ],
        },
        inputs: ['pre'],
      },
      { layer: { cls: 'Dense', name: 'head', units: 3, activation: 'softmax' }, inputs: ['inner'] },
    ],
    output: 'head',
  },
};

const TF_ACTIVATION: Record<string, string> = { silu: 'swish' };

function tfLayer(l: LayerSpec, inputShape: number[] | undefined, autoName: boolean): tf.layers.Layer {
  const base = { ...(autoName ? {} : { name: l.name }), ...(inputShape ? { inputShape } : {}) };
  const act = (a: string) => (TF_ACTIVATION[a] ?? a) as 'relu';
  switch (l.cls) {
    case 'Dense':
      return tf.layers.dense({
        ...base,
        units: l.units,
        activation: act(l.activation),
        kernelRegularizer: l.l2 ? tf.regularizers.l2({ l2: l.l2 }) : undefined,
      });
    case 'Dropout':
      return tf.layers.dropout({ ...base, rate: l.rate });
    case 'Conv2D':
      return tf.layers.conv2d({
        ...base,
        filters: l.filters,
        kernelSize: l.kernel,
        activation: act(l.activation),
        padding: l.padding,
      });
    case 'MaxPooling2D':
      return tf.layers.maxPooling2d({ ...base, poolSize: l.pool });
    case 'Flatten':
      return tf.layers.flatten(base);
    case 'BatchNormalization':
      return tf.layers.batchNormalization(base);
    case 'Add':
      return tf.layers.add(base);
    case 'Concatenate':
      return tf.layers.concatenate(base);
    case 'Activation':
      return tf.layers.activation({ ...base, activation: act(l.activation) });
    case 'GlobalAveragePooling2D':
      return tf.layers.globalAveragePooling2d(base);
    case 'Conv1D':
      return tf.layers.conv1d({
        ...base,
        filters: l.filters,
        kernelSize: l.kernel,
        activation: act(l.activation),
        // tfjs's type leaves out 'causal', but its Conv1D takes it (and cannot run it).
        padding: l.padding as 'valid',
      });
    case 'SeparableConv2D':
      return tf.layers.separableConv2d({
        ...base,
        filters: l.filters,
        kernelSize: l.kernel,
        depthMultiplier: l.depthMultiplier,
        activation: act(l.activation),
        padding: l.padding,
      });
    case 'DepthwiseConv2D':
      return tf.layers.depthwiseConv2d({
        ...base,
        kernelSize: l.kernel,
        depthMultiplier: l.depthMultiplier,
        activation: act(l.activation),
        padding: l.padding,
      });
    case 'Conv2DTranspose':
      return tf.layers.conv2dTranspose({
        ...base,
        filters: l.filters,
        kernelSize: l.kernel,
        strides: l.strides,
        activation: act(l.activation),
        padding: l.padding,
      });
    case 'TimeDistributed':
      return tf.layers.timeDistributed({ ...base, layer: tfLayer(l.layer, undefined, autoName) });
  }
}

export function buildSequential(s: SeqSpec, autoNames = false): tf.Sequential {
  const m = tf.sequential(autoNames ? {} : { name: s.name });
  if (s.inputName) m.add(tf.layers.inputLayer({ inputShape: s.inputShape, name: s.inputName }));
  s.layers.forEach((l, i) =>
    m.add(tfLayer(l, i === 0 && !s.inputName ? s.inputShape : undefined, autoNames)),
  );
  return m;
}

export function buildModel(spec: ModelSpec, autoNames = false): tf.LayersModel {
  if (spec.kind === 'sequential') return buildSequential(spec, autoNames);
  const x = tf.input({ shape: spec.input.shape, name: spec.input.name });
  const outs = new Map<string, tf.SymbolicTensor>([[spec.input.name, x]]);
  for (const node of spec.nodes) {
    const layer = 'kind' in node.layer ? buildSequential(node.layer) : tfLayer(node.layer, undefined, false);
    const ins = node.inputs.map((n) => outs.get(n) as tf.SymbolicTensor);
    outs.set(node.layer.name, layer.apply(ins.length === 1 ? ins[0] : ins) as tf.SymbolicTensor);
  }
  return tf.model({ inputs: x, outputs: outs.get(spec.output) as tf.SymbolicTensor, name: spec.name });
}

/** Seeded weights with about 20 % exact zeros in kernels (pruned-looking), plausible BN statistics. */
export function seededWeights(model: tf.LayersModel, seed: string): Float32Array[] {
  const rng = seedrandom(seed);
  return model.weights.map((w) => {
    const n = w.shape.reduce((a: number, b) => a * (b as number), 1);
    const short = w.originalName.split('/').pop();
    const v = new Float32Array(n);
    const fan = w.shape.length >= 2 ? (w.shape[w.shape.length - 2] as number) : n;
    const limit = Math.sqrt(3 / Math.max(1, fan));
    for (let i = 0; i < n; i++) {
      const u = rng() * 2 - 1;
      if (short === 'gamma') v[i] = 1 + 0.2 * u;
      else if (short === 'moving_variance') v[i] = 0.5 + Math.abs(u);
      else if (short === 'beta' || short === 'moving_mean' || short === 'bias') v[i] = 0.1 * u;
      else v[i] = rng() < 0.2 ? 0 : limit * u;
    }
    return v;
  });
}

export function seededInput(shape: number[], seed: string): Float32Array {
  const rng = seedrandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, () => rng() * 2 - 1);
}

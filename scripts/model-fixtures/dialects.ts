// Writes a model spec as the model.json that each real-world exporter produces. Field sets follow
// what Keras 2.1/2.2 (+ tfjs converter 0.x/1.x), tf.keras 2.13-2.15 (+ converter 4.1x) and
// Keras 3 (+ converter 4.22) emit; the weight bytes are the same in every dialect.
import type * as tf from '@tensorflow/tfjs';
import type { FuncSpec, LayerSpec, ModelSpec, SeqSpec } from './specs';

export type Dialect = 'keras2-old' | 'keras2-new' | 'keras3';
type Obj = Record<string, unknown>;

const POLICY = {
  module: 'keras',
  class_name: 'DTypePolicy',
  config: { name: 'float32' },
  registered_name: null,
};

function init(cls: 'GlorotUniform' | 'Zeros' | 'Ones', d: Dialect): Obj {
  if (d === 'keras2-old') {
    return cls === 'GlorotUniform'
      ? {
          class_name: 'VarianceScaling',
          config: { scale: 1.0, mode: 'fan_avg', distribution: 'uniform', seed: null },
        }
      : { class_name: cls, config: {} };
  }
  const config = cls === 'GlorotUniform' ? { seed: null } : {};
  return { module: 'keras.initializers', class_name: cls, config, registered_name: null };
}

function l2(value: number | undefined, d: Dialect): Obj | null {
  if (!value) return null;
  if (d === 'keras2-old') return { class_name: 'L1L2', config: { l1: 0.0, l2: value } };
  return { module: 'keras.regularizers', class_name: 'L2', config: { l2: value }, registered_name: null };
}

function head(name: string, d: Dialect): Obj {
  if (d === 'keras2-old') return { name, trainable: true };
  return { name, trainable: true, dtype: d === 'keras3' ? POLICY : 'float32' };
}

/** tf.keras 2 serializes SiLU as 'swish'; Keras 3 renamed it 'silu'. */
function activation(name: string, d: Dialect): string {
  return name === 'silu' && d !== 'keras3' ? 'swish' : name;
}

/**
 * A layer's config as `d` writes it. `inputShape` (with the batch axis) is needed only where a
 * config holds a nested layer entry (TimeDistributed: its inner layer's build_config).
 */
export function layerConfig(l: LayerSpec, d: Dialect, inputShape?: unknown): Obj {
  const c = head(l.name, d);
  const regs = (k: string[]) => Object.fromEntries(k.map((x) => [x, null]));
  const convInits = {
    kernel_initializer: init('GlorotUniform', d),
    bias_initializer: init('Zeros', d),
  };
  switch (l.cls) {
    case 'Dense':
      return {
        ...c,
        units: l.units,
        activation: activation(l.activation, d),
        use_bias: true,
        kernel_initializer: init('GlorotUniform', d),
        bias_initializer: init('Zeros', d),
        kernel_regularizer: l2(l.l2, d),
        bias_regularizer: null,
        ...(d === 'keras3' ? {} : { activity_regularizer: null }),
        kernel_constraint: null,
        bias_constraint: null,
      };
    case 'Dropout':
      return {
        ...c,
        rate: l.rate,
        ...(d === 'keras3' ? { seed: null, noise_shape: null } : { noise_shape: null, seed: null }),
      };
    case 'Conv2D':
      return {
        ...c,
        filters: l.filters,
        kernel_size: [l.kernel, l.kernel],
        strides: [1, 1],
        padding: l.padding,
        data_format: 'channels_last',
        dilation_rate: [1, 1],
        ...(d === 'keras2-old' ? {} : { groups: 1 }),
        activation: activation(l.activation, d),
        use_bias: true,
        kernel_initializer: init('GlorotUniform', d),
        bias_initializer: init('Zeros', d),
        ...regs([
          'kernel_regularizer',
          'bias_regularizer',
          'activity_regularizer',
          'kernel_constraint',
          'bias_constraint',
        ]),
      };
    case 'MaxPooling2D':
      return {
        ...c,
        pool_size: [l.pool, l.pool],
        padding: 'valid',
        strides: [l.pool, l.pool],
        data_format: 'channels_last',
      };
    case 'Flatten':
      return { ...c, data_format: 'channels_last' };
    case 'BatchNormalization':
      return {
        ...c,
        // tf.keras 2.x stores the axis as a list after build; Keras 2.2 and Keras 3 keep -1.
        axis: d === 'keras2-new' ? [3] : -1,
        momentum: 0.99,
        epsilon: 0.001,
        center: true,
        scale: true,
        beta_initializer: init('Zeros', d),
        gamma_initializer: init('Ones', d),
        moving_mean_initializer: init('Zeros', d),
        moving_variance_initializer: init('Ones', d),
        ...regs(['beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint']),
        ...(d === 'keras3' ? { synchronized: false } : {}),
      };
    case 'Add':
      return c;
    case 'Concatenate':
      return { ...c, axis: -1 };
    case 'Activation':
      return { ...c, activation: activation(l.activation, d) };
    case 'GlobalAveragePooling2D':
      return { ...c, data_format: 'channels_last', ...(d === 'keras2-old' ? {} : { keepdims: false }) };
    case 'Conv1D':
      // Keras writes 1-D conv arguments as 1-tuples; 'causal' is a Conv1D-only padding.
      return {
        ...c,
        filters: l.filters,
        kernel_size: [l.kernel],
        strides: [1],
        padding: l.padding,
        data_format: 'channels_last',
        dilation_rate: [1],
        ...(d === 'keras2-old' ? {} : { groups: 1 }),
        activation: activation(l.activation, d),
        use_bias: true,
        ...convInits,
        ...regs([
          'kernel_regularizer',
          'bias_regularizer',
          'activity_regularizer',
          'kernel_constraint',
          'bias_constraint',
        ]),
      };
    case 'SeparableConv2D': {
      const rest = {
        dilation_rate: [1, 1],
        activation: activation(l.activation, d),
        use_bias: true,
        depthwise_initializer: init('GlorotUniform', d),
        pointwise_initializer: init('GlorotUniform', d),
        bias_initializer: init('Zeros', d),
        ...regs([
          'depthwise_regularizer',
          'pointwise_regularizer',
          'bias_regularizer',
          'activity_regularizer',
          'depthwise_constraint',
          'pointwise_constraint',
          'bias_constraint',
        ]),
      };
      const geometry = {
        kernel_size: [l.kernel, l.kernel],
        strides: [1, 1],
        padding: l.padding,
        data_format: 'channels_last',
      };
      // Keras 3 puts depth_multiplier first; tf.keras 2 after data_format.
      return d === 'keras3'
        ? { ...c, depth_multiplier: l.depthMultiplier, filters: l.filters, ...geometry, ...rest }
        : { ...c, filters: l.filters, ...geometry, depth_multiplier: l.depthMultiplier, ...rest };
    }
    case 'DepthwiseConv2D': {
      const geometry = {
        kernel_size: [l.kernel, l.kernel],
        strides: [1, 1],
        padding: l.padding,
        data_format: 'channels_last',
        dilation_rate: [1, 1],
      };
      if (d === 'keras3') {
        return {
          ...c,
          depth_multiplier: l.depthMultiplier,
          ...geometry,
          activation: activation(l.activation, d),
          use_bias: true,
          depthwise_initializer: init('GlorotUniform', d),
          bias_initializer: init('Zeros', d),
          ...regs([
            'depthwise_regularizer',
            'bias_regularizer',
            'activity_regularizer',
            'depthwise_constraint',
            'bias_constraint',
          ]),
        };
      }
      // tf.keras 2: Conv2D's config without its kernel_* entries, the depthwise ones appended.
      return {
        ...c,
        ...geometry,
        ...(d === 'keras2-old' ? {} : { groups: 1 }),
        activation: activation(l.activation, d),
        use_bias: true,
        bias_initializer: init('Zeros', d),
        ...regs(['bias_regularizer', 'activity_regularizer', 'bias_constraint']),
        depth_multiplier: l.depthMultiplier,
        depthwise_initializer: init('GlorotUniform', d),
        ...regs(['depthwise_regularizer', 'depthwise_constraint']),
      };
    }
    case 'Conv2DTranspose': {
      const geometry = {
        filters: l.filters,
        kernel_size: [l.kernel, l.kernel],
        strides: [l.strides, l.strides],
        padding: l.padding,
      };
      const rest = {
        data_format: 'channels_last',
        dilation_rate: [1, 1],
        ...(d === 'keras3' ? {} : { groups: 1 }),
        activation: activation(l.activation, d),
        use_bias: true,
        ...convInits,
        ...regs([
          'kernel_regularizer',
          'bias_regularizer',
          'activity_regularizer',
          'kernel_constraint',
          'bias_constraint',
        ]),
      };
      // Both write output_padding (null unless set): Keras 3 after padding, tf.keras 2 last.
      return d === 'keras3'
        ? { ...c, ...geometry, output_padding: null, ...rest }
        : { ...c, ...geometry, ...rest, output_padding: null };
    }
    case 'TimeDistributed': {
      // The wrapped layer is a full serialized entry, built on the input without its time axis.
      const child = Array.isArray(inputShape) ? [inputShape[0], ...inputShape.slice(2)] : null;
      return { ...c, layer: entry(l.layer.cls, layerConfig(l.layer, d, child), d, child) };
    }
  }
}

function inputLayerConfig(name: string, batchShape: Array<number | null>, d: Dialect): Obj {
  if (d === 'keras3') {
    return { batch_shape: batchShape, dtype: 'float32', sparse: false, ragged: false, name, optional: false };
  }
  if (d === 'keras2-new')
    return { batch_input_shape: batchShape, dtype: 'float32', sparse: false, ragged: false, name };
  return { batch_input_shape: batchShape, dtype: 'float32', sparse: false, name };
}

/** Wraps a config as a layer entry: Keras 2.13+ and 3 add module/registered_name/build_config. */
function entry(cls: string, config: Obj, d: Dialect, inputShape: unknown, module = 'keras.layers'): Obj {
  if (d === 'keras2-old') return { class_name: cls, config };
  const e: Obj = { module, class_name: cls, config, registered_name: null };
  if (cls !== 'InputLayer') e.build_config = { input_shape: inputShape };
  return e;
}

/** The input shape Keras records in build_config: one shape, or a list for merge layers. */
function inputShapeOf(layer: tf.layers.Layer): unknown {
  const shapes = layer.inboundNodes[layer.inboundNodes.length - 1].inputShapes as unknown[];
  if (!Array.isArray(shapes[0])) return shapes;
  return shapes.length === 1 ? shapes[0] : shapes;
}

function sequentialConfig(s: SeqSpec, m: tf.Sequential, d: Dialect, legacyList = false): Obj | Obj[] {
  const batch = [null, ...s.inputShape];
  const layers: Obj[] = [];
  // tf.keras 2.13+ and Keras 3 always list the input layer; Keras 2.1/2.2 never do.
  if (d !== 'keras2-old') {
    const name = s.inputName ?? (d === 'keras3' ? 'input_layer' : `${s.layers[0].name}_input`);
    layers.push(entry('InputLayer', inputLayerConfig(name, batch, d), d, null));
  }
  s.layers.forEach((l, i) => {
    const inputShape = inputShapeOf(m.getLayer(l.name));
    const config = layerConfig(l, d, inputShape);
    if (d === 'keras2-old' && i === 0) Object.assign(config, { batch_input_shape: batch, dtype: 'float32' });
    layers.push(entry(l.cls, config, d, inputShape));
  });
  // Keras 2.1 wrote a Sequential's config as the bare list of its layers.
  if (legacyList) return layers;
  const config: Obj = { name: s.name, layers };
  if (d === 'keras3') Object.assign(config, { trainable: true, dtype: POLICY, build_input_shape: batch });
  return config;
}

function kerasTensor(source: string, shape: unknown): Obj {
  return {
    class_name: '__keras_tensor__',
    config: { shape, dtype: 'float32', keras_history: [source, 0, 0] },
  };
}

function functionalConfig(f: FuncSpec, m: tf.LayersModel, d: Dialect): Obj {
  const nested = new Set(f.nodes.filter((n) => 'kind' in n.layer).map((n) => n.layer.name));
  const outShape = (name: string) => m.getLayer(name).outputShape;
  const layers: Obj[] = [];
  const input = entry('InputLayer', inputLayerConfig(f.input.name, [null, ...f.input.shape], d), d, null);
  layers.push({ ...input, name: f.input.name, inbound_nodes: [] });
  for (const node of f.nodes) {
    const l = node.layer;
    const inputShape = inputShapeOf(m.getLayer(l.name));
    const e =
      'kind' in l
        ? entry(
            'Sequential',
            sequentialConfig(l, m.getLayer(l.name) as tf.Sequential, d) as Obj,
            d,
            inputShape,
            'keras',
          )
        : entry(l.cls, layerConfig(l, d, inputShape), d, inputShape);
    let inbound: unknown[];
    if (d === 'keras3') {
      const tensors = node.inputs.map((i) => kerasTensor(i, outShape(i)));
      inbound = [{ args: tensors.length === 1 ? tensors : [tensors], kwargs: {} }];
    } else {
      // Keras 2 counts a nested model's own inputs-to-outputs link as its node 0.
      inbound = [node.inputs.map((i) => [i, nested.has(i) ? 1 : 0, 0, {}])];
    }
    layers.push({ ...e, name: l.name, inbound_nodes: inbound });
  }
  const io = (name: string) => [name, d !== 'keras3' && nested.has(name) ? 1 : 0, 0];
  const config: Obj = { name: f.name, layers };
  if (d === 'keras3') {
    // Keras 3 writes a single input/output tensor as a bare triple, not a list of triples.
    Object.assign(config, { trainable: true, input_layers: io(f.input.name), output_layers: io(f.output) });
  } else {
    Object.assign(config, { input_layers: [io(f.input.name)], output_layers: [io(f.output)] });
    if (d === 'keras2-new') config.trainable = true;
  }
  return config;
}

export const VERSIONS: Record<Dialect, { keras: string; converter: string }> = {
  'keras2-old': { keras: '2.2.4-tf', converter: 'TensorFlow.js Converter v1.7.4' },
  'keras2-new': { keras: '2.15.0', converter: 'TensorFlow.js Converter v4.17.0' },
  keras3: { keras: '3.10.0', converter: 'TensorFlow.js Converter v4.22.0' },
};

/** modelTopology as the converter writes it for a Keras model. */
export function kerasTopology(
  spec: ModelSpec,
  m: tf.LayersModel,
  d: Dialect,
  opts: { legacyList?: boolean; kerasVersion?: string } = {},
): Obj {
  const cls = spec.kind === 'sequential' ? 'Sequential' : d === 'keras2-old' ? 'Model' : 'Functional';
  const config =
    spec.kind === 'sequential'
      ? sequentialConfig(spec, m as tf.Sequential, d, opts.legacyList)
      : functionalConfig(spec, m, d);
  let modelConfig: Obj = { class_name: cls, config };
  if (d === 'keras3') {
    modelConfig = {
      module: 'keras',
      class_name: cls,
      config,
      registered_name: cls === 'Functional' ? 'Functional' : null,
      build_config: { input_shape: spec.kind === 'sequential' ? [null, ...spec.inputShape] : null },
      compile_config: {
        optimizer: 'adam',
        loss: 'categorical_crossentropy',
        metrics: ['accuracy'],
        loss_weights: null,
        weighted_metrics: null,
        run_eagerly: false,
        steps_per_execution: 1,
        jit_compile: false,
      },
    };
  }
  const training =
    d === 'keras3'
      ? undefined
      : {
          loss: 'categorical_crossentropy',
          metrics: ['accuracy'],
          weighted_metrics: null,
          loss_weights: null,
          sample_weight_mode: null,
          optimizer_config: {
            class_name: d === 'keras2-old' ? 'Adam' : 'Custom>Adam',
            config:
              d === 'keras2-old'
                ? { lr: 0.001, beta_1: 0.9, beta_2: 0.999, decay: 0.0, epsilon: 1e-7, amsgrad: false }
                : {
                    name: 'Adam',
                    learning_rate: 0.001,
                    beta_1: 0.9,
                    beta_2: 0.999,
                    epsilon: 1e-7,
                    amsgrad: false,
                  },
          },
        };
  return {
    keras_version: opts.kerasVersion ?? VERSIONS[d].keras,
    backend: 'tensorflow',
    model_config: modelConfig,
    ...(training ? { training_config: training } : {}),
  };
}

/** Manifest weight name for a weight owned by `layer` inside `ancestors` (outermost model first). */
export function weightName(
  spec: ModelSpec,
  ancestors: string[],
  layer: string,
  short: string,
  d: Dialect,
): string {
  // tf.keras 2 builds a wrapped layer inside its wrapper's name scope only: time_distributed/kernel.
  if (d !== 'keras3') return `${layer}/${short}`;
  // Keras 3 builds Sequential layers inside the model's name scope; Functional layers are built
  // when called, outside it, so only nested models show up in their path.
  const scope = spec.kind === 'sequential' ? ancestors : ancestors.slice(1);
  const l = findLayer(spec, layer);
  // A wrapped layer's build opens its own name scope too (time_distributed/dense/kernel), and
  // Keras 3 calls a DepthwiseConv2D kernel 'kernel' (tfjs and tf.keras 2: 'depthwise_kernel').
  if (l?.cls === 'TimeDistributed') return [...scope, layer, l.layer.name, short].join('/');
  if (l?.cls === 'DepthwiseConv2D' && short === 'depthwise_kernel')
    return [...scope, layer, 'kernel'].join('/');
  return [...scope, layer, short].join('/');
}

/** The spec of the (non-model) layer named `name`, searching nested models. */
function findLayer(spec: ModelSpec, name: string): LayerSpec | undefined {
  const layers = spec.kind === 'sequential' ? spec.layers : spec.nodes.map((n) => n.layer);
  for (const l of layers) {
    if ('kind' in l) {
      const inner = findLayer(l, name);
      if (inner) return inner;
    } else if (l.name === name) return l;
  }
  return undefined;
}

import { describe, expect, it } from 'vitest';
import { SippError } from '../util/errors';
import { normalizeTopology } from './normalize';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const policy = (name = 'float32') => ({
  module: 'keras',
  class_name: 'DTypePolicy',
  config: { name },
  registered_name: null,
});
const kt = (layer: string, node = 0) => ({
  class_name: '__keras_tensor__',
  config: { shape: [null, 4], dtype: 'float32', keras_history: [layer, node, 0] },
});
const dense = (name: string, extra: Obj = {}) => ({
  module: 'keras.layers',
  class_name: 'Dense',
  config: {
    name,
    trainable: true,
    dtype: policy(),
    units: 4,
    activation: 'relu',
    kernel_initializer: {
      module: 'keras.initializers',
      class_name: 'GlorotUniform',
      config: { seed: null },
      registered_name: null,
    },
    kernel_regularizer: {
      module: 'keras.regularizers',
      class_name: 'L2',
      config: { l2: 0.01 },
      registered_name: null,
    },
    ...extra,
  },
  registered_name: null,
  build_config: { input_shape: [null, 4] },
});

function keras3Functional(): Obj {
  return {
    keras_version: '3.10.0',
    backend: 'tensorflow',
    model_config: {
      module: 'keras',
      class_name: 'Functional',
      config: {
        name: 'functional',
        trainable: true,
        layers: [
          {
            module: 'keras.layers',
            class_name: 'InputLayer',
            config: {
              batch_shape: [null, 4],
              dtype: 'float32',
              sparse: false,
              ragged: false,
              name: 'in',
              optional: false,
            },
            registered_name: null,
            name: 'in',
            inbound_nodes: [],
          },
          { ...dense('a'), name: 'a', inbound_nodes: [{ args: [kt('in')], kwargs: {} }] },
          {
            module: 'keras',
            class_name: 'Sequential',
            config: {
              name: 'inner',
              dtype: policy(),
              layers: [dense('inner_dense', { batch_input_shape: [null, 4] })],
            },
            registered_name: null,
            name: 'inner',
            inbound_nodes: [{ args: [kt('a')], kwargs: { training: true } }],
          },
          {
            module: 'keras.layers',
            class_name: 'Add',
            config: { name: 'add', trainable: true, dtype: policy('mixed_float16') },
            registered_name: null,
            name: 'add',
            inbound_nodes: [{ args: [[kt('a'), kt('inner')]], kwargs: {} }],
          },
        ],
        input_layers: ['in', 0, 0],
        output_layers: ['add', 0, 0],
      },
      registered_name: 'Functional',
    },
  };
}

describe('normalizeTopology', () => {
  it('rewrites a Keras 3 functional model into the tfjs dialect and reports each kind of change', () => {
    const src = keras3Functional();
    const before = JSON.stringify(src);
    const { topology, notices, kerasVersion } = normalizeTopology(src);
    expect(JSON.stringify(src)).toBe(before); // input untouched
    expect(kerasVersion).toBe('3.10.0');
    const t = topology as Obj;
    expect(t.class_name).toBe('Functional');
    expect(t).not.toHaveProperty('model_config');
    const [input, a, inner, add] = t.config.layers;
    expect(input.config).toEqual({
      batch_input_shape: [null, 4],
      dtype: 'float32',
      sparse: false,
      name: 'in',
    });
    expect(a).toEqual({
      class_name: 'Dense',
      name: 'a',
      config: {
        name: 'a',
        trainable: true,
        dtype: 'float32',
        units: 4,
        activation: 'relu',
        kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
        kernel_regularizer: { class_name: 'L1L2', config: { l1: 0, l2: 0.01 } },
      },
      inbound_nodes: [[['in', 0, 0, {}]]],
    });
    expect(inner.config.dtype).toBe('float32');
    expect(inner.config.layers[0].config.dtype).toBe('float32');
    expect(inner.inbound_nodes).toEqual([[['a', 0, 0, {}]]]);
    // The nested model's first call is node 1 in tfjs; merge inputs are flattened in order.
    expect(add.inbound_nodes).toEqual([
      [
        ['a', 0, 0, {}],
        ['inner', 1, 0, {}],
      ],
    ]);
    expect(add.config.dtype).toBe('float32');
    expect(t.config.input_layers).toEqual([['in', 0, 0]]);
    expect(t.config.output_layers).toEqual([['add', 0, 0]]);
    const text = notices.join('\n');
    for (const s of [
      'batch_input_shape',
      'DTypePolicy',
      'inbound_nodes of 3',
      'node index',
      'L1L2',
      'mixed-precision',
      'training=',
      'optional, ragged',
    ]) {
      expect(text).toContain(s);
    }
  });

  it('leaves a tfjs-native topology alone', () => {
    const native = {
      class_name: 'Sequential',
      config: {
        name: 's',
        layers: [
          {
            class_name: 'Dense',
            config: { name: 'd', units: 2, batch_input_shape: [null, 3], dtype: 'float32' },
          },
        ],
      },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    };
    const { topology, notices } = normalizeTopology(native);
    expect(topology).toEqual(native);
    expect(notices).toEqual([]);
  });

  it('converts Keras 2 quirks: list-shaped Sequential config, tuples, axis lists, flat node triples', () => {
    const { topology, notices } = normalizeTopology({
      keras_version: '2.1.6',
      model_config: {
        class_name: 'Sequential',
        config: [
          {
            class_name: 'Conv2D',
            config: { name: 'c', kernel_size: { class_name: '__tuple__', items: [3, 3] } },
          },
          { class_name: 'BatchNormalization', config: { name: 'bn', axis: [3] } },
          { class_name: 'Dense', config: { name: 'd', activation: 'silu' } },
        ],
      },
    });
    const layers = (topology as Obj).config.layers;
    expect((topology as Obj).config.name).toBe('sequential');
    expect(layers[0].config.kernel_size).toEqual([3, 3]);
    expect(layers[1].config.axis).toBe(3);
    expect(layers[2].config.activation).toBe('swish');
    expect(notices.join('\n')).toMatch(/Keras 2.1 Sequential/);

    const f = normalizeTopology({
      class_name: 'Model',
      config: {
        name: 'm',
        layers: [{ class_name: 'Dense', name: 'd', config: { name: 'd' }, inbound_nodes: [['x', 0, 0]] }],
        input_layers: [['x', 0, 0]],
        output_layers: { out: ['d', 0, 0] },
      },
    }).topology as Obj;
    expect(f.config.layers[0].inbound_nodes).toEqual([[['x', 0, 0, {}]]]);
    expect(f.config.output_layers).toEqual([['d', 0, 0]]);
  });

  it('gives a wrapped layer (TimeDistributed) the same rewrites and refusals as a top-level one', () => {
    const td = (inner: Obj) => ({
      keras_version: '3.10.0',
      model_config: {
        class_name: 'Sequential',
        config: {
          name: 's',
          layers: [
            {
              module: 'keras.layers',
              class_name: 'TimeDistributed',
              config: { name: 'time_distributed', dtype: policy(), layer: inner },
              registered_name: null,
            },
          ],
        },
      },
    });
    const bn = {
      module: 'keras.layers',
      class_name: 'BatchNormalization',
      config: { name: 'bn', dtype: policy('mixed_float16'), axis: [3] },
      registered_name: null,
      build_config: { input_shape: [null, 4, 4, 2] },
    };
    const { topology, notices } = normalizeTopology(td(bn));
    const wrapped = (topology as Obj).config.layers[0].config.layer;
    expect(wrapped.class_name).toBe('BatchNormalization');
    expect(wrapped.config).toEqual({ name: 'bn', dtype: 'float32', axis: 3 });
    expect(notices.join('\n')).toMatch(/single-element axis list/);
    expect(notices.join('\n')).toMatch(/mixed-precision/);
    expect(() =>
      normalizeTopology(td({ class_name: 'Conv2D', config: { name: 'c', groups: 2, kernel_size: [3, 3] } })),
    ).toThrow(/Layer 'c' \(Conv2D\) uses groups=2/);
  });

  it('Conv2DTranspose: keeps output_padding only where it means what tfjs computes, refuses dilation', () => {
    const tr = (extra: Obj, wrap = false) => {
      const layer = {
        class_name: 'Conv2DTranspose',
        config: { name: 't', filters: 2, kernel_size: [3, 3], strides: [2, 2], padding: 'same', ...extra },
      };
      return {
        class_name: 'Sequential',
        config: {
          name: 's',
          layers: [wrap ? { class_name: 'TimeDistributed', config: { name: 'td', layer } } : layer],
        },
      };
    };
    const run = (t: Obj) => {
      try {
        const { topology, notices } = normalizeTopology(t);
        const l = (topology as Obj).config.layers[0].config;
        return { config: l.layer?.config ?? l, notices: notices.join('\n') };
      } catch (e) {
        return `${(e as SippError).code}: ${(e as Error).message}`;
      }
    };
    // Keras writes output_padding: null by default; tfjs ignores the key.
    expect(run(tr({ output_padding: null, dilation_rate: [1, 1] }))).toMatchObject({ notices: '' });
    // same, k 3, s 2: tfjs's output is in·2, which Keras gives with output_padding 1: dropped.
    const same = run(tr({ output_padding: 1 }));
    expect(same).toMatchObject({
      notices: expect.stringMatching(/dropped output_padding from 1 Conv2DTranspose/),
    });
    expect((same as { config: Obj }).config).not.toHaveProperty('output_padding');
    // valid, k 3, s 2: tfjs gives (in - 1)·2 + 3, Keras's output_padding [1, 1] one more.
    expect(run(tr({ padding: 'valid', output_padding: [1, 1] }))).toBe(
      "unsupported-layer: Layer 't' (Conv2DTranspose) uses output_padding=[1,1] (TF.js always computes the " +
        "size of output_padding=[0,0] here); TensorFlow.js 4.22 ignores it, so the layer's output would differ " +
        "from the trained model's.",
    );
    // valid, k 1, s 2: tfjs pads to in·2 (implied output_padding 1); output_padding 0 is (in - 1)·2 + 1.
    expect(run(tr({ kernel_size: [1, 1], padding: 'valid', output_padding: [0, 0] }))).toMatch(
      /output_padding=\[0,0\] \(TF.js always computes the size of output_padding=\[1,1\]/,
    );
    expect(run(tr({ kernel_size: [1, 1], padding: 'valid', output_padding: [1, 1] }))).toMatchObject({
      notices: expect.stringMatching(/dropped output_padding/),
    });
    expect(run(tr({ dilation_rate: [2, 2] }))).toMatch(/^unsupported-layer: .*uses dilation_rate=\[2,2\]/);
    expect(run(tr({ output_padding: [0, 1] }, true))).toMatch(
      /^unsupported-layer: Layer 't'.*output_padding=\[0,1\]/,
    );
  });

  it('rejects what is not a Keras model, with codes', () => {
    const err = (t: unknown) => {
      try {
        normalizeTopology(t, 'm.json');
      } catch (e) {
        return `${(e as SippError).code}: ${(e as Error).message}`;
      }
      return 'ok';
    };
    expect(err(null)).toMatch(/^topology-invalid: m.json/);
    expect(err({ class_name: 'Dense', config: {} })).toMatch(/"Dense", not a Sequential/);
    expect(err({ class_name: 'Sequential', config: { name: 's' } })).toMatch(/no 'layers'/);
    expect(err({ class_name: 'Model', config: { layers: [] } })).toMatch(/no input_layers/);
    expect(err({ class_name: 'Sequential', config: { layers: [{ config: {} }] } })).toMatch(
      /layer #1 has no class_name/,
    );
    expect(
      err({
        class_name: 'Sequential',
        config: { layers: [{ class_name: 'Conv2D', config: { name: 'c', groups: 4 } }] },
      }),
    ).toMatch(/^unsupported-layer: Layer 'c' \(Conv2D\) uses groups=4/);
  });
});

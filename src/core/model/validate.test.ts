import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SippError } from '../util/errors';
import { checkFinite, checkGraph, checkLayerClasses, validateManifest } from './validate';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

const fail = (f: () => void) => {
  try {
    f();
  } catch (e) {
    return `${(e as SippError).code}: ${(e as Error).message}`;
  }
  return 'ok';
};

function functional(layers: Obj[], output = 'b'): Obj {
  return {
    class_name: 'Model',
    config: {
      name: 'm',
      layers: [
        {
          class_name: 'InputLayer',
          name: 'x',
          config: { name: 'x', batch_input_shape: [null, 2] },
          inbound_nodes: [],
        },
        ...layers,
      ],
      input_layers: [['x', 0, 0]],
      output_layers: [[output, 0, 0]],
    },
  };
}
const dense = (name: string, ...nodes: Array<Array<[string, number]>>) => ({
  class_name: 'Dense',
  name,
  config: { name, units: 2 },
  inbound_nodes: nodes.map((n) => n.map(([src, k]) => [src, k, 0, {}])),
});

describe('checkGraph', () => {
  it('accepts a valid graph, including a layer shared twice and a nested model', async () => {
    // a is called twice (nodes 0 and 1); b reads the second call.
    const t = functional([dense('a', [['x', 0]], [['a', 0]]), dense('b', [['a', 1]])]);
    expect(fail(() => checkGraph(t, 'm.json'))).toBe('ok');
    const m = await tf.models.modelFromJSON({ modelTopology: t } as tf.io.ModelJSON);
    expect(m.layers.map((l) => l.name)).toEqual(['x', 'a', 'b']);
    m.dispose();
  });

  it('rejects graphs on which tfjs would spin forever', () => {
    expect(
      fail(() => checkGraph(functional([dense('a', [['x', 0]]), dense('b', [['a', 1]])]), 'm.json')),
    ).toMatch(/^topology-invalid: m.json: m: layer 'b' reads call #1 of 'a', which never happens/);
    expect(
      fail(() => checkGraph(functional([dense('a', [['b', 0]]), dense('b', [['a', 0]])]), 'm.json')),
    ).toMatch(/never happens \(a cycle or a wrong node index\); 1 more layer/);
    expect(fail(() => checkGraph(functional([dense('b', [['zz', 0]])]), 'm.json'))).toMatch(/from 'zz'/);
    expect(fail(() => checkGraph(functional([dense('a', [['x', 0]])], 'q'), 'm.json'))).toMatch(
      /output_layers names 'q'/,
    );
    expect(fail(() => checkGraph(functional([dense('x', [['x', 0]])]), 'm.json'))).toMatch(
      /two layers are named 'x'/,
    );
  });

  it('looks inside nested models', () => {
    const inner = functional([dense('b', [['nope', 0]])]);
    const outer = {
      class_name: 'Sequential',
      config: {
        name: 'outer',
        layers: [{ class_name: 'Model', config: { ...inner.config, name: 'inner' } }],
      },
    };
    expect(fail(() => checkGraph(outer, 'm.json'))).toMatch(
      /outer > inner: layer 'b' takes its input from 'nope'/,
    );
  });
});

describe('checkLayerClasses', () => {
  it('finds an unknown class inside a nested model and names the layer', () => {
    const t = {
      class_name: 'Sequential',
      config: {
        layers: [
          { class_name: 'Dense', config: { name: 'd' } },
          {
            class_name: 'Sequential',
            config: { layers: [{ class_name: 'TFOpLambda', config: { name: 'tf.math.add' } }] },
          },
        ],
      },
    };
    expect(fail(() => checkLayerClasses(t))).toBe(
      "unknown-layer: Layer 'tf.math.add' has class TFOpLambda, which TensorFlow.js 4.22 does not implement: it wraps Python code, which cannot run in TensorFlow.js.",
    );
    // Registered non-layer classes (an optimizer, an initializer) are not layers either.
    expect(
      fail(() => checkLayerClasses({ config: { layers: [{ class_name: 'Adam', config: { name: 'o' } }] } })),
    ).toMatch(/^unknown-layer/);
    expect(
      fail(() => checkLayerClasses({ config: { layers: [{ class_name: 'Conv2D', config: {} }] } })),
    ).toBe('ok');
  });
});

describe('validateManifest', () => {
  it('accepts null quantization and a weightless group, rejects a non-string path', () => {
    const m = [
      { paths: ['a.bin'], weights: [{ name: 'w', shape: [2], dtype: 'float32', quantization: null }] },
      { paths: [], weights: [] },
    ];
    expect(validateManifest(m, 'm.json')[0].weights[0]).not.toHaveProperty('quantization');
    expect(fail(() => validateManifest([{ paths: [3], weights: [] }], 'm.json'))).toMatch(
      /^manifest-invalid.*paths/,
    );
    expect(
      fail(() => validateManifest([{ paths: ['a'], weights: [{ shape: [1], dtype: 'float32' }] }], 'm.json')),
    ).toMatch(/without a name/);
  });
});

describe('checkFinite', () => {
  it('counts NaN and both infinities per weight and ignores integer weights', () => {
    expect(fail(() => checkFinite([{ name: 'ok', values: new Float32Array([1, 2]) }]))).toBe('ok');
    expect(fail(() => checkFinite([{ name: 'i', values: new Int32Array([1]) }]))).toBe('ok');
    const msg = fail(() =>
      checkFinite([
        { name: 'a/kernel', values: new Float32Array([NaN, -Infinity, Infinity, 0]) },
        { name: 'b/bias', values: new Float32Array([NaN]) },
      ]),
    );
    expect(msg).toBe(
      'nonfinite-weights: The model has 4 non-finite weight value(s), so its outputs and sensitivities would be NaN: a/kernel (1 NaN, 2 Inf of 4); b/bias (1 NaN of 1).',
    );
  });
});

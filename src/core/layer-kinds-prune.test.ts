// End to end on models that had nothing prunable before Conv1D, TimeDistributed, SeparableConv2D
// and Conv2DTranspose were supported: prepare, prune, evaluate, export, reload in stock tfjs.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { PruningSession } from './session';
import type { MethodKey, NamedBytes } from './types';
import { exportModel } from './export/model';
import { maskFromZeros } from './train/masks';
import { batchFor } from '../test-support/models';
import { rng, useBackend } from '../test-support/tf-node';

await useBackend('cpu');

type Build = (x: tf.SymbolicTensor) => tf.SymbolicTensor;
const apply = (l: tf.layers.Layer, x: tf.SymbolicTensor) => l.apply(x) as tf.SymbolicTensor;

const MODELS: Array<{ name: string; input: number[]; body: Build; kinds: string[] }> = [
  {
    name: 'audio: Conv1D, TimeDistributed(Dense), Dense on [T, F]',
    input: [16, 3],
    body: (x) => {
      let h = apply(
        tf.layers.conv1d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1' }),
        x,
      );
      h = apply(
        tf.layers.conv1d({ filters: 8, kernelSize: 3, strides: 2, activation: 'relu', name: 'c2' }),
        h,
      );
      h = apply(
        tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 6, activation: 'relu' }), name: 'td' }),
        h,
      );
      h = apply(tf.layers.dense({ units: 5, activation: 'relu', name: 'd3' }), h);
      return apply(tf.layers.flatten(), h);
    },
    kinds: ['c1:conv1d', 'c2:conv1d', 'td:dense', 'd3:dense', 'out:dense'],
  },
  {
    name: 'SeparableConv2D',
    input: [8, 8, 2],
    body: (x) => {
      let h = apply(
        tf.layers.separableConv2d({
          filters: 12,
          kernelSize: 3,
          padding: 'same',
          depthMultiplier: 2,
          activation: 'relu',
          name: 's1',
        }),
        x,
      );
      h = apply(
        tf.layers.separableConv2d({ filters: 16, kernelSize: 3, strides: 2, activation: 'relu', name: 's2' }),
        h,
      );
      // Pooling, not flatten: a wide last Dense would take the whole budget (§3.4).
      return apply(tf.layers.globalAveragePooling2d({}), h);
    },
    kinds: ['s1:separable-pointwise', 's2:separable-pointwise', 'out:dense'],
  },
  {
    name: 'Conv2DTranspose',
    input: [4, 4, 3],
    body: (x) => {
      let h = apply(
        tf.layers.conv2dTranspose({
          filters: 12,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          activation: 'relu',
          name: 'u1',
        }),
        x,
      );
      h = apply(tf.layers.conv2dTranspose({ filters: 12, kernelSize: 2, activation: 'relu', name: 'u2' }), h);
      return apply(tf.layers.globalAveragePooling2d({}), h);
    },
    kinds: ['u1:conv2d-transpose', 'u2:conv2d-transpose', 'out:dense'],
  },
  {
    name: 'TimeDistributed(Conv2D)',
    input: [3, 6, 6, 3],
    body: (x) => {
      const conv = tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' });
      let h = apply(tf.layers.timeDistributed({ layer: conv, name: 'tdc' }), x);
      h = apply(tf.layers.timeDistributed({ layer: tf.layers.globalAveragePooling2d({}), name: 'pool' }), h);
      return apply(tf.layers.flatten(), h);
    },
    kinds: ['tdc:conv2d', 'out:dense'],
  },
];

function build(m: (typeof MODELS)[number]): tf.LayersModel {
  const x = tf.input({ shape: m.input });
  const y = apply(tf.layers.dense({ units: 4, activation: 'softmax', name: 'out' }), m.body(x));
  const model = tf.model({ inputs: x, outputs: y });
  const r = rng(5);
  const values = model.weights.map((w) => {
    const shape = w.shape as number[];
    const fanIn = shape.length > 1 ? shape.slice(0, -1).reduce((a, b) => a * b, 1) : 4;
    return tf.tensor(
      Float32Array.from(
        { length: shape.reduce((a, b) => a * b, 1) },
        () => ((r() * 2 - 1) * 2) / Math.sqrt(fanIn),
      ),
      shape,
    );
  });
  model.setWeights(values);
  values.forEach((t) => t.dispose());
  return model;
}

/** Stock tfjs, nothing of ours: the exported files through an IOHandler. */
function stockLoad(files: NamedBytes[]): Promise<tf.LayersModel> {
  const json = JSON.parse(new TextDecoder().decode(files.find((f) => f.name === 'model.json')!.data));
  const group = json.weightsManifest[0];
  const bin = files.find((f) => f.name === group.paths[0])!.data;
  return tf.loadLayersModel({
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: group.weights,
      weightData: bin.slice().buffer,
      format: json.format,
    }),
  });
}

const METHODS: MethodKey[] = ['sipp', 'sipp-det', 'sipp-rand', 'snip', 'wt'];

describe.each(MODELS)('$name', (spec) => {
  it('prunes at 50 %, evaluates, exports, and stock tfjs reloads identical predictions', async () => {
    const model = build(spec);
    const batch = batchFor(model, 90, 3, true);
    const t0 = tf.memory().numTensors;
    const session = await PruningSession.create(model, batch, { points: 30 });
    expect(session.info.prunable.map((p) => `${p.key}:${p.kind}`)).toEqual(spec.kinds);
    const n0 = tf.memory().numTensors;
    await session.prepare(METHODS);
    for (const method of METHODS) {
      const r = await session.prune(method, 0.5, { seed: 3 });
      expect(
        r.withinTolerance,
        `${method}: ${r.achievedSparsity} after ${r.trials} trials, ${r.nonzeroParams}/${r.totalParams}`,
      ).toBe(true);
      expect(Math.abs(r.achievedSparsity - 0.5)).toBeLessThan(0.005 * 0.5);
      // Only kernels change, each in its own variable, and each loses weights somewhere.
      expect([...r.overrides.keys()].sort()).toEqual([...session.weights.kernelVar].sort());
      expect(r.prunableSparsity).toBeGreaterThan(0.5);
      const ev = await session.evaluate(r);
      expect(ev.agreement).toBeGreaterThan(0);
    }
    const r = await session.prune('sipp', 0.5, { seed: 3 });
    // The global allocation may keep a small layer whole, but not every layer of a new kind.
    const zeros = session.info.prunable.map(
      (p, li) => `${p.key}:${r.kernels[li].filter((v) => v === 0).length}`,
    );
    expect(
      session.info.prunable.some((p, li) => p.key !== 'out' && r.kernels[li].includes(0)),
      zeros.join(' '),
    ).toBe(true);
    const masks = maskFromZeros(session, r.overrides);
    session.weights.kernelVar.forEach((vi, li) => {
      expect(masks.has(vi)).toBe(r.kernels[li].includes(0));
    });
    expect(tf.memory().numTensors).toBe(n0);

    const pruned = session.modelWith(r);
    const ex = await exportModel(pruned, { name: 'm' });
    expect(tf.memory().numTensors).toBe(n0);
    const reloaded = await stockLoad(ex.files);
    const x = tf.tensor(batch.x.subarray(0, 20 * (batch.x.length / 90)), [20, ...spec.input]);
    const want = tf.tidy(() => (pruned.predict(x) as tf.Tensor).dataSync());
    const got = tf.tidy(() => (reloaded.predict(x) as tf.Tensor).dataSync());
    expect(Array.from(got)).toEqual(Array.from(want));
    session.info.prunable.forEach((p, li) => {
      // Layers by name: a second load of the same topology renames variables, never layers.
      const ws = reloaded.getLayer(p.key).getWeights();
      expect(Array.from(ws[p.kernelIndex].dataSync())).toEqual(Array.from(r.kernels[li]));
      // The depthwise half of a separable conv is fixed cost: exported as it was.
      if (p.kind === 'separable-pointwise') {
        const orig = model.getLayer(p.key).getWeights()[0].dataSync();
        expect(Array.from(ws[0].dataSync())).toEqual(Array.from(orig));
      }
    });
    // Stored-layout sensitivities: zero exactly where the original kernel is zero or unreached.
    const sens = session.sensitivities('max')!;
    session.info.prunable.forEach((p, li) => {
      const w = session.weights.original[session.weights.kernelVar[li]];
      expect(sens[li]).toHaveLength(w.length);
      sens[li].forEach((s, k) => w[k] === 0 && expect(s).toBe(0));
    });
    x.dispose();
    reloaded.dispose();
    session.dispose();
    expect(tf.memory().numTensors).toBe(t0);
    model.dispose();
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportModel } from '../../export/model';
import { disposeModel } from '../../model/clone';
import { expectClose, rng, useBackend } from '../../../test-support/tf-node';
import { channelSpaces, macsPerSample, measureLatency, shrinkModel } from './index';
import { analyse, findRoot } from './spaces';

beforeAll(async () => {
  await useBackend('cpu');
});

/** Deterministic random weights (BN variances positive). */
function randomise(model: tf.LayersModel, seed: number): void {
  const r = rng(seed);
  const vals = model.weights.map((w) => {
    const size = (w.shape as number[]).reduce((a, b) => a * b, 1);
    const isVar = w.name.includes('moving_variance');
    const data = Float32Array.from({ length: size }, () => (isVar ? 0.5 + r() : r() * 2 - 1));
    return tf.tensor(data, w.shape as number[]);
  });
  model.setWeights(vals);
  vals.forEach((t) => t.dispose());
}

/**
 * Zeroes, for a random `fraction` of the free channels, every reader's slice of that channel
 * (what a structured pruner does), and for some others the producer's output slice only (a
 * constant channel that stays). Returns how many channels were zeroed for all readers.
 */
function zeroChannels(model: tf.LayersModel, fraction: number, seed: number): number {
  const r = rng(seed);
  const a = analyse(model);
  const chosen = new Set<number>();
  const seen = new Set<number>();
  for (let n = 0; n < a.parent.length; n++) {
    const root = findRoot(a.parent, n);
    if (seen.has(root)) continue;
    seen.add(root);
    if (!a.pins.has(root) && a.blocks[a.nodeBlock[n]].free && r() < fraction) chosen.add(root);
  }
  for (const p of a.plans) {
    if (p.axes.reads.length === 0) continue;
    const vals = p.layer.getWeights().map((w) => ({ shape: w.shape, data: w.dataSync().slice() }));
    for (const rd of p.axes.reads) {
      const list = rd.list === 'in' ? p.inLists[0] : p.inner!;
      const { shape, data } = vals[rd.weight];
      const n = shape[rd.axis];
      const inner = shape.slice(rd.axis + 1).reduce((x, y) => x * y, 1);
      const outer = data.length / (n * inner);
      for (let o = 0; o < outer; o++)
        for (let i = 0; i < n; i++)
          if (chosen.has(findRoot(a.parent, list[i])))
            data.fill(0, (o * n + i) * inner, (o * n + i + 1) * inner);
    }
    const ts = vals.map((v) => tf.tensor(v.data, v.shape));
    p.layer.setWeights(ts);
    ts.forEach((t) => t.dispose());
  }
  return chosen.size;
}

function randomInputs(model: tf.LayersModel, n: number, seed: number): tf.Tensor[] {
  const r = rng(seed);
  return model.inputs.map((t) => {
    const shape = [n, ...(t.shape.slice(1) as number[])];
    const size = shape.reduce((x, y) => x * y, 1);
    return tf.tensor(
      Float32Array.from({ length: size }, () => r() * 2 - 1),
      shape,
    );
  });
}

function predictAll(model: tf.LayersModel, xs: tf.Tensor[]): Float32Array[] {
  return tf.tidy(() => {
    const y = model.predict(xs.length === 1 ? xs[0] : xs);
    return (Array.isArray(y) ? y : [y]).map((t) => t.dataSync() as Float32Array);
  });
}

async function expectExact(model: tf.LayersModel, seed = 1) {
  const before = tf.memory().numTensors;
  const { model: slim, report } = await shrinkModel(model);
  const xs = randomInputs(model, 4, seed);
  const want = predictAll(model, xs);
  const got = predictAll(slim, xs);
  want.forEach((w, i) => expectClose(got[i], w, 1e-5, 1e-5));
  expect(slim.countParams()).toBe(report.paramsAfter);
  // Round trip through the export: stock tf.loadLayersModel gives the same outputs.
  const exported = await exportModel(slim, { name: 'slim' });
  const json = JSON.parse(new TextDecoder().decode(exported.files[0].data));
  const bin = exported.files[1].data;
  const reloaded = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
    }),
  );
  predictAll(reloaded, xs).forEach((w, i) => expectClose(w, got[i], 1e-6, 1e-7));
  disposeModel(reloaded);
  xs.forEach((t) => t.dispose());
  disposeModel(slim);
  expect(tf.memory().numTensors).toBe(before);
  return report;
}

function cnnBnFlatten(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [9, 9, 3], filters: 8, kernelSize: 3, padding: 'same', name: 'c1' }));
  m.add(tf.layers.batchNormalization({ name: 'bn1' }));
  m.add(tf.layers.activation({ activation: 'relu', name: 'a1' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2, padding: 'same', name: 'p1' }));
  m.add(tf.layers.conv2d({ filters: 6, kernelSize: 2, useBias: false, name: 'c2' }));
  m.add(tf.layers.batchNormalization({ center: false, name: 'bn2' }));
  m.add(tf.layers.reLU({ name: 'r2' }));
  m.add(tf.layers.averagePooling2d({ poolSize: 2, padding: 'valid', name: 'p2' }));
  m.add(tf.layers.flatten({ name: 'fl' }));
  m.add(tf.layers.dense({ units: 7, activation: 'relu', name: 'd1' }));
  m.add(tf.layers.dropout({ rate: 0.5, name: 'drop' }));
  m.add(tf.layers.dense({ units: 4, activation: 'softmax', name: 'out' }));
  return m;
}

function residual(): tf.LayersModel {
  const x = tf.input({ shape: [8, 8, 3], name: 'x' });
  const stem = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 'stem' }).apply(x);
  const sbn = tf.layers.batchNormalization({ name: 'stem_bn' }).apply(stem);
  const s = tf.layers.reLU({ name: 'stem_relu' }).apply(sbn) as tf.SymbolicTensor;
  const b1 = tf.layers
    .conv2d({ filters: 5, kernelSize: 3, padding: 'same', name: 'b1_c1', activation: 'relu' })
    .apply(s);
  const b2 = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 'b1_c2' }).apply(b1);
  const b2n = tf.layers.batchNormalization({ scale: false, name: 'b1_bn' }).apply(b2);
  const add = tf.layers.add({ name: 'add1' }).apply([s, b2n as tf.SymbolicTensor]);
  const act = tf.layers.reLU({ name: 'add1_relu' }).apply(add);
  const proj = tf.layers.conv2d({ filters: 7, kernelSize: 1, strides: 2, name: 'proj' }).apply(act);
  const c3 = tf.layers
    .conv2d({ filters: 7, kernelSize: 3, strides: 2, padding: 'same', name: 'c3' })
    .apply(act);
  const add2 = tf.layers.add({ name: 'add2' }).apply([proj as tf.SymbolicTensor, c3 as tf.SymbolicTensor]);
  const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(add2);
  const y = tf.layers.dense({ units: 3, name: 'logits' }).apply(gap) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y });
}

function concatDepthwise(): tf.LayersModel {
  const x = tf.input({ shape: [7, 7, 2], name: 'x' });
  const a = tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'ca' }).apply(x) as tf.SymbolicTensor;
  const b = tf.layers
    .conv2d({ filters: 5, kernelSize: 3, padding: 'same', name: 'cb' })
    .apply(x) as tf.SymbolicTensor;
  // the same tensor twice, and channels from two producers
  const cat = tf.layers.concatenate({ name: 'cat' }).apply([a, b, a]) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization({ name: 'cat_bn' }).apply(cat);
  const dw = tf.layers
    .depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', name: 'dw' })
    .apply(bn) as tf.SymbolicTensor;
  const sep = tf.layers
    .separableConv2d({ filters: 6, kernelSize: 3, depthMultiplier: 2, padding: 'same', name: 'sep' })
    .apply(dw) as tf.SymbolicTensor;
  const d = tf.layers
    .dense({ units: 4, activation: 'relu', name: 'dense4d' })
    .apply(sep) as tf.SymbolicTensor;
  const cat2 = tf.layers.concatenate({ name: 'cat2' }).apply([d, b]) as tf.SymbolicTensor;
  const gmp = tf.layers.globalMaxPooling2d({ name: 'gmp' }).apply(cat2);
  const y = tf.layers.dense({ units: 3, activation: 'softmax', name: 'out' }).apply(gmp) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y });
}

describe('shrinkModel: exact on every supported pattern', () => {
  for (const [name, make] of [
    ['Sequential Conv→BN→act→pool→Conv→BN(center false)→pool→Flatten→Dense', cnnBnFlatten],
    ['Functional residual Add groups with BN, projection, GAP', residual],
    [
      'Functional Concatenate (same tensor twice), BN, DepthwiseConv2D dm 2, SeparableConv2D, Dense on rank 4',
      concatDepthwise,
    ],
  ] as const) {
    it(name, async () => {
      for (const seed of [1, 2, 3]) {
        const m = make();
        randomise(m, seed);
        const zeroed = zeroChannels(m, 0.4, seed + 10);
        expect(zeroed).toBeGreaterThan(0);
        const r = await expectExact(m, seed);
        expect(r.paramsAfter).toBeLessThan(r.paramsBefore);
        expect(r.macsAfter).toBeLessThan(r.macsBefore);
        expect(r.nonzeroAfter).toBeLessThanOrEqual(r.nonzeroBefore);
        disposeModel(m);
      }
    });
  }

  it('Flatten rows are strided: (h·W + w)·C + c', async () => {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [3, 3, 1], filters: 3, kernelSize: 1, name: 'c' }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 2, name: 'd' }));
    randomise(m, 4);
    const k = m.getLayer('d').getWeights()[0];
    const kd = k.dataSync().slice();
    // zero channel 1 at every position: rows p·3 + 1
    for (let p = 0; p < 9; p++) kd.fill(0, (p * 3 + 1) * 2, (p * 3 + 2) * 2);
    const kt = tf.tensor(kd, k.shape);
    m.getLayer('d').setWeights([kt, m.getLayer('d').getWeights()[1]]);
    kt.dispose();
    const r = await expectExact(m);
    expect(r.layers.find((l) => l.name === 'c')).toMatchObject({ before: 3, after: 2 });
    expect(r.paramsAfter).toBe(m.countParams() - 2 - 18);
    disposeModel(m);
  });
});

describe('shrinkModel: worked example §8.5', () => {
  function example(k1: number[][], k2: number[][]): tf.LayersModel {
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 3, activation: 'relu', inputShape: [2], name: 'd1' }));
    m.add(tf.layers.dense({ units: 2, name: 'd2' }));
    const ts = [tf.tensor2d(k1), tf.tensor1d([1, 0, 0]), tf.tensor2d(k2), tf.tensor1d([0.5, -0.5])];
    m.setWeights(ts);
    ts.forEach((t) => t.dispose());
    return m;
  }
  const K2 = [
    [0, 0],
    [1, 2],
    [0, 0],
  ];
  it('kr 0.5: d1 becomes Dense(1) [[2],[1]] bias [0]; d2 [[1, 2]]; 7 parameters; same logits', async () => {
    const m = example(
      [
        [0, 2, 0],
        [0, 1, 0],
      ],
      K2,
    );
    const { model: slim, report } = await shrinkModel(m);
    const w = slim.getWeights().map((t) => Array.from(t.dataSync()));
    expect(w).toEqual([[2, 1], [0], [1, 2], [0.5, -0.5]]);
    expect(report.paramsAfter).toBe(7);
    expect(report.nonzeroBefore).toBe(7);
    const x = tf.tensor2d([
      [1, 2],
      [2, 1],
      [1, 1],
    ]);
    const y = slim.predict(x) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual([4.5, 7.5, 5.5, 9.5, 3.5, 5.5]);
    tf.dispose([x, y]);
    disposeModel(slim);
    disposeModel(m);
  });
  it('kr 0.3: input 0 stays as a zero row', async () => {
    const m = example(
      [
        [0, 0, 0],
        [0, 1, 0],
      ],
      K2,
    );
    const { model: slim } = await shrinkModel(m);
    expect(Array.from(slim.getWeights()[0].dataSync())).toEqual([0, 1]);
    expect(slim.inputs[0].shape).toEqual([null, 2]);
    disposeModel(slim);
    disposeModel(m);
  });
});

describe('shrinkModel: edge cases §7.6', () => {
  it('a space whose every channel is unread keeps one zeroed channel', async () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 4, inputShape: [3], activation: 'relu', name: 'h' }));
    m.add(tf.layers.dense({ units: 2, name: 'o' }));
    randomise(m, 5);
    const o = m.getLayer('o').getWeights();
    const z = tf.zerosLike(o[0]);
    m.getLayer('o').setWeights([z, o[1]]);
    z.dispose();
    const r = await expectExact(m);
    expect(r.layers.find((l) => l.name === 'h')).toMatchObject({ before: 4, after: 1 });
    disposeModel(m);
  });

  it('an Add group channel still read by one consumer stays', async () => {
    const x = tf.input({ shape: [4, 4, 2] });
    const a = tf.layers.conv2d({ filters: 3, kernelSize: 1, name: 'a' }).apply(x) as tf.SymbolicTensor;
    const b = tf.layers.conv2d({ filters: 3, kernelSize: 1, name: 'b' }).apply(x) as tf.SymbolicTensor;
    const s = tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
    const r1 = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'r1' }).apply(s) as tf.SymbolicTensor;
    const r2 = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'r2' }).apply(a) as tf.SymbolicTensor;
    const y = tf.layers.concatenate().apply([r1, r2]) as tf.SymbolicTensor;
    const m = tf.model({ inputs: x, outputs: y });
    randomise(m, 6);
    // r1 drops channels 0 and 1 of the group; r2 (reading a) still reads channel 1.
    for (const [name, chans] of [
      ['r1', [0, 1]],
      ['r2', [0]],
    ] as const) {
      const [k, bias] = m.getLayer(name).getWeights();
      const kd = k.dataSync().slice();
      for (const c of chans) kd.fill(0, c * 2, c * 2 + 2);
      const kt = tf.tensor(kd, k.shape);
      m.getLayer(name).setWeights([kt, bias]);
      kt.dispose();
    }
    const r = await expectExact(m);
    expect(r.layers.find((l) => l.name === 'a')).toMatchObject({ before: 3, after: 2 });
    expect(r.layers.find((l) => l.name === 'b')).toMatchObject({ before: 3, after: 2 });
    disposeModel(m);
  });

  it('Add fed by a model input is pinned, with the reason', async () => {
    const x = tf.input({ shape: [5, 5, 3], name: 'img' });
    const c = tf.layers
      .conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'c' })
      .apply(x) as tf.SymbolicTensor;
    const s = tf.layers.add({ name: 'skip' }).apply([x, c]) as tf.SymbolicTensor;
    const g = tf.layers.globalAveragePooling2d({}).apply(s);
    const y = tf.layers.dense({ units: 2, name: 'o' }).apply(g) as tf.SymbolicTensor;
    const m = tf.model({ inputs: x, outputs: y });
    randomise(m, 7);
    const sp = channelSpaces(m);
    const group = sp.spaces.find((q) => q.producers.includes('c'))!;
    expect(group.producers).toContain('input:img');
    expect(group.pinned.join(' ')).toMatch(/model input/);
    const [k, b] = m.getLayer('o').getWeights();
    const z = tf.zerosLike(k);
    m.getLayer('o').setWeights([z, b]);
    z.dispose();
    const r = await expectExact(m);
    expect(r.paramsAfter).toBe(r.paramsBefore);
    disposeModel(m);
  });

  it('outputs are pinned by model.outputs, also behind an Activation; multi-output', async () => {
    const x = tf.input({ shape: [4] });
    const h = tf.layers.dense({ units: 5, name: 'h' }).apply(x) as tf.SymbolicTensor;
    const y1 = tf.layers.dense({ units: 3, name: 'y1' }).apply(h) as tf.SymbolicTensor;
    const y1a = tf.layers.activation({ activation: 'relu' }).apply(y1) as tf.SymbolicTensor;
    const y2 = tf.layers.dense({ units: 2, name: 'y2' }).apply(h) as tf.SymbolicTensor;
    const m = tf.model({ inputs: x, outputs: [y1a, y2] });
    randomise(m, 8);
    const sp = channelSpaces(m);
    expect(sp.spaces.find((q) => q.producers.includes('y1'))!.pinned.join()).toMatch(/model output/);
    expect(sp.spaces.find((q) => q.producers.includes('y2'))!.pinned.join()).toMatch(/model output/);
    expect(sp.spaces.find((q) => q.producers.includes('h'))!.pinned).toEqual([]);
    zeroChannels(m, 0.5, 3);
    await expectExact(m);
    disposeModel(m);
  });

  it('Reshape, a nested model and a shared layer pin their spaces with a reason naming them', async () => {
    const inner = tf.sequential({
      layers: [tf.layers.dense({ units: 4, inputShape: [6], name: 'inner_d' })],
    });
    const x = tf.input({ shape: [6] });
    const a = tf.layers.dense({ units: 6, name: 'a' }).apply(x) as tf.SymbolicTensor;
    const n = inner.apply(a) as tf.SymbolicTensor;
    const shared = tf.layers.dense({ units: 4, name: 'shared' });
    const s1 = shared.apply(n) as tf.SymbolicTensor;
    const s2 = shared.apply(s1) as tf.SymbolicTensor;
    const rs = tf.layers.reshape({ targetShape: [2, 2], name: 'rs' }).apply(s2) as tf.SymbolicTensor;
    const f = tf.layers.flatten().apply(rs) as tf.SymbolicTensor;
    const y = tf.layers.dense({ units: 2, name: 'o' }).apply(f) as tf.SymbolicTensor;
    const m = tf.model({ inputs: x, outputs: y });
    randomise(m, 9);
    const sp = channelSpaces(m);
    const roles = Object.fromEntries(sp.layers.map((l) => [l.name, l]));
    expect(roles[inner.name].note).toMatch(/nested model/);
    expect(roles.shared.note).toMatch(/shared layer/);
    expect(roles.rs.note).toMatch(/Reshape 'rs'/);
    expect(sp.spaces.find((q) => q.producers.includes('a'))!.pinned.join()).toMatch(/nested/);
    await expectExact(m);
    disposeModel(m);
  });

  it("softmax over a producer's channels pins them; channels_first is pinned", async () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 4, inputShape: [3], activation: 'softmax', name: 's' }));
    m.add(tf.layers.dense({ units: 2, name: 'o' }));
    const sp = channelSpaces(m);
    expect(sp.spaces.find((q) => q.producers.includes('s'))!.pinned.join()).toMatch(/softmax/);
    disposeModel(m);
  });

  it('weights can be given instead of the model values; no tensors leak', async () => {
    const m = cnnBnFlatten();
    randomise(m, 11);
    const dense = m.getWeights().map((w) => w.clone());
    zeroChannels(m, 0.5, 2);
    const zeroed = m.getWeights().map((w) => w.clone());
    const restore = dense.map((t) => t.clone());
    m.setWeights(restore);
    restore.forEach((t) => t.dispose());
    const before = tf.memory().numTensors;
    const { model: slim, report } = await shrinkModel(m, zeroed);
    expect(report.paramsAfter).toBeLessThan(report.paramsBefore);
    disposeModel(slim);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...dense, ...zeroed]);
    disposeModel(m);
  });
});

describe('cost', () => {
  it('macsPerSample counts kernels', () => {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 3, name: 'c' }));
    m.add(tf.layers.depthwiseConv2d({ kernelSize: 1, depthMultiplier: 2 }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 4 }));
    expect(macsPerSample(m)).toBe(3 * 3 * (3 * 3 * 2 * 3) + 3 * 3 * (3 * 2) + 54 * 4);
    disposeModel(m);
  });
  it('measureLatency returns a median over the runs and leaks nothing', async () => {
    const m = cnnBnFlatten();
    const before = tf.memory().numTensors;
    const r = await measureLatency(m, undefined, { batch: 8, runs: 5, warmup: 1 });
    expect(r.runs).toHaveLength(5);
    expect(r.medianMs).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    disposeModel(m);
  });
});

describe('shrinkModel on wasm (the CLI backend)', () => {
  it('is exact there too (gathered biases are fresh tensors: fused kernels check their rank)', async () => {
    await useBackend('wasm');
    try {
      for (const make of [cnnBnFlatten, residual, concatDepthwise]) {
        const m = make();
        randomise(m, 21);
        zeroChannels(m, 0.4, 22);
        const r = await expectExact(m, 23);
        expect(r.paramsAfter).toBeLessThan(r.paramsBefore);
        disposeModel(m);
      }
    } finally {
      await useBackend('cpu');
    }
  });
});

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../model/prunable';
import { cloneModel, disposeModel } from '../model/clone';
import { storedIndex, toStoredLayout } from '../model/layer-inputs';
import { LAYER_CASES, caseInputs, caseModel, type LayerCase } from '../../test-support/layer-cases';
import { referenceForward, referenceFromTerms } from '../../test-support/reference64-layers';
import { expectClose, useBackend } from '../../test-support/tf-node';
import { computeSensitivities } from './compute';
import { cpuLoopsKernel } from './cpu-kernel';
import type { Reduction, SensitivityKernel } from './kernel';
import { plainKernel } from './plain';
import { wasmSimdKernel } from './simd-kernel';

await useBackend('cpu');

const N = 5;

function f64Reference(c: LayerCase, model: tf.LayersModel, x: Float32Array, reduction: Reduction) {
  const weights = model.layers[1].getWeights().map((w) => Float64Array.from(w.dataSync()));
  const per = x.length / N;
  let terms = null;
  const points: Float64Array[] = [];
  for (let n = 0; n < N; n++) {
    const r = c.reference(weights, Float64Array.from(x.subarray(n * per, (n + 1) * per)));
    terms = r.terms;
    points.push(...r.points);
  }
  return { s: referenceFromTerms(terms!, points, reduction), terms: terms!, points, weights };
}

async function ours(
  model: tf.LayersModel,
  x: Float32Array,
  c: LayerCase,
  kernel: SensitivityKernel,
  reduction: Reduction,
) {
  const clone = await cloneModel(model);
  const info = analyzeModel(clone);
  expect(info.prunable).toHaveLength(1);
  const p = info.prunable[0];
  expect(p.kernelIndex).toBe(c.kernelIndex);
  const xt = tf.tensor(x, [N, ...c.input]);
  const before = tf.memory().numTensors;
  // Chunks of 2 points: the running maximum crosses chunks and the last chunk is short.
  const res = await computeSensitivities(clone, [p], xt, { reductions: [reduction], kernel, chunkPoints: 2 });
  expect(tf.memory().numTensors).toBe(before);
  xt.dispose();
  disposeModel(clone);
  return toStoredLayout(storedIndex(p), res.get(reduction)!.get(p.key)!);
}

// cpu and wasm (what the CLI runs in Node): the captured-input preparation (reshapes, depthwise
// conv, zero insertion) must agree on both, and cpu-loops runs on both.
describe.each(['cpu', 'wasm'] as const)('%s backend', (backend) => {
  beforeAll(() => useBackend(backend));
  afterAll(() => useBackend('cpu'));

  describe.each(LAYER_CASES)('$name', (c) => {
    let model: tf.LayersModel;
    let x: Float32Array;
    beforeAll(() => {
      model = caseModel(c, 7);
      x = caseInputs(c, N, 11);
    });
    afterAll(() => disposeModel(model));

    it('the float64 description sums what the tfjs layer computes', () => {
      const { terms, points, weights } = f64Reference(c, model, x, 'max');
      const bias = weights[weights.length - 1];
      const want = points.flatMap((pt) =>
        Array.from(referenceForward(terms, pt), (z, k) => z + bias[k % terms.outs]),
      );
      const got = tf.tidy(() => (model.predict(tf.tensor(x, [N, ...c.input])) as tf.Tensor).dataSync());
      expectClose(got, want, 1e-4, 1e-5);
    });

    for (const kernel of [plainKernel, cpuLoopsKernel, ...(wasmSimdKernel ? [wasmSimdKernel] : [])]) {
      for (const reduction of ['mean', 'max'] as Reduction[]) {
        it(`${kernel.name}, ${reduction}: matches the float64 reference`, async () => {
          const want = f64Reference(c, model, x, reduction).s;
          const got = await ours(model, x, c, kernel, reduction);
          expectClose(got, want, 1e-5, 1e-7);
          // Zero weights have zero sensitivity; every other entry is in [0, 1].
          const w = model.layers[1].getWeights()[c.kernelIndex].dataSync();
          got.forEach((s, k) => {
            if (w[k] === 0) expect(s).toBe(0);
            expect(s).toBeGreaterThanOrEqual(0);
            expect(s).toBeLessThanOrEqual(1 + 1e-6);
          });
          expect(got.some((s) => s > 0)).toBe(true);
        });
      }
    }
  });
});

describe('layers kept as is', () => {
  it('say why: causal Conv1D, depthwise, TimeDistributed of a non-prunable layer', () => {
    const x = tf.input({ shape: [6, 4, 2] });
    let h = tf.layers
      .timeDistributed({ layer: tf.layers.conv1d({ filters: 2, kernelSize: 2, name: 'c' }), name: 'tdc' })
      .apply(x) as tf.SymbolicTensor;
    h = tf.layers
      .timeDistributed({ layer: tf.layers.batchNormalization(), name: 'tdbn' })
      .apply(h) as tf.SymbolicTensor;
    h = tf.layers.reshape({ targetShape: [6, 6] }).apply(h) as tf.SymbolicTensor;
    h = tf.layers
      .conv1d({ filters: 3, kernelSize: 2, padding: 'causal', name: 'causal' })
      .apply(h) as tf.SymbolicTensor;
    const m = tf.model({ inputs: x, outputs: h });
    const info = analyzeModel(m);
    expect(info.prunable.map((p) => [p.key, p.className, p.rowsPerSample])).toEqual([
      ['tdc', 'TimeDistributed(Conv1D)', 6],
    ]);
    const why = Object.fromEntries(
      info.layers.filter((l) => l.skippedReason).map((l) => [l.key, l.skippedReason]),
    );
    expect(why.tdbn).toMatch(/^TimeDistributed\(BatchNormalization\): .*fixed cost/);
    expect(why.causal).toMatch(/causal/);
  });
});

describe('Conv2DTranspose layout', () => {
  it('row i of the [F, out] view holds exactly the stored kernel[:, :, i, :], taps flipped', async () => {
    const x = tf.input({ shape: [3, 3, 2] });
    const layer = tf.layers.conv2dTranspose({ filters: 3, kernelSize: [3, 2], strides: 2, name: 't' });
    const m = tf.model({ inputs: x, outputs: layer.apply(x) as tf.SymbolicTensor });
    const p = analyzeModel(m).prunable[0];
    const order = storedIndex(p)!;
    const [kh, kw, out, cin] = p.kernelShape;
    expect(new Set(order).size).toBe(order.length);
    const stored = Float32Array.from({ length: order.length }, (_, k) => k);
    const rows = Float32Array.from(order, (k) => stored[k]);
    expect(toStoredLayout(order, rows)).toEqual(stored);
    for (let j = 0; j < p.fanIn; j++)
      for (let i = 0; i < out; i++) {
        const k = rows[j * out + i];
        // Decode the stored [kh, kw, out, cin] index, and the row view's j = (u·kw + v)·cin + c.
        const stored4 = [
          Math.floor(k / (kw * out * cin)),
          Math.floor(k / (out * cin)) % kw,
          Math.floor(k / cin) % out,
          k % cin,
        ];
        const [u, v, c] = [Math.floor(j / (kw * cin)), Math.floor(j / cin) % kw, j % cin];
        expect(stored4).toEqual([kh - 1 - u, kw - 1 - v, i, c]);
      }
    disposeModel(m);
  });
});

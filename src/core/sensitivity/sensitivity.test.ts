import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../model/prunable';
import { computeSensitivities } from './compute';
import { referenceSensitivity } from '../../test-support/reference64';
import { expectClose, rng, useBackend } from '../../test-support/tf-node';
import { cpuLoopsKernel } from './cpu-kernel';
import type { SensitivityKernel } from './kernel';
import { plainKernel } from './plain';
import { wasmSimdKernel } from './simd-kernel';

beforeAll(() => useBackend('cpu'));

function denseModel(kernel: number[][], bias = false): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [kernel.length], units: kernel[0].length, useBias: bias, name: 'fc' }));
  const values: tf.Tensor[] = [tf.tensor2d(kernel)];
  if (bias) values.push(tf.ones([kernel[0].length]));
  m.layers[0].setWeights(values);
  values.forEach((t) => t.dispose());
  return m;
}

async function sens(
  model: tf.LayersModel,
  x: tf.Tensor,
  reduction: 'mean' | 'max',
  chunkPoints?: number,
  kernel: SensitivityKernel = plainKernel,
) {
  const info = analyzeModel(model);
  const res = await computeSensitivities(model, info.prunable, x, {
    reductions: [reduction],
    chunkPoints,
    kernel,
  });
  return res.get(reduction)!.get(info.prunable[0].key)!;
}

describe('worked example (§10)', () => {
  it('reproduces s = [[1/3, 1, 2/3], [1, 1, 0]]', async () => {
    // W is [out, in] in the doc; Keras stores [in, out].
    const W = [
      [0.5, -1, 2],
      [-0.5, 0.25, 0],
    ];
    const kernel = W[0].map((_, j) => W.map((row) => row[j]));
    const model = denseModel(kernel, true); // a bias must not change anything
    const x = tf.tensor2d([[1, 2, 0.5]]);
    const s = await sens(model, x, 'max');
    // back to [out, in]
    const got = W.map((row, i) => row.map((_, j) => s[j * 2 + i]));
    const want = [
      [1 / 3, 1, 2 / 3],
      [1, 1, 0],
    ];
    got.flat().forEach((v, k) => expect(v).toBeCloseTo(want.flat()[k], 6));
    x.dispose();
    model.dispose();
  });
});

function randomTensor(shape: number[], r: () => number, negative: boolean, zeroFrac = 0.1): Float64Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = negative ? r() * 2 - 1 : r();
    out[i] = r() < zeroFrac ? 0 : v;
  }
  return out;
}

// Every kernel of the cpu and wasm backends through the whole pass: negative inputs become two sign
// copies (§1.3) before the kernel sees them, and conv geometry comes from the layer.
const KERNELS = [plainKernel, cpuLoopsKernel, ...(wasmSimdKernel ? [wasmSimdKernel] : [])];
for (const sensKernel of KERNELS)
  describe(`${sensKernel.name} through computeSensitivities vs float64 reference`, () => {
    const r = rng(7);
    it.each([
      [5, 4, false],
      [13, 7, true],
      [1, 3, true],
    ])('dense %i -> %i (negative inputs: %s)', async (inp, out, negative) => {
      const kernel = randomTensor([inp, out], r, true);
      const pts = Array.from({ length: 6 }, () => randomTensor([inp], r, negative));
      const model = denseModel(
        Array.from({ length: inp }, (_, j) => Array.from(kernel.slice(j * out, (j + 1) * out))),
      );
      const x = tf.tensor2d(pts.map((p) => Array.from(p)));
      const got = await sens(model, x, 'max', 4, sensKernel);
      const want = referenceSensitivity(
        { kind: 'dense', kernel, kernelShape: [inp, out] },
        pts,
        [inp],
        'max',
      );
      expectClose(got, want);
      x.dispose();
      model.dispose();
    });

    const convCases: [number, number, 'same' | 'valid', boolean, 'mean' | 'max', number][] = [];
    for (const k of [1, 3, 5])
      for (const s of [1, 2])
        for (const pad of ['same', 'valid'] as const)
          for (const neg of [false, true])
            for (const red of ['mean', 'max'] as const) convCases.push([k, s, pad, neg, red, 1]);
    convCases.push(
      [3, 2, 'same', true, 'mean', 1],
      [3, 1, 'same', true, 'max', 2],
      [3, 1, 'valid', false, 'mean', 2],
    );

    it.each(convCases)(
      'conv k=%i stride=%i %s neg=%s %s dil=%i',
      async (k, stride, padding, negative, red, dil) => {
        const [H, W, cin, out] = [8, 7, 3, 4];
        const kernel = randomTensor([k, k, cin, out], r, true);
        const pts = Array.from({ length: 3 }, () => randomTensor([H, W, cin], r, negative));
        const m = tf.sequential();
        m.add(
          tf.layers.conv2d({
            inputShape: [H, W, cin],
            filters: out,
            kernelSize: k,
            strides: stride > 1 && dil === 1 ? stride : 1,
            dilationRate: dil,
            padding,
            name: 'conv',
          }),
        );
        m.layers[0].setWeights([tf.tensor4d(Array.from(kernel), [k, k, cin, out]), tf.zeros([out])]);
        const x = tf.tensor4d(
          pts.flatMap((p) => Array.from(p)),
          [pts.length, H, W, cin],
        );
        const got = await sens(m, x, red, 2, sensKernel);
        const want = referenceSensitivity(
          {
            kind: 'conv2d',
            kernel,
            kernelShape: [k, k, cin, out],
            strides: stride > 1 && dil === 1 ? [stride, stride] : [1, 1],
            dilation: [dil, dil],
            padding,
          },
          pts,
          [H, W, cin],
          red,
        );
        expectClose(got, want);
        x.dispose();
        m.dispose();
      },
    );
  });

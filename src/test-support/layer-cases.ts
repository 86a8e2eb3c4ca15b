// Tiny one-layer models of every prunable layer kind beyond Dense/Conv2D, each paired with its
// float64 description (reference64-layers.ts), for the sensitivity tests on every kernel path.
import * as tf from '@tensorflow/tfjs';
import {
  conv2dTerms,
  denseTerms,
  depthwise64,
  pointwiseTerms,
  transposeTerms,
  type TermLayer,
} from './reference64-layers';
import { rng } from './tf-node';

export interface LayerCase {
  name: string;
  /** Sample shape (no batch axis). */
  input: number[];
  /** The layer under test, named 'L'. */
  layer: () => tf.layers.Layer;
  /**
   * The float64 description of the pruned kernel, from the layer's weights (Keras layout, flat),
   * and the kernel inputs of one sample (several for TimeDistributed and Dense on [T, F]).
   */
  reference(weights: Float64Array[], sample: Float64Array): { terms: TermLayer; points: Float64Array[] };
  /** Index of the pruned kernel among the layer's weights. */
  kernelIndex: number;
}

const rows = (sample: Float64Array, n: number) =>
  Array.from({ length: sample.length / n }, (_, t) => sample.subarray(t * n, (t + 1) * n));

function conv1d(
  name: string,
  L: number,
  cin: number,
  filters: number,
  k: number,
  opts: { strides?: number; dilationRate?: number; padding: 'valid' | 'same' },
): LayerCase {
  return {
    name,
    input: [L, cin],
    kernelIndex: 0,
    layer: () => tf.layers.conv1d({ filters, kernelSize: k, ...opts, name: 'L' }),
    reference: ([w], x) => ({
      terms: conv2dTerms({
        kernel: w,
        shape: [1, k, cin, filters],
        input: [1, L],
        strides: [1, opts.strides ?? 1],
        dilation: [1, opts.dilationRate ?? 1],
        padding: opts.padding,
      }),
      points: [x],
    }),
  };
}

function separable(
  name: string,
  hw: [number, number],
  cin: number,
  filters: number,
  k: number,
  opts: { strides?: number; dilationRate?: number; padding: 'valid' | 'same'; depthMultiplier?: number },
): LayerCase {
  const dm = opts.depthMultiplier ?? 1;
  const s = opts.strides ?? 1;
  const d = opts.dilationRate ?? 1;
  return {
    name,
    input: [...hw, cin],
    kernelIndex: 1,
    layer: () => tf.layers.separableConv2d({ filters, kernelSize: k, ...opts, name: 'L' }),
    reference: ([dw, pw], x) => {
      const { out, outH, outW } = depthwise64(
        x,
        [...hw, cin],
        dw,
        [k, k, cin, dm],
        [s, s],
        [d, d],
        opts.padding,
      );
      return { terms: pointwiseTerms(pw, cin * dm, filters, outH * outW), points: [out] };
    },
  };
}

function transpose(
  name: string,
  hw: [number, number],
  cin: number,
  filters: number,
  k: [number, number],
  strides: [number, number],
  padding: 'valid' | 'same',
): LayerCase {
  return {
    name,
    input: [...hw, cin],
    kernelIndex: 0,
    layer: () => tf.layers.conv2dTranspose({ filters, kernelSize: k, strides, padding, name: 'L' }),
    reference: ([w], x) => ({
      terms: transposeTerms(w, [k[0], k[1], filters, cin], hw, strides, padding),
      points: [x],
    }),
  };
}

export const LAYER_CASES: LayerCase[] = [
  conv1d('Conv1D same', 9, 3, 4, 3, { padding: 'same' }),
  conv1d('Conv1D valid, stride 2', 10, 2, 3, 3, { padding: 'valid', strides: 2 }),
  conv1d('Conv1D same, dilation 2', 11, 2, 3, 3, { padding: 'same', dilationRate: 2 }),
  conv1d('Conv1D same, stride 2, even kernel', 8, 2, 3, 4, { padding: 'same', strides: 2 }),
  {
    name: 'Dense on [T, F]',
    input: [4, 5],
    kernelIndex: 0,
    layer: () => tf.layers.dense({ units: 3, name: 'L' }),
    reference: ([w], x) => ({ terms: denseTerms(w, 5, 3), points: rows(x, 5) }),
  },
  {
    name: 'TimeDistributed(Dense)',
    input: [4, 5],
    kernelIndex: 0,
    layer: () => tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 3 }), name: 'L' }),
    reference: ([w], x) => ({ terms: denseTerms(w, 5, 3), points: rows(x, 5) }),
  },
  {
    name: 'TimeDistributed(Conv2D) same, stride 2',
    input: [3, 5, 5, 2],
    kernelIndex: 0,
    layer: () =>
      tf.layers.timeDistributed({
        layer: tf.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' }),
        name: 'L',
      }),
    reference: ([w], x) => ({
      terms: conv2dTerms({
        kernel: w,
        shape: [3, 3, 2, 3],
        input: [5, 5],
        strides: [2, 2],
        dilation: [1, 1],
        padding: 'same',
      }),
      points: rows(x, 5 * 5 * 2),
    }),
  },
  {
    name: 'TimeDistributed(Conv1D) valid',
    input: [2, 7, 2],
    kernelIndex: 0,
    layer: () =>
      tf.layers.timeDistributed({ layer: tf.layers.conv1d({ filters: 3, kernelSize: 2 }), name: 'L' }),
    reference: ([w], x) => ({
      terms: conv2dTerms({
        kernel: w,
        shape: [1, 2, 2, 3],
        input: [1, 7],
        strides: [1, 1],
        dilation: [1, 1],
        padding: 'valid',
      }),
      points: rows(x, 7 * 2),
    }),
  },
  separable('SeparableConv2D same, depth multiplier 2', [6, 6], 2, 3, 3, {
    padding: 'same',
    depthMultiplier: 2,
  }),
  separable('SeparableConv2D valid, stride 2', [7, 7], 3, 4, 3, { padding: 'valid', strides: 2 }),
  separable('SeparableConv2D same, dilation 2', [7, 7], 2, 3, 3, { padding: 'same', dilationRate: 2 }),
  transpose('Conv2DTranspose same, stride 2', [3, 3], 2, 3, [3, 3], [2, 2], 'same'),
  transpose('Conv2DTranspose valid, stride 2', [3, 4], 2, 2, [3, 3], [2, 2], 'valid'),
  transpose('Conv2DTranspose valid, kernel < stride', [3, 3], 2, 2, [2, 2], [3, 3], 'valid'),
  transpose('Conv2DTranspose same, stride 1', [4, 4], 2, 3, [3, 3], [1, 1], 'same'),
  transpose('Conv2DTranspose same, even kernel 4, stride 2', [3, 3], 1, 2, [4, 4], [2, 2], 'same'),
  transpose('Conv2DTranspose same, kernel 3x2, strides 2x1', [3, 4], 2, 2, [3, 2], [2, 1], 'same'),
];

/**
 * A model of the case's single layer with random weights of both signs, a tenth of the kernel
 * entries exactly zero (their sensitivity must be 0), and non-zero biases (which §1.4.2 leaves out).
 */
export function caseModel(c: LayerCase, seed: number): tf.LayersModel {
  const x = tf.input({ shape: c.input });
  const y = c.layer().apply(x) as tf.SymbolicTensor;
  const m = tf.model({ inputs: x, outputs: y });
  const r = rng(seed);
  const layer = m.layers[1];
  const values = layer.weights.map((w, wi) => {
    const shape = w.shape as number[];
    const size = shape.reduce((a, b) => a * b, 1);
    const vals = Float32Array.from({ length: size }, () => {
      const v = r() * 2 - 1;
      return wi === c.kernelIndex && r() < 0.1 ? 0 : v;
    });
    return tf.tensor(vals, shape);
  });
  layer.setWeights(values);
  values.forEach((t) => t.dispose());
  return m;
}

/** n samples uniform in [-1, 1): both signs, so every kernel input is sign-split (§1.3). */
export function caseInputs(c: LayerCase, n: number, seed: number): Float32Array {
  const r = rng(seed);
  const per = c.input.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n * per }, () => r() * 2 - 1);
}

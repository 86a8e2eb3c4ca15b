import * as tf from '@tensorflow/tfjs';
import type { ConvGeometry } from '../types';
import { checkConvInputs, checkShapes } from './kernel-checks';
import { SippError } from '../util/errors';
import { EPS32, type Reduction, type SensitivityKernel } from './kernel';
import { convOutput } from './patches';
import { signedPreActivations } from './signed-z';

/**
 * Reads a tensor synchronously. Fine on cpu and wasm, where the data already lives in (wasm)
 * memory; on webgpu dataSync() can corrupt the device, so this kernel refuses to run there.
 */
export function readSync(t: tf.Tensor): Float32Array {
  const d = t.dataSync();
  return d instanceof Float32Array ? d : Float32Array.from(d);
}

export function checkBackend(what: string, kernel = 'cpu-loops'): void {
  const name = tf.getBackend();
  if (name === 'webgpu') {
    throw new SippError(
      'KERNEL_BACKEND',
      `${what}: the ${kernel} kernel reads tensors synchronously, which is unsafe on the webgpu backend; use 'webgpu-fused' or 'plain-ops' there`,
    );
  }
}

/**
 * z rule for both signs, interleaved: v[2r] = V+ and v[2r + 1] = V- of entry r of Z (V = 1/|Z|, or 0
 * where |Z| <= 2^-23), so that a weight's sign bit picks its side by index, without a branch.
 * Takes ownership of both Z tensors. (Not via tf.tidy: tidy walks a returned typed array element
 * by element looking for tensors, which costs seconds at 1M floats.)
 */
function signedReciprocals([zPos, zNeg]: [tf.Tensor, tf.Tensor]): Float32Array {
  try {
    const p = zPos.dataSync();
    const n = zNeg.dataSync();
    const v = new Float32Array(2 * p.length);
    for (let r = 0; r < p.length; r++) {
      const mp = Math.abs(p[r]);
      const mn = Math.abs(n[r]);
      v[2 * r] = mp <= EPS32 ? 0 : 1 / mp;
      v[2 * r + 1] = mn <= EPS32 ? 0 : 1 / mn;
    }
    return v;
  } finally {
    zPos.dispose();
    zNeg.dispose();
  }
}

/** 1 where w < 0, else 0: the offset of a weight's side in the interleaved V. */
function signBits(w: Float32Array): Uint8Array {
  const bits = new Uint8Array(w.length);
  for (let k = 0; k < w.length; k++) bits[k] = w[k] < 0 ? 1 : 0;
  return bits;
}

/** In place: m = max(into, |w| * m). Where w = 0 the product is 0, as the contract wants. */
function scaleAndMerge(m: Float32Array, w: Float32Array, into: Float32Array): Float32Array {
  for (let k = 0; k < m.length; k++) {
    const s = Math.abs(w[k]) * m[k];
    m[k] = s > into[k] ? s : into[k];
  }
  return m;
}

/**
 * m[j, i] = max over rows n of a[n, j] * v[n, i, σ(j, i)], v interleaved as signedReciprocals
 * writes it and σ from signBits. Row-major walk: for each (n, j) one scalar a_j against the
 * contiguous V row into the contiguous m row, so all streams are sequential. A zero a_j (common
 * after a ReLU) contributes nothing and is skipped.
 */
export function maxTimesRows(
  a: Float32Array,
  v: Float32Array,
  sign: Uint8Array,
  rows: number,
  fanIn: number,
  outs: number,
): Float32Array {
  // Float32 storage: half the memory traffic of Float64, measured ~20% faster at 1024x1024.
  const m = new Float32Array(fanIn * outs);
  for (let n = 0; n < rows; n++) {
    const aOff = n * fanIn;
    const vOff = 2 * n * outs;
    for (let j = 0; j < fanIn; j++) {
      const aj = a[aOff + j];
      if (aj === 0) continue;
      const mOff = j * outs;
      for (let i = 0; i < outs; i++) {
        const t = aj * v[vOff + 2 * i + sign[mOff + i]];
        if (t > m[mOff + i]) m[mOff + i] = t;
      }
    }
  }
  return m;
}

export interface ConvLoopShape {
  points: number;
  inH: number;
  inW: number;
  channels: number;
  outH: number;
  outW: number;
  outs: number;
  kernel: [number, number];
  strides: [number, number];
  dilation: [number, number];
  /** Leading zero padding (top, left); trailing padding is implied by the output size. */
  pads: [number, number];
}

/**
 * Conv2D contributions without patches: for each point, output position and kernel tap, the input
 * value x = X[n, iy, ix, c] is read once and applied to the whole V row (all outputs i) of that
 * position, each output on its weight's side (v interleaved, σ from signBits).
 * mean: per-point sums over positions (float64), then max over points of sum/L.
 * max: one running max over points and positions together (float32 is exact for a max).
 */
export function convLoops(
  x: Float32Array,
  v: Float32Array,
  sign: Uint8Array,
  s: ConvLoopShape,
  reduction: Reduction,
): Float32Array {
  const { points, inH, inW, channels, outH, outW, outs } = s;
  const [kh, kw] = s.kernel;
  const fanIn = kh * kw * channels;
  const positions = outH * outW;
  const m = new Float32Array(fanIn * outs);
  const mean = reduction === 'mean';
  const sum = mean ? new Float64Array(fanIn * outs) : null;
  for (let n = 0; n < points; n++) {
    if (sum) sum.fill(0);
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const vOff = 2 * ((n * outH + oy) * outW + ox) * outs;
        for (let u = 0; u < kh; u++) {
          const iy = oy * s.strides[0] + u * s.dilation[0] - s.pads[0];
          if (iy < 0 || iy >= inH) continue;
          for (let w = 0; w < kw; w++) {
            const ix = ox * s.strides[1] + w * s.dilation[1] - s.pads[1];
            if (ix < 0 || ix >= inW) continue;
            const xOff = ((n * inH + iy) * inW + ix) * channels;
            const jBase = (u * kw + w) * channels;
            for (let c = 0; c < channels; c++) {
              const xv = x[xOff + c];
              if (xv === 0) continue;
              const tOff = (jBase + c) * outs;
              if (sum) {
                for (let i = 0; i < outs; i++) sum[tOff + i] += xv * v[vOff + 2 * i + sign[tOff + i]];
              } else {
                for (let i = 0; i < outs; i++) {
                  const t = xv * v[vOff + 2 * i + sign[tOff + i]];
                  if (t > m[tOff + i]) m[tOff + i] = t;
                }
              }
            }
          }
        }
      }
    }
    if (sum) {
      for (let k = 0; k < m.length; k++) {
        const g = sum[k] / positions;
        if (g > m[k]) m[k] = g;
      }
    }
  }
  return m;
}

export function convShape(a: tf.Tensor4D, w: tf.Tensor4D, g: ConvGeometry) {
  const [points, inH, inW, channels] = a.shape;
  const [kh, kw, , outs] = w.shape;
  const { outH, outW, pad } = convOutput(inH, inW, g);
  const shape: ConvLoopShape = {
    points,
    inH,
    inW,
    channels,
    outH,
    outW,
    outs,
    kernel: [kh, kw],
    strides: g.strides,
    dilation: g.dilation,
    pads: [pad.top, pad.left],
  };
  // Explicit padding, so that Z and the loops agree on (top, left) by construction.
  const padding: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [pad.top, pad.bottom],
    [pad.left, pad.right],
    [0, 0],
  ];
  return { shape, padding };
}

/**
 * The hot path as tight loops over typed arrays, for cpu and wasm: Z comes from tf.matMul /
 * tf.conv2d (fast on wasm), the max-times and mean reductions run in JS over both signs at once,
 * and neither [points, F, out] nor patches are ever materialised. Tensor memory: the result, one
 * sign-split copy of W while its Z is made, and Z; the loops' typed arrays live in the JS heap
 * (W, its sign bits, V for both signs, the running maximum).
 */
export const cpuLoopsKernel: SensitivityKernel = {
  name: 'cpu-loops',
  dense(a, w, into) {
    checkBackend('dense');
    checkShapes('dense', a.shape, w.shape, into.shape, 0);
    const [rows, fanIn] = a.shape;
    const outs = w.shape[1];
    const v = signedReciprocals(signedPreActivations(w, (ws) => tf.matMul(a, ws)));
    const wData = readSync(w);
    const m = maxTimesRows(readSync(a), v, signBits(wData), rows, fanIn, outs);
    return tf.tensor2d(scaleAndMerge(m, wData, readSync(into)), [fanIn, outs]);
  },
  conv(a, w, geometry, reduction, into) {
    checkBackend('conv2d');
    checkConvInputs(a.shape, w.shape, into.shape, geometry);
    const { shape, padding } = convShape(a, w, geometry);
    const v = signedReciprocals(
      signedPreActivations(w, (ws) => tf.conv2d(a, ws, geometry.strides, padding, 'NHWC', geometry.dilation)),
    );
    const wData = readSync(w);
    const m = convLoops(readSync(a), v, signBits(wData), shape, reduction);
    return tf.tensor2d(scaleAndMerge(m, wData, readSync(into)), into.shape);
  },
  maxBufferBytes: () => Infinity,
};

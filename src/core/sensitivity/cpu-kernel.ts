import * as tf from '@tensorflow/tfjs';
import type { ConvGeometry } from '../types';
import { checkConvInputs, checkShapes } from './kernel-checks';
import { SippError } from '../util/errors';
import { EPS32, type Reduction, type SensitivityKernel } from './kernel';
import { convOutput } from './patches';

/**
 * Reads a tensor synchronously. Fine on cpu and wasm, where the data already lives in (wasm)
 * memory; on webgpu dataSync() can corrupt the device, so this kernel refuses to run there.
 */
function readSync(t: tf.Tensor): Float32Array {
  const d = t.dataSync();
  return d instanceof Float32Array ? d : Float32Array.from(d);
}

function checkBackend(what: string): void {
  const name = tf.getBackend();
  if (name === 'webgpu') {
    throw new SippError(
      'KERNEL_BACKEND',
      `${what}: the cpu-loops kernel reads tensors synchronously, which is unsafe on the webgpu backend; use 'webgpu-fused' or 'plain-ops' there`,
    );
  }
}

/**
 * z rule: V = 1/|Z|, or 0 where |Z| <= 2^-23. Takes ownership of `z` and disposes it. Writes a new
 * array, because on cpu dataSync() returns the tensor's own storage. (Not via tf.tidy: tidy walks a
 * returned typed array element by element looking for tensors, which costs seconds at 1M floats.)
 */
function reciprocals(z: tf.Tensor): Float32Array {
  try {
    const src = z.dataSync();
    const v = new Float32Array(src.length);
    for (let k = 0; k < v.length; k++) {
      const m = Math.abs(src[k]);
      v[k] = m <= EPS32 ? 0 : 1 / m;
    }
    return v;
  } finally {
    z.dispose();
  }
}

/**
 * m[j, i] = max over rows n of a[n, j] * v[n, i]. Row-major walk: for each (n, j) one scalar a_j
 * against the contiguous V row into the contiguous m row, so both streams are sequential. A zero
 * a_j (common after a ReLU) contributes nothing and is skipped.
 */
export function maxTimesRows(
  a: Float32Array,
  v: Float32Array,
  rows: number,
  fanIn: number,
  outs: number,
): Float32Array {
  // Float32 storage: half the memory traffic of Float64, measured ~20% faster at 1024x1024.
  const m = new Float32Array(fanIn * outs);
  for (let n = 0; n < rows; n++) {
    const aOff = n * fanIn;
    const vOff = n * outs;
    for (let j = 0; j < fanIn; j++) {
      const aj = a[aOff + j];
      if (aj === 0) continue;
      const mOff = j * outs;
      for (let i = 0; i < outs; i++) {
        const t = aj * v[vOff + i];
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
 * value x = X[n, iy, ix, c] is read once and applied to the whole contiguous V row (all outputs i)
 * of that position. mean: per-point sums over positions, then max over points of sum/L.
 * max: one running max over points and positions together.
 */
export function convLoops(
  x: Float32Array,
  v: Float32Array,
  s: ConvLoopShape,
  reduction: Reduction,
): Float32Array {
  const { points, inH, inW, channels, outH, outW, outs } = s;
  const [kh, kw] = s.kernel;
  const fanIn = kh * kw * channels;
  const positions = outH * outW;
  const m = new Float64Array(fanIn * outs);
  const mean = reduction === 'mean';
  const acc = mean ? new Float64Array(fanIn * outs) : m;
  for (let n = 0; n < points; n++) {
    if (mean) acc.fill(0);
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const vOff = ((n * outH + oy) * outW + ox) * outs;
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
              if (mean) {
                for (let i = 0; i < outs; i++) acc[tOff + i] += xv * v[vOff + i];
              } else {
                for (let i = 0; i < outs; i++) {
                  const t = xv * v[vOff + i];
                  if (t > acc[tOff + i]) acc[tOff + i] = t;
                }
              }
            }
          }
        }
      }
    }
    if (mean) {
      for (let k = 0; k < m.length; k++) {
        const g = acc[k] / positions;
        if (g > m[k]) m[k] = g;
      }
    }
  }
  return Float32Array.from(m);
}

function denseSide(a: tf.Tensor2D, aData: Float32Array, w: tf.Tensor2D): tf.Tensor2D {
  const [rows, fanIn] = a.shape;
  const outs = w.shape[1];
  const v = reciprocals(tf.matMul(a, w));
  return tf.tensor2d(maxTimesRows(aData, v, rows, fanIn, outs), [fanIn, outs]);
}

function convSide(
  a: tf.Tensor4D,
  aData: Float32Array,
  w: tf.Tensor4D,
  g: ConvGeometry,
  reduction: Reduction,
): tf.Tensor2D {
  const [points, inH, inW, channels] = a.shape;
  const [kh, kw, , outs] = w.shape;
  const { outH, outW, pad } = convOutput(inH, inW, g);
  // Explicit padding, so that Z and the loops agree on (top, left) by construction.
  const padding: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [pad.top, pad.bottom],
    [pad.left, pad.right],
    [0, 0],
  ];
  const v = reciprocals(tf.conv2d(a, w, g.strides, padding, 'NHWC', g.dilation));
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
  return tf.tensor2d(convLoops(aData, v, shape, reduction), [kh * kw * channels, outs]);
}

/**
 * The hot path as tight loops over typed arrays, for cpu and wasm: Z comes from tf.matMul /
 * tf.conv2d (fast on wasm), the max-times and mean reductions run in JS, and neither
 * [points, F, out] nor patches are ever materialised. Memory: O(F·out + inputs + Z).
 */
export const cpuLoopsKernel: SensitivityKernel = {
  name: 'cpu-loops',
  dense(a, wPos, wNeg) {
    checkBackend('dense');
    checkShapes('dense', a.shape, wPos.shape, wNeg.shape, 0);
    const aData = readSync(a);
    const mPos = denseSide(a, aData, wPos);
    try {
      return { mPos, mNeg: denseSide(a, aData, wNeg) };
    } catch (e) {
      mPos.dispose();
      throw e;
    }
  },
  conv(a, wPos, wNeg, geometry, reduction) {
    checkBackend('conv2d');
    checkConvInputs(a.shape, wPos.shape, wNeg.shape, geometry);
    const aData = readSync(a);
    const mPos = convSide(a, aData, wPos, geometry, reduction);
    try {
      return { mPos, mNeg: convSide(a, aData, wNeg, geometry, reduction) };
    } catch (e) {
      mPos.dispose();
      throw e;
    }
  },
};

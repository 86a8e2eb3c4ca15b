// Float64 reference for the SensitivityKernel contract (§1 of docs/sipp-algorithm.md), written as
// plain loops with no tfjs so that kernels are checked against something independent of them.
import type { Reduction } from '../core/sensitivity/kernel';
import type { ConvGeometry } from '../core/types';

const EPS32 = 2 ** -23;

/** Deterministic uniform [0, 1) generator (mulberry32): tests must be reproducible. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Non-negative layer input with about `zeroFraction` exact zeros, as after a ReLU. */
export function randomInput(size: number, rand: () => number, zeroFraction = 0.4): Float32Array {
  const x = new Float32Array(size);
  for (let k = 0; k < size; k++) x[k] = rand() < zeroFraction ? 0 : rand() * 2;
  return x;
}

/** Signed weights in (-1, 1) with a few exact zeros, split into W+ and W-. */
export function randomSplitWeights(
  size: number,
  rand: () => number,
): { w: Float32Array; pos: Float32Array; neg: Float32Array } {
  const w = new Float32Array(size);
  for (let k = 0; k < size; k++) w[k] = rand() < 0.05 ? 0 : rand() * 2 - 1;
  return splitWeights(w);
}

export function splitWeights(w: Float32Array): { w: Float32Array; pos: Float32Array; neg: Float32Array } {
  const pos = w.map((v) => (v > 0 ? v : 0));
  const neg = w.map((v) => (v < 0 ? v : 0));
  return { w, pos, neg };
}

function reciprocal(z: number): number {
  const m = Math.abs(z);
  return m <= EPS32 ? 0 : 1 / m;
}

/** Dense: a [rows, F], w [F, out] (one sign) -> m [F, out] = max_n a[n,j] / |z[n,i]| (z rule). */
export function referenceDense(
  a: Float32Array,
  w: Float32Array,
  rows: number,
  fanIn: number,
  outs: number,
): Float64Array {
  const m = new Float64Array(fanIn * outs);
  for (let n = 0; n < rows; n++) {
    const v = new Float64Array(outs);
    for (let i = 0; i < outs; i++) {
      let z = 0;
      for (let j = 0; j < fanIn; j++) z += a[n * fanIn + j] * w[j * outs + i];
      v[i] = reciprocal(z);
    }
    for (let j = 0; j < fanIn; j++) {
      for (let i = 0; i < outs; i++) m[j * outs + i] = Math.max(m[j * outs + i], a[n * fanIn + j] * v[i]);
    }
  }
  return m;
}

export interface ConvCase {
  points: number;
  inH: number;
  inW: number;
  channels: number;
  outs: number;
  geometry: ConvGeometry;
}

/** TF's output size and leading pad for one axis ('same' puts the odd pixel after). */
function axisGeometry(size: number, k: number, s: number, d: number, padding: 'valid' | 'same') {
  const eff = (k - 1) * d + 1;
  if (padding === 'valid') return { out: Math.floor((size - eff) / s) + 1, before: 0 };
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + eff - size, 0);
  return { out, before: Math.floor(total / 2) };
}

/**
 * Conv2D: x [N, H, W, C], w [kh, kw, C, out] (one sign) -> m [F, out], F = kh*kw*C, j = (u*kw+v)*C+c:
 * per point, mean or max over output positions of P[p, j] * V[p, i], then max over points.
 */
export function referenceConv(
  x: Float32Array,
  w: Float32Array,
  c: ConvCase,
  reduction: Reduction,
): Float64Array {
  const { points, inH, inW, channels, outs, geometry: g } = c;
  const [kh, kw] = g.kernelSize;
  const ay = axisGeometry(inH, kh, g.strides[0], g.dilation[0], g.padding);
  const ax = axisGeometry(inW, kw, g.strides[1], g.dilation[1], g.padding);
  const fanIn = kh * kw * channels;
  const positions = ay.out * ax.out;
  const m = new Float64Array(fanIn * outs);
  for (let n = 0; n < points; n++) {
    const acc = new Float64Array(fanIn * outs);
    for (let oy = 0; oy < ay.out; oy++) {
      for (let ox = 0; ox < ax.out; ox++) {
        const patch = new Float64Array(fanIn);
        for (let u = 0; u < kh; u++) {
          for (let v = 0; v < kw; v++) {
            const iy = oy * g.strides[0] + u * g.dilation[0] - ay.before;
            const ix = ox * g.strides[1] + v * g.dilation[1] - ax.before;
            if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) continue;
            for (let ch = 0; ch < channels; ch++) {
              patch[(u * kw + v) * channels + ch] = x[((n * inH + iy) * inW + ix) * channels + ch];
            }
          }
        }
        for (let i = 0; i < outs; i++) {
          let z = 0;
          for (let j = 0; j < fanIn; j++) z += patch[j] * w[j * outs + i];
          const r = reciprocal(z);
          for (let j = 0; j < fanIn; j++) {
            const g = patch[j] * r;
            const k = j * outs + i;
            acc[k] = reduction === 'mean' ? acc[k] + g : Math.max(acc[k], g);
          }
        }
      }
    }
    const scale = reduction === 'mean' ? 1 / positions : 1;
    for (let k = 0; k < m.length; k++) m[k] = Math.max(m[k], acc[k] * scale);
  }
  return m;
}

/** Index and values of the worst entry over |got - ref| <= rel*|ref| + abs, or null if all pass. */
export function firstMismatch(
  got: ArrayLike<number>,
  ref: ArrayLike<number>,
  rel = 1e-5,
  abs = 1e-7,
): { index: number; got: number; ref: number } | null {
  if (got.length !== ref.length) return { index: -1, got: got.length, ref: ref.length };
  let worst: { index: number; got: number; ref: number } | null = null;
  let worstExcess = 0;
  for (let k = 0; k < ref.length; k++) {
    const excess = Math.abs(got[k] - ref[k]) - (rel * Math.abs(ref[k]) + abs);
    if (!(excess <= 0) && (worst === null || !(excess <= worstExcess))) {
      worst = { index: k, got: got[k], ref: ref[k] };
      worstExcess = excess;
    }
  }
  return worst;
}

/** The kernel contract's merge: max(into, |w| * m of w's own sign), 0 where w = 0 (unless into). */
export function signedSensitivity(
  w: ArrayLike<number>,
  mPos: ArrayLike<number>,
  mNeg: ArrayLike<number>,
  into?: ArrayLike<number>,
): Float64Array {
  const s = new Float64Array(w.length);
  for (let k = 0; k < w.length; k++) {
    const m = w[k] > 0 ? mPos[k] : w[k] < 0 ? mNeg[k] : 0;
    s[k] = Math.max(into ? into[k] : 0, Math.abs(w[k]) * m);
  }
  return s;
}

/** Dense under the kernel contract: w [F, out] with both signs, optional running maximum. */
export function referenceDenseSigned(
  a: Float32Array,
  w: Float32Array,
  rows: number,
  fanIn: number,
  outs: number,
  into?: ArrayLike<number>,
): Float64Array {
  const { pos, neg } = splitWeights(w);
  const mPos = referenceDense(a, pos, rows, fanIn, outs);
  const mNeg = referenceDense(a, neg, rows, fanIn, outs);
  return signedSensitivity(w, mPos, mNeg, into);
}

/** Conv2D under the kernel contract: w [kh, kw, C, out] with both signs, optional running maximum. */
export function referenceConvSigned(
  x: Float32Array,
  w: Float32Array,
  c: ConvCase,
  reduction: Reduction,
  into?: ArrayLike<number>,
): Float64Array {
  const { pos, neg } = splitWeights(w);
  return signedSensitivity(w, referenceConv(x, pos, c, reduction), referenceConv(x, neg, c, reduction), into);
}

/**
 * A running maximum to pass as `into`: zero at about half the entries and elsewhere small enough
 * that the fresh chunk wins at some entries and loses at others, so the merge is really exercised.
 */
export function randomInto(size: number, rand: () => number, scale = 0.05): Float32Array {
  return Float32Array.from({ length: size }, () => (rand() < 0.5 ? 0 : rand() * scale));
}

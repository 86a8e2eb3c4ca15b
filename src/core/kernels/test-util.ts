// Helpers for the kernel tests only (not imported by product code).
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';

export function randomArray(n: number, seed: string): Float32Array {
  const rng = seedrandom(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng() * 2 - 1;
  return out;
}

/** Runs `fn` on the named backend and returns plain arrays, so results can be compared across backends. */
export async function onBackend<T>(name: string, fn: () => T): Promise<T> {
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} did not initialise`);
  return fn();
}

/** max |a - b| / max |b|: the error relative to the reference's scale. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-30);
}

export interface ConvCase {
  x: [number, number, number, number];
  k: [number, number];
  strides: [number, number];
  dilations: [number, number];
  pad: 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
}

export function outSize(c: ConvCase): { outH: number; outW: number; top: number; left: number } {
  const dims = [1, 2].map((a) => {
    const size = c.x[a];
    const k = c.k[a - 1];
    const s = c.strides[a - 1];
    const eff = (k - 1) * c.dilations[a - 1] + 1;
    if (c.pad === 'valid') return { out: Math.floor((size - eff) / s) + 1, before: 0 };
    if (c.pad === 'same') {
      const out = Math.ceil(size / s);
      return { out, before: Math.floor(Math.max((out - 1) * s + eff - size, 0) / 2) };
    }
    const [b, e] = typeof c.pad === 'number' ? [c.pad, c.pad] : c.pad[a];
    return { out: Math.floor((size + b + e - eff) / s) + 1, before: b };
  });
  return { outH: dims[0].out, outW: dims[1].out, top: dims[0].before, left: dims[1].before };
}

/**
 * Float64 dW of a conv (or depthwise conv, with `multiplier` channels per input channel), straight
 * from the definition: the reference where tfjs has no gradient (dilation > 1).
 */
export function referenceFilterGrad(
  c: ConvCase,
  x: Float32Array,
  dy: Float32Array,
  outC: number,
  depthwiseMultiplier = 0,
): Float64Array {
  const [n, h, w, inC] = c.x;
  const [kh, kw] = c.k;
  const { outH, outW, top, left } = outSize(c);
  const perTapOut = depthwiseMultiplier > 0 ? depthwiseMultiplier : outC;
  const dyC = depthwiseMultiplier > 0 ? inC * depthwiseMultiplier : outC;
  const dw = new Float64Array(kh * kw * inC * perTapOut);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < outH; i++)
      for (let j = 0; j < outW; j++)
        for (let u = 0; u < kh; u++)
          for (let v = 0; v < kw; v++) {
            const yy = i * c.strides[0] + u * c.dilations[0] - top;
            const xx = j * c.strides[1] + v * c.dilations[1] - left;
            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
            for (let ci = 0; ci < inC; ci++) {
              const xv = x[((b * h + yy) * w + xx) * inC + ci];
              for (let o = 0; o < perTapOut; o++) {
                const dyIdx = depthwiseMultiplier > 0 ? ci * depthwiseMultiplier + o : o;
                dw[((u * kw + v) * inC + ci) * perTapOut + o] +=
                  xv * dy[((b * outH + i) * outW + j) * dyC + dyIdx];
              }
            }
          }
  return dw;
}

export function sumOfProducts(y: tf.Tensor, r: tf.Tensor): tf.Scalar {
  return tf.sum(tf.mul(y, r));
}

/** Float64 dX of a depthwise conv with filter `w` [kh, kw, C, M], straight from the definition. */
export function referenceDepthwiseInputGrad(
  c: ConvCase,
  w: Float32Array,
  multiplier: number,
  dy: Float32Array,
): Float64Array {
  const [n, h, wd, inC] = c.x;
  const [kh, kw] = c.k;
  const { outH, outW, top, left } = outSize(c);
  const dx = new Float64Array(n * h * wd * inC);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < outH; i++)
      for (let j = 0; j < outW; j++)
        for (let u = 0; u < kh; u++)
          for (let v = 0; v < kw; v++) {
            const yy = i * c.strides[0] + u * c.dilations[0] - top;
            const xx = j * c.strides[1] + v * c.dilations[1] - left;
            if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
            for (let ci = 0; ci < inC; ci++)
              for (let m = 0; m < multiplier; m++)
                dx[((b * h + yy) * wd + xx) * inC + ci] +=
                  w[((u * kw + v) * inC + ci) * multiplier + m] *
                  dy[((b * outH + i) * outW + j) * inC * multiplier + ci * multiplier + m];
          }
  return dx;
}

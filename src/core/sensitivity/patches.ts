import * as tf from '@tensorflow/tfjs';
import type { ConvGeometry } from '../types';

export interface ConvOutput {
  outH: number;
  outW: number;
  /** Zero padding as TF applies it: for 'same' the odd pixel goes to the bottom/right. */
  pad: { top: number; bottom: number; left: number; right: number };
}

function axis(size: number, k: number, s: number, d: number, padding: 'valid' | 'same') {
  const eff = (k - 1) * d + 1;
  if (padding === 'valid') return { out: Math.floor((size - eff) / s) + 1, before: 0, after: 0 };
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + eff - size, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

export function convOutput(inH: number, inW: number, g: ConvGeometry): ConvOutput {
  const h = axis(inH, g.kernelSize[0], g.strides[0], g.dilation[0], g.padding);
  const w = axis(inW, g.kernelSize[1], g.strides[1], g.dilation[1], g.padding);
  return {
    outH: h.out,
    outW: w.out,
    pad: { top: h.before, bottom: h.after, left: w.before, right: w.after },
  };
}

/**
 * im2col for NHWC input: `[n, outH, outW, F]` with F = kh*kw*C and patch index j = (u*kw + v)*C + c,
 * which is exactly the Keras kernel `[kh, kw, C, out]` flattened to `[F, out]`. tfjs has no `unfold`;
 * explicit padding plus one strided slice per kernel tap costs O(F·L) and replicates TF's padding
 * exactly, unlike a one-hot conv which would cost O(F²·L).
 */
export function extractPatches(x: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, inH, inW, c] = x.shape;
    const { outH, outW, pad } = convOutput(inH, inW, g);
    const padded =
      pad.top + pad.bottom + pad.left + pad.right > 0
        ? tf.pad(x, [
            [0, 0],
            [pad.top, pad.bottom],
            [pad.left, pad.right],
            [0, 0],
          ])
        : x;
    const [kh, kw] = g.kernelSize;
    const [sh, sw] = g.strides;
    const [dh, dw] = g.dilation;
    const taps: tf.Tensor4D[] = [];
    for (let u = 0; u < kh; u++) {
      for (let v = 0; v < kw; v++) {
        const y0 = u * dh;
        const x0 = v * dw;
        taps.push(
          tf.stridedSlice(
            padded,
            [0, y0, x0, 0],
            [n, y0 + (outH - 1) * sh + 1, x0 + (outW - 1) * sw + 1, c],
            [1, sh, sw, 1],
          ) as tf.Tensor4D,
        );
      }
    }
    return taps.length === 1 ? taps[0].clone() : tf.concat4d(taps, 3);
  });
}

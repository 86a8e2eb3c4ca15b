import * as tf from '@tensorflow/tfjs';
import { convOutput } from '../sensitivity/patches';
import type { InputPrep, PrunableLayer } from './layer-kinds';

/**
 * Conv2DTranspose as a plain conv: insert s−1 zeros between input pixels, pad so that the forward
 * conv it is the transpose of (TF's 'same'/'valid' rule on the output size) lines up, and convolve
 * with stride 1, 'valid', and the flipped kernel. Each output position then sees exactly the
 * input pixels the transposed conv sums for it; inserted and padded zeros contribute nothing (P1).
 */
function transposeInput(x: tf.Tensor4D, prep: Extract<InputPrep, { type: 'transpose' }>): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const [kh, kw] = prep.kernelSize;
  const [sh, sw] = prep.strides;
  // deconvLength of tfjs-layers: the output size the layer produces.
  const outLen = (size: number, k: number, s: number) =>
    prep.padding === 'same' ? size * s : size * s + Math.max(k - s, 0);
  const outH = outLen(h, kh, sh);
  const outW = outLen(w, kw, sw);
  const forward = convOutput(outH, outW, {
    kernelSize: [kh, kw],
    strides: [sh, sw],
    dilation: [1, 1],
    padding: prep.padding,
  }).pad;
  let u: tf.Tensor4D = x;
  if (sh > 1) {
    const z = tf.zeros([n, h, sh - 1, w, c]);
    u = tf.concat([u.reshape([n, h, 1, w, c]), z], 2).reshape([n, h * sh, w, c]);
  }
  if (sw > 1) {
    const z = tf.zeros([n, h * sh, w, sw - 1, c]);
    u = tf.concat([u.reshape([n, h * sh, w, 1, c]), z], 3).reshape([n, h * sh, w * sw, c]);
  }
  // u now ends with s−1 zeros after the last pixel; the padding below counts them in.
  const top = kh - 1 - forward.top;
  const left = kw - 1 - forward.left;
  const bottom = outH + kh - 1 - ((h - 1) * sh + 1) - top - (sh - 1);
  const right = outW + kw - 1 - ((w - 1) * sw + 1) - left - (sw - 1);
  if (top < 0 || left < 0 || bottom < 0 || right < 0)
    throw new Error(`internal: transposed-conv padding [${top}, ${bottom}, ${left}, ${right}] is negative`);
  return tf.pad(u, [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ]);
}

/**
 * The input the pruned kernel multiplies, from the input the layer received (§1.3 takes a(x) at the
 * kernel: for SeparableConv2D that is the depthwise output, inside the layer). Returns a new tensor.
 */
export function kernelInput(p: PrunableLayer, received: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    let x = received;
    // The step function of TimeDistributed sees [N, ...] per step: N·T points in all.
    if (p.timeDistributed) {
      const [n, t, ...rest] = x.shape as number[];
      x = x.reshape([n * t, ...rest]);
    }
    const prep = p.prep;
    switch (prep.type) {
      case 'none':
        return x === received ? x.clone() : x;
      case 'conv1d': {
        const [n, len, c] = x.shape as number[];
        return x.reshape([n, 1, len, c]);
      }
      case 'depthwise': {
        const dw = p.layer.weights[prep.weightIndex].read() as tf.Tensor4D;
        return tf.depthwiseConv2d(x as tf.Tensor4D, dw, prep.strides, prep.padding, 'NHWC', prep.dilation);
      }
      case 'transpose':
        return transposeInput(x as tf.Tensor4D, prep);
    }
  });
}

/**
 * The kernel as the sensitivity kernels take it (Dense [in, out], otherwise Conv2D
 * [kh, kw, in, out]), from the layer's variable as it is now. A new tensor, owned by the caller.
 */
export function sensitivityWeight(p: PrunableLayer): tf.Tensor {
  const w = p.layer.weights[p.kernelIndex].read();
  return tf.tidy(() => {
    switch (p.kind) {
      case 'dense':
      case 'conv2d':
      case 'separable-pointwise':
        return w.clone();
      case 'conv1d':
        return w.reshape([1, ...w.shape]);
      case 'conv2d-transpose':
        // [kh, kw, filters, in] -> flipped taps, [kh, kw, in, filters].
        return tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]);
    }
  });
}

/**
 * For kernels whose stored layout is not the [F, out] the pruning code indexes (j·out + i), the
 * stored index of each such entry; null where the two coincide (every kind but Conv2DTranspose).
 */
export function storedIndex(p: PrunableLayer): Int32Array | null {
  if (p.kind !== 'conv2d-transpose') return null;
  const [kh, kw, out, cin] = p.kernelShape;
  const idx = new Int32Array(kh * kw * cin * out);
  for (let u = 0; u < kh; u++)
    for (let v = 0; v < kw; v++)
      for (let c = 0; c < cin; c++)
        for (let i = 0; i < out; i++) {
          const canonical = ((u * kw + v) * cin + c) * out + i;
          idx[canonical] = (((kh - 1 - u) * kw + (kw - 1 - v)) * out + i) * cin + c;
        }
  return idx;
}

/** Stored layout -> [F, out] layout: a copy, or `stored` itself where they coincide. */
export function toRowLayout(order: Int32Array | null, stored: Float32Array): Float32Array {
  if (!order) return stored;
  // A loop, not Float32Array.from with a map function (several times slower on large kernels).
  const out = new Float32Array(order.length);
  for (let t = 0; t < order.length; t++) out[t] = stored[order[t]];
  return out;
}

/** [F, out] layout -> stored layout: a copy, or `rows` itself where they coincide. */
export function toStoredLayout(order: Int32Array | null, rows: Float32Array): Float32Array {
  if (!order) return rows;
  const out = new Float32Array(rows.length);
  order.forEach((k, j) => (out[k] = rows[j]));
  return out;
}

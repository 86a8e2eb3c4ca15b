import * as tf from '@tensorflow/tfjs';
import { SippError } from '../util/errors';
import { batchChunks, im2col, MAX_PATCH_ELEMENTS, patchGeometry, type PatchGeometry } from './im2col';
import { runWithOps } from './kernel-io';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

export interface DepthwiseBackpropAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function geometry(
  name: string,
  xShape: number[],
  filterShape: [number, number, number, number],
  dyShape: number[],
  attrs: DepthwiseBackpropAttrs,
): PatchGeometry {
  const g = patchGeometry(
    name,
    xShape,
    filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const [n, , , c] = xShape;
  const [, , fc, m] = filterShape;
  const expected = [n, g.outH, g.outW, c * m];
  if (fc !== c || dyShape.length !== 4 || dyShape.some((d, i) => d !== expected[i])) {
    throw new SippError(
      'kernel-bad-shape',
      `${name}: input [${xShape}] and dy [${dyShape}] do not fit depthwise filter [${filterShape}] ` +
        `(expected dy [${expected}])`,
    );
  }
  return g;
}

/**
 * dW of a depthwise conv: per channel c, dW[:, c, :] = P_cᵀ[K, N·L] × dY_c[N·L, M], done as one
 * batched matMul over channels on im2col patches.
 */
export function depthwiseBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  attrs: DepthwiseBackpropAttrs,
  maxPatchElements = MAX_PATCH_ELEMENTS,
): tf.Tensor4D {
  const g = geometry('DepthwiseConv2dNativeBackpropFilter', x.shape, filterShape, dy.shape, attrs);
  const [n, , , c] = x.shape;
  const m = filterShape[3];
  const k = g.kernelH * g.kernelW;
  const positions = g.outH * g.outW;
  return tf.tidy(() => {
    let dw: tf.Tensor3D | null = null;
    for (const [start, size] of batchChunks(n, positions * k * c, maxPatchElements)) {
      const part = tf.tidy(() => {
        const xs = size === n ? x : tf.slice(x, [start, 0, 0, 0], [size, -1, -1, -1]);
        const dys = size === n ? dy : tf.slice(dy, [start, 0, 0, 0], [size, -1, -1, -1]);
        const rows = size * positions;
        const p = tf.transpose(im2col(xs, g), [2, 0, 1]); // [C, K, rows]
        const d = tf.transpose(tf.reshape(dys, [rows, c, m]), [1, 0, 2]); // [C, rows, M]
        return tf.matMul(p, d) as tf.Tensor3D; // [C, K, M]
      });
      if (dw === null) dw = part;
      else {
        const sum: tf.Tensor3D = tf.add(dw, part);
        dw.dispose();
        part.dispose();
        dw = sum;
      }
    }
    if (dw === null) return tf.zeros(filterShape) as tf.Tensor4D;
    return tf.reshape(tf.transpose(dw, [1, 0, 2]), filterShape);
  });
}

/**
 * dX of a depthwise conv by col2im: each kernel tap's contribution dY·W[tap] (summed over the
 * channel multiplier) is spread back onto the stride grid with zeros between, shifted to the tap's
 * offset in the padded input, and summed; the padding is cut off at the end.
 */
export function depthwiseBackpropInput(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: DepthwiseBackpropAttrs,
): tf.Tensor4D {
  const filterShape = filter.shape;
  const g = geometry('DepthwiseConv2dNativeBackpropInput', inputShape, filterShape, dy.shape, attrs);
  const [n, inH, inW, c] = inputShape;
  const m = filterShape[3];
  const spanH = (g.outH - 1) * g.strideH + 1;
  const spanW = (g.outW - 1) * g.strideW + 1;
  // Same padded extent as im2col, so every tap's window fits.
  const padH = Math.max(inH + g.pad.top + g.pad.bottom, (g.kernelH - 1) * g.dilationH + spanH);
  const padW = Math.max(inW + g.pad.left + g.pad.right, (g.kernelW - 1) * g.dilationW + spanW);
  return tf.tidy(() => {
    const dy5 = tf.reshape(dy, [n, g.outH, g.outW, c, m]);
    let acc: tf.Tensor4D = tf.zeros([n, padH, padW, c]);
    for (let u = 0; u < g.kernelH; u++) {
      for (let v = 0; v < g.kernelW; v++) {
        const next = tf.tidy(() => {
          const w = tf.reshape(tf.slice(filter, [u, v, 0, 0], [1, 1, c, m]), [c, m]);
          let contrib: tf.Tensor4D = m === 1 ? tf.mul(dy, tf.reshape(w, [c])) : tf.sum(tf.mul(dy5, w), 4);
          if (g.strideH > 1 || g.strideW > 1) {
            // Interleave zeros: [n, oh, 1, ow, 1, c] padded to [n, oh, sh, ow, sw, c].
            const grid = tf.pad(tf.reshape(contrib, [n, g.outH, 1, g.outW, 1, c]), [
              [0, 0],
              [0, 0],
              [0, g.strideH - 1],
              [0, 0],
              [0, g.strideW - 1],
              [0, 0],
            ]);
            contrib = tf.slice(
              tf.reshape(grid, [n, g.outH * g.strideH, g.outW * g.strideW, c]) as tf.Tensor4D,
              [0, 0, 0, 0],
              [n, spanH, spanW, c],
            );
          }
          const y0 = u * g.dilationH;
          const x0 = v * g.dilationW;
          const placed = tf.pad(contrib, [
            [0, 0],
            [y0, padH - y0 - spanH],
            [x0, padW - x0 - spanW],
            [0, 0],
          ]);
          return tf.add(acc, placed) as tf.Tensor4D;
        });
        acc.dispose();
        acc = next;
      }
    }
    return tf.slice(acc, [0, g.pad.top, g.pad.left, 0], [n, inH, inW, c]);
  });
}

export const depthwiseBackpropFilterKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = attrs as unknown as DepthwiseBackpropAttrs & { filterShape: [number, number, number, number] };
  return runWithOps(backend as tf.KernelBackend, [x, dy], ([xt, dyt]) =>
    depthwiseBackpropFilter(xt as tf.Tensor4D, dyt as tf.Tensor4D, a.filterShape, a),
  );
};

export const depthwiseBackpropInputKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const a = attrs as unknown as DepthwiseBackpropAttrs & { inputShape: [number, number, number, number] };
  return runWithOps(backend as tf.KernelBackend, [dy, filter], ([dyt, ft]) =>
    depthwiseBackpropInput(a.inputShape, dyt as tf.Tensor4D, ft as tf.Tensor4D, a),
  );
};

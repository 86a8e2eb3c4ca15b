import * as tf from '@tensorflow/tfjs';
import { SippError } from '../util/errors';
import { batchChunks, im2col, MAX_PATCH_ELEMENTS, patchGeometry } from './im2col';
import { runWithOps } from './kernel-io';
import { depthwiseBackpropFilterKernel, depthwiseBackpropInputKernel } from './depthwise-backprop';

export interface BackpropFilterAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
  /** Not set by tfjs (its conv2d gradient rejects dilation), accepted for direct runKernel calls. */
  dilations?: number | [number, number];
}

/**
 * dW for Conv2D by im2col + one matMul per batch chunk:
 * dW[F, out] = P[F, N·L] × dY[N·L, out] with F = kh·kw·in, reshaped to [kh, kw, in, out].
 */
export function conv2dBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: BackpropFilterAttrs,
  maxPatchElements = MAX_PATCH_ELEMENTS,
): tf.Tensor4D {
  const name = 'Conv2DBackpropFilter';
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') {
    throw new SippError(
      'kernel-unsupported',
      `${name}: only NHWC (channels last) is supported, got dataFormat ${attrs.dataFormat}`,
    );
  }
  const filterShape = attrs.filterShape;
  const g = patchGeometry(
    name,
    x.shape,
    filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
  );
  const [n, , , inC] = x.shape;
  const outC = filterShape[3];
  if (inC !== filterShape[2] || dy.shape[0] !== n || dy.shape[1] !== g.outH || dy.shape[2] !== g.outW) {
    throw new SippError(
      'kernel-bad-shape',
      `${name}: x [${x.shape}] and dy [${dy.shape}] do not fit filter [${filterShape}] ` +
        `(expected dy [${n},${g.outH},${g.outW},${outC}])`,
    );
  }
  const f = g.kernelH * g.kernelW * inC;
  const positions = g.outH * g.outW;
  return tf.tidy(() => {
    let dw: tf.Tensor2D | null = null;
    for (const [start, size] of batchChunks(n, positions * f, maxPatchElements)) {
      const part = tf.tidy(() => {
        const xs = size === n ? x : tf.slice(x, [start, 0, 0, 0], [size, -1, -1, -1]);
        const dys = size === n ? dy : tf.slice(dy, [start, 0, 0, 0], [size, -1, -1, -1]);
        // [K, rows, C] -> [K*C, rows]: row (u*kw + v)*C + c of the result is the filter's layout.
        const p = tf.reshape(tf.transpose(im2col(xs, g), [0, 2, 1]), [f, size * positions]);
        return tf.matMul(p, tf.reshape(dys, [size * positions, outC])) as tf.Tensor2D;
      });
      if (dw === null) dw = part;
      else {
        const sum: tf.Tensor2D = tf.add(dw, part);
        dw.dispose();
        part.dispose();
        dw = sum;
      }
    }
    if (dw === null) return tf.zeros(filterShape) as tf.Tensor4D;
    return tf.reshape(dw, filterShape);
  });
}

const conv2dBackpropFilterKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  return runWithOps(backend as tf.KernelBackend, [x, dy], ([xt, dyt]) =>
    conv2dBackpropFilter(xt as tf.Tensor4D, dyt as tf.Tensor4D, attrs as unknown as BackpropFilterAttrs),
  );
};

/**
 * Kernels tfjs-backend-wasm 4.22 lacks and gradients of conv layers need: Conv2DBackpropFilter,
 * DepthwiseConv2dNativeBackpropFilter and DepthwiseConv2dNativeBackpropInput. Safe to call many
 * times and before or after the backend is initialised; a kernel that a later tfjs version
 * provides natively is left alone.
 */
export function registerWasmTrainingKernels(backendName = 'wasm'): void {
  const kernels: [string, tf.KernelFunc][] = [
    ['Conv2DBackpropFilter', conv2dBackpropFilterKernel],
    ['DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilterKernel],
    ['DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInputKernel],
  ];
  for (const [kernelName, kernelFunc] of kernels) {
    if (tf.getKernel(kernelName, backendName) === undefined) {
      tf.registerKernel({ kernelName, backendName, kernelFunc });
    }
  }
}

import * as tf from '@tensorflow/tfjs';
import { SippError } from '../util/errors';

/** What the backprop-filter kernels need to know about the forward convolution. */
export interface PatchGeometry {
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  outH: number;
  outW: number;
  pad: { top: number; bottom: number; left: number; right: number };
}

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/**
 * Geometry of the forward conv from tfjs's own `computeConv2DInfo`, so that 'same' (odd pixel on
 * the bottom/right, as TF does it), numeric and explicit padding and `dimRoundingMode` mean exactly
 * what they mean in the forward kernel whose gradient we compute.
 */
export function patchGeometry(
  kernelName: string,
  xShape: number[],
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  dilations: number | [number, number],
  pad: Pad,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
  depthwise: boolean,
): PatchGeometry {
  if (xShape.length !== 4) {
    throw new SippError('kernel-bad-shape', `${kernelName}: input must be rank 4 (NHWC), got [${xShape}]`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    depthwise,
    'channelsLast',
  );
  return {
    kernelH: info.filterHeight,
    kernelW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    dilationH: info.dilationHeight,
    dilationW: info.dilationWidth,
    outH: info.outHeight,
    outW: info.outWidth,
    pad: {
      top: Math.max(info.padInfo.top, 0),
      bottom: Math.max(info.padInfo.bottom, 0),
      left: Math.max(info.padInfo.left, 0),
      right: Math.max(info.padInfo.right, 0),
    },
  };
}

/**
 * im2col for NHWC input: `[n, outH, outW, kh*kw*C]`, patch index j = (u*kw + v)*C + c, which is the
 * Keras kernel `[kh, kw, C, out]` flattened to `[F, out]`. tfjs has no unfold op; zero padding plus
 * one strided slice per kernel tap costs O(F·L) and uses only kernels every backend has.
 */
export function im2col(x: tf.Tensor4D, g: PatchGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, inH, inW, c] = x.shape;
    // With dimRoundingMode 'ceil' the last window can hang past the padded input; the forward
    // kernels read zeros there, so pad just as far as the windows reach.
    const needH = (g.kernelH - 1) * g.dilationH + (g.outH - 1) * g.strideH + 1;
    const needW = (g.kernelW - 1) * g.dilationW + (g.outW - 1) * g.strideW + 1;
    const bottom = Math.max(g.pad.bottom, needH - inH - g.pad.top);
    const right = Math.max(g.pad.right, needW - inW - g.pad.left);
    const padded =
      g.pad.top + bottom + g.pad.left + right > 0
        ? tf.pad(x, [
            [0, 0],
            [g.pad.top, bottom],
            [g.pad.left, right],
            [0, 0],
          ])
        : x;
    const taps: tf.Tensor4D[] = [];
    for (let u = 0; u < g.kernelH; u++) {
      for (let v = 0; v < g.kernelW; v++) {
        const y0 = u * g.dilationH;
        const x0 = v * g.dilationW;
        taps.push(
          tf.stridedSlice(
            padded,
            [0, y0, x0, 0],
            [n, y0 + (g.outH - 1) * g.strideH + 1, x0 + (g.outW - 1) * g.strideW + 1, c],
            [1, g.strideH, g.strideW, 1],
          ) as tf.Tensor4D,
        );
      }
    }
    return taps.length === 1 ? taps[0].clone() : tf.concat4d(taps, 3);
  });
}

/**
 * Batch ranges whose patch matrix stays under `maxElements` floats, so that a big batch (or a big
 * feature map) costs a few matMuls rather than one allocation of gigabytes.
 */
export function batchChunks(n: number, elementsPerSample: number, maxElements: number): [number, number][] {
  const per = Math.max(1, Math.floor(maxElements / Math.max(1, elementsPerSample)));
  const chunks: [number, number][] = [];
  for (let start = 0; start < n; start += per) chunks.push([start, Math.min(per, n - start)]);
  return chunks;
}

/** Patch matrices above this many floats (64 MiB) are built one batch chunk at a time. */
export const MAX_PATCH_ELEMENTS = 1 << 24;

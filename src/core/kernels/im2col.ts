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
 * im2col for NHWC input, tap-major: `[kh*kw, n*outH*outW, C]`, tap t = u*kw + v. tfjs has no unfold
 * op, so we pad and take one slice per kernel tap. Tap-major matters on wasm: its Slice and Concat
 * copy one innermost row at a time in JS, so slicing `[n, H, W*C]` (rows of outW*C floats) and
 * stacking taps on the outer axis (one block copy each) is ~10x faster than slicing `[n, H, W, C]`
 * and interleaving taps on the channel axis, which copies C floats at a time (C = 1 on a first layer).
 */
export function im2col(x: tf.Tensor4D, g: PatchGeometry): tf.Tensor3D {
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
    // Strides: split the padded input into its sh*sw phases (phase (a, b) holds the pixels at
    // rows a + i*sh, cols b + j*sw), so that every tap becomes a stride-1 slice of one phase.
    // wasm's StridedSlice is ~3x slower than this for 3x3 taps.
    const [, padH, padW] = padded.shape;
    const phaseH = Math.max(
      Math.ceil(padH / g.strideH),
      Math.floor(((g.kernelH - 1) * g.dilationH) / g.strideH) + g.outH,
    );
    const phaseW = Math.max(
      Math.ceil(padW / g.strideW),
      Math.floor(((g.kernelW - 1) * g.dilationW) / g.strideW) + g.outW,
    );
    const strided = g.strideH > 1 || g.strideW > 1;
    const phases = strided
      ? tf.spaceToBatchND(
          padded,
          [g.strideH, g.strideW],
          [
            [0, phaseH * g.strideH - padH],
            [0, phaseW * g.strideW - padW],
          ],
        )
      : padded;
    const rows = tf.reshape(phases, [phases.shape[0], phaseH, phaseW * c]);
    const rowsPerTap = n * g.outH * g.outW;
    const taps: tf.Tensor[] = [];
    for (let u = 0; u < g.kernelH; u++) {
      for (let v = 0; v < g.kernelW; v++) {
        const y0 = u * g.dilationH;
        const x0 = v * g.dilationW;
        const phase = (y0 % g.strideH) * g.strideW + (x0 % g.strideW);
        const tap = tf.slice(
          rows,
          [phase * n, Math.floor(y0 / g.strideH), Math.floor(x0 / g.strideW) * c],
          [n, g.outH, g.outW * c],
        );
        taps.push(tf.reshape(tap, [1, rowsPerTap, c]));
      }
    }
    return (taps.length === 1 ? taps[0].clone() : tf.concat(taps, 0)) as tf.Tensor3D;
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

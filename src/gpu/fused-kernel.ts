import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { Reduction, SensitivityKernel } from '../core/sensitivity/kernel';
import { convOutput } from '../core/sensitivity/patches';
import type { ConvGeometry } from '../core/types';
import { checkConvInputs, checkShapes } from '../core/sensitivity/kernel-checks';
import { ConvPatchReduceProgram } from './conv-patch-reduce';
import { DenseMaxTimesProgram } from './dense-maxtimes';
import { MaxOverSplitsProgram } from './max-over-splits';
import { activeWebGpuBackend, runProgram, type ProgramUniforms } from './run-program';
import { SignedZProgram } from './signed-z';
import { TILE, TILE_K } from './tiling';

export interface WebGpuFusedOptions {
  /**
   * Workgroups to aim for per dispatch. When F x out covers fewer 64x64 tiles than this, the
   * points are split across workgroups and folded afterwards, so that small layers with many
   * points still fill a GPU (a few hundred resident workgroups on current desktop GPUs).
   */
  targetWorkgroups?: number;
  /** Cap on the partial results of a split dispatch, in floats (16M floats = 64 MiB). */
  maxPartialFloats?: number;
}

const DEFAULTS: Required<WebGpuFusedOptions> = { targetWorkgroups: 256, maxPartialFloats: 16 * 1024 * 1024 };

/**
 * Splits of `units` reduction units (dense rows, conv points) so that tiles*splits reaches the
 * target, each split keeps at least `minUnits` units, and the partials stay under the cap.
 */
export function planSplits(
  fanIn: number,
  outs: number,
  units: number,
  minUnits: number,
  opts: Required<WebGpuFusedOptions>,
): { splits: number; unitsPerSplit: number } {
  const tiles = Math.ceil(fanIn / TILE) * Math.ceil(outs / TILE);
  let splits = Math.ceil(opts.targetWorkgroups / tiles);
  splits = Math.min(splits, Math.ceil(units / minUnits), Math.floor(opts.maxPartialFloats / (fanIn * outs)));
  splits = Math.max(1, splits);
  const unitsPerSplit = Math.max(1, Math.ceil(units / splits));
  return { splits: Math.ceil(units / unitsPerSplit), unitsPerSplit };
}

function foldSplits(backend: WebGPUBackend, partial: tf.Tensor, fanIn: number, outs: number): tf.Tensor2D {
  if (partial.rank === 2) return partial as tf.Tensor2D;
  return runProgram(backend, new MaxOverSplitsProgram(fanIn, outs), [partial]) as tf.Tensor2D;
}

function asFloat<T extends tf.Tensor>(t: T): T {
  return t.dtype === 'float32' ? t : (tf.cast(t, 'float32') as T);
}

/** The adapter's limit on one storage buffer: tfjs binds every tensor as one. */
function deviceBufferLimit(backend: WebGPUBackend): number {
  const limits = backend.device.limits;
  return Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
}

/** Z+ and Z- of a Dense layer in one pass: [2, rows, out]. */
export function signedZDense(a: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor3D {
  const backend = activeWebGpuBackend('signed Z');
  const rows = a.shape[0];
  // The conv geometry uniforms are unused by the Dense variant.
  const zero = { type: 'int32' as const, data: [0, 0] };
  const uniforms: ProgramUniforms = [{ type: 'int32', data: [rows] }, zero, zero, zero, zero, zero];
  return runProgram(backend, new SignedZProgram(rows, w.shape[1], false), [a, w], uniforms) as tf.Tensor3D;
}

function convUniforms(w: tf.Tensor4D, g: ConvGeometry, pad: { top: number; left: number }): ProgramUniforms {
  return [
    { type: 'int32', data: [w.shape[0], w.shape[1]] },
    { type: 'int32', data: g.strides },
    { type: 'int32', data: g.dilation },
    { type: 'int32', data: [pad.top, pad.left] },
  ];
}

/** Z+ and Z- of a Conv2D layer in one pass, patches formed in the loader: [2N, Ho, Wo, out]. */
export function signedZConv(a: tf.Tensor4D, w: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const backend = activeWebGpuBackend('signed Z');
  const [points, inH, inW] = a.shape;
  const [kh, kw, channels, outs] = w.shape;
  const { outH, outW, pad } = convOutput(inH, inW, g);
  const rows = points * outH * outW;
  return tf.tidy(
    () =>
      runProgram(
        backend,
        new SignedZProgram(rows, outs, true, [2 * points, outH, outW, outs]),
        [a, w.reshape([kh * kw * channels, outs])],
        [{ type: 'int32', data: [rows] }, ...convUniforms(w, g, pad), { type: 'int32', data: [outH, outW] }],
      ) as tf.Tensor4D,
  );
}

export function createWebGpuFusedKernel(options: WebGpuFusedOptions = {}): SensitivityKernel {
  const opts = { ...DEFAULTS, ...options };

  /**
   * Options for one dispatch: the partials of a split dispatch stay within twice the layer's
   * weight or the chunk's input, whichever is larger, and within one device buffer.
   */
  function splitOptions(backend: WebGPUBackend, fanIn: number, outs: number, inputFloats: number) {
    const cap = Math.min(
      opts.maxPartialFloats,
      Math.max(2 * fanIn * outs, inputFloats),
      Math.floor(deviceBufferLimit(backend) / 4),
    );
    return { ...opts, maxPartialFloats: cap };
  }

  function dense(backend: WebGPUBackend, a: tf.Tensor2D, w: tf.Tensor2D, into: tf.Tensor2D): tf.Tensor2D {
    const [rows, fanIn] = a.shape;
    const outs = w.shape[1];
    const z = signedZDense(a, w);
    // Each split should stage at least one full tile of rows, or the tile loop idles.
    const { splits, unitsPerSplit } = planSplits(
      fanIn,
      outs,
      rows,
      TILE_K,
      splitOptions(backend, fanIn, outs, a.size),
    );
    const partial = runProgram(
      backend,
      new DenseMaxTimesProgram(fanIn, outs, splits),
      [a, z, w, into],
      [{ type: 'int32', data: [unitsPerSplit] }],
    );
    return foldSplits(backend, partial, fanIn, outs);
  }

  function conv(
    backend: WebGPUBackend,
    a: tf.Tensor4D,
    w: tf.Tensor4D,
    g: ConvGeometry,
    reduction: Reduction,
    into: tf.Tensor2D,
  ): tf.Tensor2D {
    const [points, inH, inW, channels] = a.shape;
    const [kh, kw, , outs] = w.shape;
    const fanIn = kh * kw * channels;
    const { outH, outW, pad } = convOutput(inH, inW, g);
    const positions = outH * outW;
    // Both programs index patches with the same (top, left) padding, so Z and the reduction agree.
    const z = signedZConv(a, w, g);
    const { splits, unitsPerSplit } = planSplits(
      fanIn,
      outs,
      points,
      Math.ceil(TILE_K / positions),
      splitOptions(backend, fanIn, outs, a.size),
    );
    const program = new ConvPatchReduceProgram(fanIn, outs, splits, reduction);
    const partial = runProgram(
      backend,
      program,
      [a, z, w.reshape([fanIn, outs]), into],
      [...convUniforms(w, g, pad), { type: 'int32', data: [unitsPerSplit] }],
    );
    return foldSplits(backend, partial, fanIn, outs);
  }

  return {
    name: 'webgpu-fused',
    dense(a, w, into) {
      const backend = activeWebGpuBackend('webgpu-fused dense kernel');
      checkShapes('dense', a.shape, w.shape, into.shape, 0);
      return tf.tidy(() => dense(backend, asFloat(a), asFloat(w), asFloat(into)));
    },
    conv(a, w, geometry, reduction, into) {
      const backend = activeWebGpuBackend('webgpu-fused conv kernel');
      checkConvInputs(a.shape, w.shape, into.shape, geometry);
      return tf.tidy(() => conv(backend, asFloat(a), asFloat(w), geometry, reduction, asFloat(into)));
    },
    maxBufferBytes: () => deviceBufferLimit(activeWebGpuBackend('webgpu-fused kernel')),
  };
}

/** The fused WebGPU kernel with default tiling and splitting. */
export const webgpuFusedKernel: SensitivityKernel = createWebGpuFusedKernel();

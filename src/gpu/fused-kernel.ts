import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { Reduction, SensitivityKernel } from '../core/sensitivity/kernel';
import { convOutput } from '../core/sensitivity/patches';
import type { ConvGeometry } from '../core/types';
import { checkConvInputs, checkShapes } from '../core/sensitivity/kernel-checks';
import { ConvPatchReduceProgram } from './conv-patch-reduce';
import { DenseMaxTimesProgram } from './dense-maxtimes';
import { MaxOverSplitsProgram } from './max-over-splits';
import { activeWebGpuBackend, runProgram } from './run-program';
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
  if (partial.shape[0] === 1) return partial.reshape([fanIn, outs]);
  return runProgram(backend, new MaxOverSplitsProgram(fanIn, outs), [partial]) as tf.Tensor2D;
}

function asFloat<T extends tf.Tensor>(t: T): T {
  return t.dtype === 'float32' ? t : (tf.cast(t, 'float32') as T);
}

export function createWebGpuFusedKernel(options: WebGpuFusedOptions = {}): SensitivityKernel {
  const opts = { ...DEFAULTS, ...options };

  function denseSide(backend: WebGPUBackend, a: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
    const [rows, fanIn] = a.shape;
    const outs = w.shape[1];
    const z = tf.matMul(a, w);
    // Each split should stage at least one full tile of rows, or the tile loop idles.
    const { splits, unitsPerSplit } = planSplits(fanIn, outs, rows, TILE_K, opts);
    const partial = runProgram(
      backend,
      new DenseMaxTimesProgram(fanIn, outs, splits),
      [a, z],
      [{ type: 'int32', data: [unitsPerSplit] }],
    );
    return foldSplits(backend, partial, fanIn, outs);
  }

  function convSide(
    backend: WebGPUBackend,
    a: tf.Tensor4D,
    w: tf.Tensor4D,
    g: ConvGeometry,
    reduction: Reduction,
  ): tf.Tensor2D {
    const [points, inH, inW, channels] = a.shape;
    const [kh, kw, , outs] = w.shape;
    const fanIn = kh * kw * channels;
    const { pad } = convOutput(inH, inW, g);
    // Explicit padding: the program indexes patches with the same (top, left) that Z was made with.
    const z = tf.conv2d(
      a,
      w,
      g.strides,
      [
        [0, 0],
        [pad.top, pad.bottom],
        [pad.left, pad.right],
        [0, 0],
      ],
      'NHWC',
      g.dilation,
    );
    const positions = z.shape[1] * z.shape[2];
    const { splits, unitsPerSplit } = planSplits(fanIn, outs, points, Math.ceil(TILE_K / positions), opts);
    const program = new ConvPatchReduceProgram(fanIn, outs, splits, reduction);
    const partial = runProgram(
      backend,
      program,
      [a, z],
      [
        { type: 'int32', data: [kh, kw] },
        { type: 'int32', data: g.strides },
        { type: 'int32', data: g.dilation },
        { type: 'int32', data: [pad.top, pad.left] },
        { type: 'int32', data: [unitsPerSplit] },
      ],
    );
    return foldSplits(backend, partial, fanIn, outs);
  }

  return {
    name: 'webgpu-fused',
    dense(a, wPos, wNeg) {
      const backend = activeWebGpuBackend('webgpu-fused dense kernel');
      checkShapes('dense', a.shape, wPos.shape, wNeg.shape, 0);
      return tf.tidy(() => {
        const af = asFloat(a);
        return { mPos: denseSide(backend, af, asFloat(wPos)), mNeg: denseSide(backend, af, asFloat(wNeg)) };
      });
    },
    conv(a, wPos, wNeg, geometry, reduction) {
      const backend = activeWebGpuBackend('webgpu-fused conv kernel');
      checkConvInputs(a.shape, wPos.shape, wNeg.shape, geometry);
      return tf.tidy(() => {
        const af = asFloat(a);
        return {
          mPos: convSide(backend, af, asFloat(wPos), geometry, reduction),
          mNeg: convSide(backend, af, asFloat(wNeg), geometry, reduction),
        };
      });
    },
  };
}

/** The fused WebGPU kernel with default tiling and splitting. */
export const webgpuFusedKernel: SensitivityKernel = createWebGpuFusedKernel();

import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import type { Reduction } from '../core/sensitivity/kernel';
import { CONV_PATCH_REDUCE_WGSL } from './conv-patch-reduce.wgsl';
import { PATCH_WGSL } from './patch.wgsl';
import { SIGNED_OUTPUT_WGSL, wgslPrelude } from './prelude';
import { CONV_UNIFORMS } from './signed-z';
import { THREADS, TILE } from './tiling';

/**
 * Conv2D contributions reduced on the fly: patches are formed from X inside the tile loader, so
 * neither [points, positions, F] patches nor [points, F, out] products are ever written; each
 * weight reads the V of its own sign. Inputs X [N, H, W, C], Z [2N, Ho, Wo, out] (Z+ of every point, then Z-), W and Into
 * [F, out]; output [splits, F, out] = max(Into, |W| * m), folded by MaxOverSplitsProgram.
 * Uniforms (in this order): kernel, strides, dilation, pads (top, left), pointsPerSplit.
 */
export class ConvPatchReduceProgram implements WebGPUProgram {
  readonly variableNames = ['X', 'Z', 'W', 'Into'];
  readonly outputShape: number[];
  readonly shaderKey: string;
  readonly dispatchLayout: { x: number[]; y: number[]; z?: number[] };
  dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [THREADS, THREADS, 1];
  readonly uniforms = `${CONV_UNIFORMS} pointsPerSplit : i32,`;
  private readonly reduction: Reduction;

  constructor(fanIn: number, outs: number, splits: number, reduction: Reduction) {
    // One split writes [F, out] itself, so the caller gets it without a reshaped view.
    this.outputShape = splits === 1 ? [fanIn, outs] : [splits, fanIn, outs];
    this.dispatchLayout = splits === 1 ? { x: [1], y: [0] } : { x: [2], y: [1], z: [0] };
    this.dispatch = [Math.ceil(outs / TILE), Math.ceil(fanIn / TILE), splits];
    this.reduction = reduction;
    // The reduction is compiled in, so it must be part of the pipeline cache key.
    this.shaderKey = `sippConvPatchReduceSigned_${reduction}`;
  }

  getUserCode(): string {
    return `${wgslPrelude()}\n${SIGNED_OUTPUT_WGSL}\n${PATCH_WGSL}\nconst MEAN : bool = ${this.reduction === 'mean'};\n${CONV_PATCH_REDUCE_WGSL}`;
  }
}

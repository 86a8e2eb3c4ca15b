import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import type { Reduction } from '../core/sensitivity/kernel';
import { CONV_PATCH_REDUCE_WGSL } from './conv-patch-reduce.wgsl';
import { THREADS, TILE, tileConstants } from './tiling';

/**
 * Conv2D contributions reduced on the fly: patches are formed from X inside the tile loader, so
 * neither [points, positions, F] patches nor [points, F, out] products are ever written. Inputs
 * X [N, H, W, C], Z [N, Ho, Wo, out]; output [splits, F, out], folded by MaxOverSplitsProgram.
 * Uniforms (in this order): kernel, strides, dilation, pads (top, left), pointsPerSplit.
 */
export class ConvPatchReduceProgram implements WebGPUProgram {
  readonly variableNames = ['X', 'Z'];
  readonly outputShape: number[];
  readonly shaderKey: string;
  readonly dispatchLayout = { x: [2], y: [1], z: [0] };
  dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [THREADS, THREADS, 1];
  readonly uniforms =
    'kernel : vec2<i32>, strides : vec2<i32>, dilation : vec2<i32>, pads : vec2<i32>, pointsPerSplit : i32,';
  private readonly reduction: Reduction;

  constructor(fanIn: number, outs: number, splits: number, reduction: Reduction) {
    this.outputShape = [splits, fanIn, outs];
    this.dispatch = [Math.ceil(outs / TILE), Math.ceil(fanIn / TILE), splits];
    this.reduction = reduction;
    // The reduction is compiled in, so it must be part of the pipeline cache key.
    this.shaderKey = `sippConvPatchReduce_${reduction}`;
  }

  getUserCode(): string {
    return `${tileConstants()}\nconst MEAN : bool = ${this.reduction === 'mean'};\n${CONV_PATCH_REDUCE_WGSL}`;
  }
}

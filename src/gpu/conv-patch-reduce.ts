import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import type { Reduction } from '../core/sensitivity/kernel';
import { CONV_PATCH_REDUCE_WGSL } from './conv-patch-reduce.wgsl';
import { wgslPrelude } from './prelude';
import { THREADS, TILE } from './tiling';

/**
 * Conv2D contributions reduced on the fly: patches are formed from X inside the tile loader, so
 * neither [points, positions, F] patches nor [points, F, out] products are ever written; each
 * weight reads the V of its own sign. Inputs X [N, H, W, C], Zp and Zn [N, Ho, Wo, out], W and Into
 * [F, out]; output [splits, F, out] = max(Into, |W| * m), folded by MaxOverSplitsProgram.
 * Uniforms (in this order): kernel, strides, dilation, pads (top, left), pointsPerSplit.
 */
export class ConvPatchReduceProgram implements WebGPUProgram {
  readonly variableNames = ['X', 'Zp', 'Zn', 'W', 'Into'];
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
    this.shaderKey = `sippConvPatchReduceSigned_${reduction}`;
  }

  getUserCode(): string {
    return `${wgslPrelude()}\nconst MEAN : bool = ${this.reduction === 'mean'};\n${CONV_PATCH_REDUCE_WGSL}`;
  }
}

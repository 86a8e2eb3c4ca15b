import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { PATCH_WGSL } from './patch.wgsl';
import { wgslPrelude } from './prelude';
import { SIGNED_Z_WGSL } from './signed-z.wgsl';
import { THREADS, TILE } from './tiling';

/** The conv geometry the programs index patches with; the uniforms of every conv program. */
export const CONV_UNIFORMS =
  'kernel : vec2<i32>, strides : vec2<i32>, dilation : vec2<i32>, pads : vec2<i32>,';

/**
 * Z+ = P·max(W, 0) and Z- = P·min(W, 0) in one tiled pass (P = A for Dense, patches formed in the
 * loader for Conv2D), written as one [2, rows, out] tensor. Replaces two matMuls (or conv2ds) and
 * the two sign-split copies of W they would need: on a GPU the pass reads A and W once.
 * Uniforms: rows, then the conv geometry and outSize (Ho, Wo); Dense passes zeros for those.
 */
export class SignedZProgram implements WebGPUProgram {
  readonly variableNames = ['X', 'W'];
  readonly outputShape: number[];
  readonly shaderKey: string;
  readonly dispatchLayout: { x: number[]; y: number[]; z: number[] };
  dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [THREADS, THREADS, 1];
  readonly uniforms = `rows : i32, ${CONV_UNIFORMS} outSize : vec2<i32>,`;
  private readonly conv: boolean;

  /** `shape`: how the [2, rows, out] values are shaped for the caller (conv: [2N, Ho, Wo, out]). */
  constructor(rows: number, outs: number, conv: boolean, shape: number[] = [2, rows, outs]) {
    // Shaped here rather than by a reshape afterwards, which would be one more tensor to account for.
    this.outputShape = shape;
    const last = shape.length - 1;
    this.dispatchLayout = { x: [last], y: shape.slice(1, last).map((_, k) => k + 1), z: [0] };
    this.dispatch = [Math.ceil(outs / TILE), Math.ceil(rows / TILE), 1];
    this.conv = conv;
    this.shaderKey = `sippSignedZ_${conv ? 'conv' : 'dense'}`;
  }

  getUserCode(): string {
    // patchValue indexes a 4-D xShape, which a Dense input does not have: Dense gets a stub.
    const patch = this.conv
      ? PATCH_WGSL
      : 'fn patchValue(q : i32, j : i32, l : i32, w : i32) -> f32 { return 0.0; }';
    return `${wgslPrelude()}\nconst CONV : bool = ${this.conv};\n${patch}\n${SIGNED_Z_WGSL}`;
  }
}

import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { DENSE_MAXTIMES_WGSL } from './dense-maxtimes.wgsl';
import { SIGNED_OUTPUT_WGSL, wgslPrelude } from './prelude';
import { THREADS, TILE } from './tiling';

/**
 * out[s, j, i] = max(Into[j, i], |W[j, i]| * max over rows n of split s of A[n, j] * V±[n, i]), with
 * V± the z-rule reciprocals of Z± computed while staging (no V tensor is ever written) and ± the
 * sign of W[j, i]. Inputs A [rows, F], Z [2, rows, out] (Z+ then Z-), W and Into [F, out]; output
 * [splits, F, out]. Splitting the rows gives a GPU enough workgroups when F x out is small; the
 * caller folds the splits with MaxOverSplitsProgram.
 */
export class DenseMaxTimesProgram implements WebGPUProgram {
  readonly variableNames = ['A', 'Z', 'W', 'Into'];
  readonly outputShape: number[];
  readonly shaderKey = 'sippDenseMaxTimesSigned';
  readonly dispatchLayout: { x: number[]; y: number[]; z?: number[] };
  dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [THREADS, THREADS, 1];
  readonly uniforms = 'rowsPerSplit : i32,';

  constructor(fanIn: number, outs: number, splits: number) {
    // One split writes [F, out] itself, so the caller gets it without a reshaped view.
    this.outputShape = splits === 1 ? [fanIn, outs] : [splits, fanIn, outs];
    this.dispatchLayout = splits === 1 ? { x: [1], y: [0] } : { x: [2], y: [1], z: [0] };
    this.dispatch = [Math.ceil(outs / TILE), Math.ceil(fanIn / TILE), splits];
  }

  getUserCode(): string {
    return `${wgslPrelude()}\n${SIGNED_OUTPUT_WGSL}\n${DENSE_MAXTIMES_WGSL}`;
  }
}

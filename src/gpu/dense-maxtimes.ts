import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { DENSE_MAXTIMES_WGSL } from './dense-maxtimes.wgsl';
import { wgslPrelude } from './prelude';
import { THREADS, TILE } from './tiling';

/**
 * out[s, j, i] = max(Into[j, i], |W[j, i]| * max over rows n of split s of A[n, j] * V±[n, i]), with
 * V± the z-rule reciprocals of Z± computed while staging (no V tensor is ever written) and ± the
 * sign of W[j, i]. Inputs A [rows, F], Zp and Zn [rows, out], W and Into [F, out]; output
 * [splits, F, out]. Splitting the rows gives a GPU enough workgroups when F x out is small; the
 * caller folds the splits with MaxOverSplitsProgram.
 */
export class DenseMaxTimesProgram implements WebGPUProgram {
  readonly variableNames = ['A', 'Zp', 'Zn', 'W', 'Into'];
  readonly outputShape: number[];
  readonly shaderKey = 'sippDenseMaxTimesSigned';
  readonly dispatchLayout = { x: [2], y: [1], z: [0] };
  dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [THREADS, THREADS, 1];
  readonly uniforms = 'rowsPerSplit : i32,';

  constructor(fanIn: number, outs: number, splits: number) {
    this.outputShape = [splits, fanIn, outs];
    this.dispatch = [Math.ceil(outs / TILE), Math.ceil(fanIn / TILE), splits];
  }

  getUserCode(): string {
    return `${wgslPrelude()}\n${DENSE_MAXTIMES_WGSL}`;
  }
}

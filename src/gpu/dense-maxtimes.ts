import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { DENSE_MAXTIMES_WGSL } from './dense-maxtimes.wgsl';
import { THREADS, TILE, tileConstants } from './tiling';

/**
 * m[s, j, i] = max over rows n of split s of A[n, j] * V[n, i], with V the z-rule reciprocal of Z
 * computed while staging Z (no V tensor is ever written). Inputs A [rows, F], Z [rows, out];
 * output [splits, F, out]. Splitting the rows gives a GPU enough workgroups when F x out is small;
 * the caller folds the splits with MaxOverSplitsProgram.
 */
export class DenseMaxTimesProgram implements WebGPUProgram {
  readonly variableNames = ['A', 'Z'];
  readonly outputShape: number[];
  readonly shaderKey = 'sippDenseMaxTimes';
  readonly dispatchLayout = { x: [2], y: [1], z: [0] };
  dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [THREADS, THREADS, 1];
  readonly uniforms = 'rowsPerSplit : i32,';

  constructor(fanIn: number, outs: number, splits: number) {
    this.outputShape = [splits, fanIn, outs];
    this.dispatch = [Math.ceil(outs / TILE), Math.ceil(fanIn / TILE), splits];
  }

  getUserCode(): string {
    return `${tileConstants()}\n${DENSE_MAXTIMES_WGSL}`;
  }
}

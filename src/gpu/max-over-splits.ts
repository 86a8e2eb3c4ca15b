import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { MAX_OVER_SPLITS_WGSL } from './max-over-splits.wgsl';

const WORKGROUP = 64;

/**
 * [splits, F, out] -> [F, out] by max over the first axis. tfjs's own max over axis 0 transposes
 * and then reduces, which is pathologically slow on SwiftShader; this reads each column once.
 */
export class MaxOverSplitsProgram implements WebGPUProgram {
  readonly variableNames = ['P'];
  readonly outputShape: number[];
  readonly shaderKey = 'sippMaxOverSplits';
  readonly dispatchLayout = { x: [0, 1] };
  dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  readonly size = true;

  constructor(fanIn: number, outs: number) {
    this.outputShape = [fanIn, outs];
    this.dispatch = [Math.ceil((fanIn * outs) / WORKGROUP), 1, 1];
  }

  getUserCode(): string {
    return MAX_OVER_SPLITS_WGSL;
  }
}

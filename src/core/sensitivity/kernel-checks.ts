import type { ConvGeometry } from '../types';
import { SippError } from '../util/errors';

/** Shape checks every SensitivityKernel makes before touching data (a clear error beats a wrong index). */
export function checkShapes(
  layer: string,
  a: number[],
  wPos: number[],
  wNeg: number[],
  fanInAxis: number,
): void {
  const same = wPos.length === wNeg.length && wPos.every((d, k) => d === wNeg[k]);
  if (!same || a[a.length - 1] !== wPos[fanInAxis]) {
    throw new SippError(
      'KERNEL_SHAPE',
      `${layer}: input [${a}] does not match kernels W+ [${wPos}] / W- [${wNeg}]`,
    );
  }
}

export function checkConvInputs(a: number[], wPos: number[], wNeg: number[], geometry: ConvGeometry): void {
  checkShapes('conv2d', a, wPos, wNeg, 2);
  const [kh, kw] = geometry.kernelSize;
  if (wPos[0] !== kh || wPos[1] !== kw) {
    throw new SippError('KERNEL_SHAPE', `conv2d: kernel [${wPos}] does not match kernelSize ${kh}x${kw}`);
  }
  if (Math.max(...geometry.strides) > 1 && Math.max(...geometry.dilation) > 1) {
    // tf.conv2d (and Keras) reject this combination; say so before tfjs does less clearly.
    throw new SippError(
      'CONV_GEOMETRY',
      `conv2d: strides [${geometry.strides}] together with dilation [${geometry.dilation}] is not supported`,
    );
  }
}

import type { ConvGeometry } from '../types';
import { SippError } from '../util/errors';

function fail(layer: string, detail: string): never {
  throw new SippError('KERNEL_SHAPE', `${layer}: ${detail}`);
}

/** Shape checks every SensitivityKernel makes before touching data (a clear error beats a wrong index). */
export function checkShapes(
  layer: string,
  a: number[],
  w: number[],
  into: number[],
  fanInAxis: number,
): void {
  if (a[a.length - 1] !== w[fanInAxis]) fail(layer, `input [${a}] does not match kernel [${w}]`);
  const fanIn = w.slice(0, fanInAxis + 1).reduce((p, d) => p * d, 1);
  const outs = w[w.length - 1];
  if (into.length !== 2 || into[0] !== fanIn || into[1] !== outs) {
    fail(layer, `running maximum [${into}] does not match kernel [${w}] (expected [${fanIn},${outs}])`);
  }
}

export function checkConvInputs(a: number[], w: number[], into: number[], geometry: ConvGeometry): void {
  checkShapes('conv2d', a, w, into, 2);
  const [kh, kw] = geometry.kernelSize;
  if (w[0] !== kh || w[1] !== kw) {
    throw new SippError('KERNEL_SHAPE', `conv2d: kernel [${w}] does not match kernelSize ${kh}x${kw}`);
  }
  if (Math.max(...geometry.strides) > 1 && Math.max(...geometry.dilation) > 1) {
    // tf.conv2d (and Keras) reject this combination; say so before tfjs does less clearly.
    throw new SippError(
      'CONV_GEOMETRY',
      `conv2d: strides [${geometry.strides}] together with dilation [${geometry.dilation}] is not supported`,
    );
  }
}

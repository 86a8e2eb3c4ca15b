import type * as tf from '@tensorflow/tfjs';
import type { ConvGeometry } from '../types';

type Layer = tf.layers.Layer;
type LayerVariable = Layer['weights'][number];
type Shape = (number | null)[];

/**
 * What the pruned kernel computes, reduced to the two cases of §1.4: a Linear layer (one position
 * per row) or a Conv2d (patches, mean or max over positions). Every kind but 'dense' is handed to
 * the sensitivity kernels as a Conv2D on a prepared input (see layer-inputs.ts).
 */
export type PrunableKind = 'dense' | 'conv2d' | 'conv1d' | 'separable-pointwise' | 'conv2d-transpose';

type Padding = 'valid' | 'same';

/** How the tensor a layer receives becomes the input its pruned kernel multiplies. */
export type InputPrep =
  | { type: 'none' }
  /** [N, L, C] seen as one-row images [N, 1, L, C]. */
  | { type: 'conv1d' }
  /** The depthwise half of a separable conv, with the layer's own depthwise kernel (weights[index]). */
  | {
      type: 'depthwise';
      weightIndex: number;
      strides: [number, number];
      dilation: [number, number];
      padding: Padding;
    }
  /** Zeros between input pixels and around them: the transposed conv becomes a stride-1 valid conv. */
  | { type: 'transpose'; kernelSize: [number, number]; strides: [number, number]; padding: Padding };

/** A layer with a kernel SiPP prunes, and how its sensitivity is computed. */
export interface PrunableLayer {
  /** Unique key: the layer name, prefixed by enclosing model names for nested models ("encoder/fc1"). */
  key: string;
  /** The layer the model calls (for TimeDistributed the wrapper): inputs are captured here. */
  layer: Layer;
  /** 'Dense', 'Conv1D', 'TimeDistributed(Dense)', ... */
  className: string;
  kind: PrunableKind;
  /** Inside TimeDistributed: its [N, T, ...] input is N·T points of the inner layer. */
  timeDistributed: boolean;
  /** Index of the pruned kernel in `layer.weights` (SeparableConv2D: 1, the pointwise kernel). */
  kernelIndex: number;
  /** Shape of that variable, Keras layout: Dense [in, out], Conv2D [kh, kw, in, out], ... */
  kernelShape: number[];
  /** Row length F of the kernel the sensitivity sees. */
  fanIn: number;
  out: number;
  /** Geometry of the Conv2D the sensitivity kernels run (null for Dense). */
  geometry: ConvGeometry | null;
  /** k_ℓ of §2.3: kernel taps kh·kw (1 for Dense and for the pointwise kernel). */
  taps: number;
  /** η_ℓ of §1.5: output units (conv: C_out·H_out·W_out). */
  eta: number;
  /** Output positions L (1 for Dense); enters α_ℓ of §2.3. */
  positions: number;
  /** Points of the kernel (rows, images) per model sample: T for a [N, T, F] Dense input. */
  rowsPerSample: number;
  prep: InputPrep;
}

/** What a layer class contributes; the caller adds where it sits in the model. */
export type KindSpec = Omit<
  PrunableLayer,
  'key' | 'layer' | 'className' | 'timeDistributed' | 'kernelIndex'
> & {
  kernel: LayerVariable;
};

type Config = Record<string, unknown>;

function tupleOf(v: unknown, n: 1 | 2, what: string): number[] {
  const arr = Array.isArray(v) ? v : new Array(n).fill(v);
  if (arr.length !== n || !arr.every((x) => Number.isInteger(x) && x > 0))
    throw new Error(`unsupported ${what} ${JSON.stringify(v)}`);
  return arr;
}
const pairOf = (v: unknown, what: string) => tupleOf(v, 2, what) as [number, number];
const singleOf = (v: unknown, what: string) => tupleOf(v, 1, what)[0];

const dims = (s: Shape) => s.map((d) => d ?? 1);
const product = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

function kernelOf(layer: Layer, prop: 'kernel' | 'pointwiseKernel' | 'depthwiseKernel'): LayerVariable {
  const v = (layer as unknown as Record<string, LayerVariable | null | undefined>)[prop];
  if (!v) throw new Error(`layer ${layer.name} has no ${prop}`);
  return v;
}

function shapeOf(v: LayerVariable): number[] {
  return v.shape.map((d) => d ?? 0);
}

function channelsFirst(layer: Layer, cfg: Config): boolean {
  return (cfg.dataFormat ?? (layer as unknown as { dataFormat?: string }).dataFormat) === 'channelsFirst';
}

function groupsOf(layer: Layer, cfg: Config): number {
  return Number(cfg.groups ?? (layer as unknown as { groups?: number }).groups ?? 1);
}

function padding(cfg: Config): Padding {
  if (cfg.padding !== 'valid' && cfg.padding !== 'same')
    throw new Error(`unsupported padding ${cfg.padding}`);
  return cfg.padding;
}

function dense(layer: Layer, inShape: Shape): KindSpec {
  const kernel = kernelOf(layer, 'kernel');
  const kernelShape = shapeOf(kernel);
  const [fanIn, out] = kernelShape;
  // §1.4.1: the reference flattens every leading axis of a Linear input into the batch.
  const rowsPerSample = product(dims(inShape.slice(1, -1)));
  return {
    kind: 'dense',
    kernel,
    kernelShape,
    fanIn,
    out,
    geometry: null,
    taps: 1,
    eta: out,
    positions: 1,
    rowsPerSample,
    prep: { type: 'none' },
  };
}

function conv2d(layer: Layer, outShape: Shape): KindSpec | string {
  const cfg = layer.getConfig() as Config;
  const groups = groupsOf(layer, cfg);
  if (groups !== 1) return `grouped convolution (groups = ${groups}): SiPP's rows span all input channels`;
  if (channelsFirst(layer, cfg)) return 'channels_first Conv2D is not supported; kept as is';
  const kernel = kernelOf(layer, 'kernel');
  const kernelShape = shapeOf(kernel);
  const [kh, kw, cin, out] = kernelShape;
  const geometry: ConvGeometry = {
    kernelSize: [kh, kw],
    strides: pairOf(cfg.strides ?? 1, 'strides'),
    dilation: pairOf(cfg.dilationRate ?? 1, 'dilation'),
    padding: padding(cfg),
  };
  const positions = (outShape[1] ?? 1) * (outShape[2] ?? 1);
  const fanIn = kh * kw * cin;
  return {
    kind: 'conv2d',
    kernel,
    kernelShape,
    fanIn,
    out,
    geometry,
    taps: kh * kw,
    eta: out * positions,
    positions,
    rowsPerSample: 1,
    prep: { type: 'none' },
  };
}

function conv1d(layer: Layer, outShape: Shape): KindSpec | string {
  const cfg = layer.getConfig() as Config;
  // tfjs 4.22 throws NotImplementedError when it runs a causal Conv1D, so such a model never
  // predicts here; supporting it in the sensitivity alone would not help.
  if (cfg.padding === 'causal')
    return 'causal padding: TensorFlow.js 4.22 cannot run causal Conv1D; kept as is';
  const groups = groupsOf(layer, cfg);
  if (groups !== 1) return `grouped convolution (groups = ${groups}): SiPP's rows span all input channels`;
  if (channelsFirst(layer, cfg)) return 'channels_first Conv1D is not supported; kept as is';
  const kernel = kernelOf(layer, 'kernel');
  const kernelShape = shapeOf(kernel);
  const [k, cin, out] = kernelShape;
  const geometry: ConvGeometry = {
    kernelSize: [1, k],
    strides: [1, singleOf(cfg.strides ?? 1, 'strides')],
    dilation: [1, singleOf(cfg.dilationRate ?? 1, 'dilation')],
    padding: padding(cfg),
  };
  const positions = outShape[1] ?? 1;
  return {
    kind: 'conv1d',
    kernel,
    kernelShape,
    fanIn: k * cin,
    out,
    geometry,
    taps: k,
    eta: out * positions,
    positions,
    rowsPerSample: 1,
    prep: { type: 'conv1d' },
  };
}

function separable(layer: Layer, outShape: Shape): KindSpec | string {
  const cfg = layer.getConfig() as Config;
  if (channelsFirst(layer, cfg)) return 'channels_first SeparableConv2D is not supported; kept as is';
  const kernel = kernelOf(layer, 'pointwiseKernel');
  const depthwise = layer.weights.indexOf(kernelOf(layer, 'depthwiseKernel'));
  const kernelShape = shapeOf(kernel);
  const [, , cin, out] = kernelShape;
  const positions = (outShape[1] ?? 1) * (outShape[2] ?? 1);
  return {
    kind: 'separable-pointwise',
    kernel,
    kernelShape,
    fanIn: cin,
    out,
    geometry: { kernelSize: [1, 1], strides: [1, 1], dilation: [1, 1], padding: 'valid' },
    taps: 1,
    eta: out * positions,
    positions,
    rowsPerSample: 1,
    prep: {
      type: 'depthwise',
      weightIndex: depthwise,
      strides: pairOf(cfg.strides ?? 1, 'strides'),
      dilation: pairOf(cfg.dilationRate ?? 1, 'dilation'),
      padding: padding(cfg),
    },
  };
}

function conv2dTranspose(layer: Layer, outShape: Shape): KindSpec | string {
  const cfg = layer.getConfig() as Config;
  if (channelsFirst(layer, cfg)) return 'channels_first Conv2DTranspose is not supported; kept as is';
  const kernel = kernelOf(layer, 'kernel');
  // Keras stores [kh, kw, filters, in]: rows (filters) are not the last axis; layer-inputs.ts
  // permutes to the [kh, kw, in, filters] of the equivalent conv and back.
  const kernelShape = shapeOf(kernel);
  const [kh, kw, out, cin] = kernelShape;
  const positions = (outShape[1] ?? 1) * (outShape[2] ?? 1);
  return {
    kind: 'conv2d-transpose',
    kernel,
    kernelShape,
    fanIn: kh * kw * cin,
    out,
    geometry: { kernelSize: [kh, kw], strides: [1, 1], dilation: [1, 1], padding: 'valid' },
    taps: kh * kw,
    eta: out * positions,
    positions,
    rowsPerSample: 1,
    // tfjs's Conv2DTranspose ignores dilationRate (conv2dTranspose has none); so do we.
    prep: {
      type: 'transpose',
      kernelSize: [kh, kw],
      strides: pairOf(cfg.strides ?? 1, 'strides'),
      padding: padding(cfg),
    },
  };
}

/** The spec of a prunable layer class, or why it is not pruned; null for an unknown class. */
export function kindSpec(
  layer: Layer,
  cls: string,
  inShape: Shape,
  outShape: Shape,
): KindSpec | string | null {
  switch (cls) {
    case 'Dense':
      return dense(layer, inShape);
    case 'Conv2D':
      return conv2d(layer, outShape);
    case 'Conv1D':
      return conv1d(layer, outShape);
    case 'SeparableConv2D':
      return separable(layer, outShape);
    case 'Conv2DTranspose':
      return conv2dTranspose(layer, outShape);
    default:
      return null;
  }
}

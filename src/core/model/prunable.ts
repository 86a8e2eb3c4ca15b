import * as tf from '@tensorflow/tfjs';
import type { ConvGeometry } from '../types';

type Layer = tf.layers.Layer;

/** A Dense or Conv2D (groups = 1) layer whose kernel SiPP prunes. */
export interface PrunableLayer {
  /** Unique key: the layer name, prefixed by enclosing model names for nested models ("encoder/fc1"). */
  key: string;
  layer: Layer;
  kind: 'dense' | 'conv2d';
  /** Keras layout: Dense [in, out], Conv2D [kh, kw, in, out]. */
  kernelShape: number[];
  /** Row length F = in·kh·kw. */
  fanIn: number;
  out: number;
  geometry: ConvGeometry | null;
  /** η_ℓ of §1.5: output units (conv: C_out·H_out·W_out). */
  eta: number;
  /** Output positions L (1 for Dense); enters α_ℓ of §2.3. */
  positions: number;
}

export interface LayerSummary {
  key: string;
  className: string;
  params: number;
  prunable: boolean;
  skippedReason?: string;
}

export interface ModelInfo {
  layers: LayerSummary[];
  /** The layer object of each entry of `layers` (same order); not serialisable. */
  refs: Layer[];
  prunable: PrunableLayer[];
  totalParams: number;
  prunableParams: number;
  /** Input shape without the batch dimension. */
  inputShape: number[];
  numClasses: number;
}

const NESTED = new Set(['Sequential', 'Model', 'Functional', 'LayersModel']);

function pairOf(v: unknown, what: string, key: string): [number, number] {
  const arr = Array.isArray(v) ? v : [v, v];
  if (arr.length !== 2 || !arr.every((x) => Number.isInteger(x) && x > 0))
    throw new Error(`layer ${key}: unsupported ${what} ${JSON.stringify(v)}`);
  return [arr[0], arr[1]];
}

function lastShape(shape: tf.Shape | tf.Shape[]): tf.Shape {
  return Array.isArray(shape[0]) ? (shape as tf.Shape[])[0] : (shape as tf.Shape);
}

/** §5.1: BN running statistics are buffers, not parameters. */
export function isParameter(w: { name: string; originalName?: string }): boolean {
  return !/moving_(mean|variance)(_\d+)?$/.test(w.originalName ?? w.name);
}

function paramCount(layer: Layer): number {
  return layer.weights
    .filter(isParameter)
    .reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

/** Why a layer with weights is not pruned, or null when it is a prunable Dense/Conv2D. */
function skipReason(layer: Layer, cls: string): string | null {
  const cfg = layer.getConfig() as Record<string, unknown>;
  if (cls === 'Dense') return null;
  if (cls === 'Conv2D') {
    const groups = Number(cfg.groups ?? (layer as unknown as { groups?: number }).groups ?? 1);
    if (groups !== 1) return `grouped convolution (groups = ${groups}): SiPP's rows span all input channels`;
    if (cfg.dataFormat === 'channelsFirst') return 'channels_first Conv2D is not supported; kept as is';
    return null;
  }
  if (cls === 'DepthwiseConv2D')
    return 'depthwise convolution: each filter sees one input channel (grouped), outside SiPP; fixed cost';
  if (cls === 'SeparableConv2D') return 'separable convolution (depthwise + pointwise, grouped): fixed cost';
  if (cls === 'BatchNormalization') return 'batch normalisation parameters are fixed cost (§5.1)';
  return `${cls} layers are not pruned by SiPP; their parameters are fixed cost`;
}

function describePrunable(layer: Layer, key: string, cls: string): PrunableLayer {
  const kernelShape = layer.weights[0].shape.map((d) => d ?? 0);
  const outShape = lastShape(layer.outputShape);
  if (cls === 'Dense') {
    const [fanIn, out] = kernelShape;
    return { key, layer, kind: 'dense', kernelShape, fanIn, out, geometry: null, eta: out, positions: 1 };
  }
  const cfg = layer.getConfig() as Record<string, unknown>;
  const [kh, kw, cin, out] = kernelShape;
  const padding = cfg.padding;
  if (padding !== 'valid' && padding !== 'same')
    throw new Error(`layer ${key}: unsupported padding ${padding}`);
  const geometry: ConvGeometry = {
    kernelSize: [kh, kw],
    strides: pairOf(cfg.strides ?? 1, 'strides', key),
    dilation: pairOf(cfg.dilationRate ?? 1, 'dilation', key),
    padding,
  };
  const positions = (outShape[1] ?? 1) * (outShape[2] ?? 1);
  return {
    key,
    layer,
    kind: 'conv2d',
    kernelShape,
    fanIn: kh * kw * cin,
    out,
    geometry,
    eta: out * positions,
    positions,
  };
}

function walk(model: tf.LayersModel, prefix: string, info: ModelInfo): void {
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const key = prefix + layer.name;
    if (NESTED.has(cls) && layer instanceof tf.LayersModel) {
      walk(layer, `${key}/`, info);
      continue;
    }
    const params = paramCount(layer);
    info.refs.push(layer);
    if (params === 0) {
      info.layers.push({ key, className: cls, params, prunable: false });
      continue;
    }
    const reason = skipReason(layer, cls);
    if (reason !== null) {
      info.layers.push({ key, className: cls, params, prunable: false, skippedReason: reason });
    } else {
      const p = describePrunable(layer, key, cls);
      info.prunable.push(p);
      info.prunableParams += p.fanIn * p.out;
      info.layers.push({ key, className: cls, params, prunable: true });
    }
    info.totalParams += params;
  }
}

/** Finds every prunable layer (Dense, Conv2D with groups = 1), first and last included, in model order. */
export function analyzeModel(model: tf.LayersModel): ModelInfo {
  const inShape = model.inputs[0].shape.slice(1).map((d) => d ?? -1);
  const outShape = model.outputs[0].shape;
  const info: ModelInfo = {
    layers: [],
    refs: [],
    prunable: [],
    totalParams: 0,
    prunableParams: 0,
    inputShape: inShape,
    numClasses: outShape[outShape.length - 1] ?? 1,
  };
  walk(model, '', info);
  return info;
}

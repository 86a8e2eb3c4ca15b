import * as tf from '@tensorflow/tfjs';
import { kindSpec, type KindSpec, type PrunableLayer } from './layer-kinds';

type Layer = tf.layers.Layer;
type Shape = (number | null)[];

export type { PrunableLayer, PrunableKind, InputPrep } from './layer-kinds';

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

/** Why a layer of a class with no KindSpec is not pruned. */
function skipReason(cls: string): string {
  if (cls === 'DepthwiseConv2D')
    return 'depthwise convolution: each filter sees one input channel (grouped), outside SiPP; fixed cost';
  if (cls === 'BatchNormalization') return 'batch normalisation parameters are fixed cost (§5.1)';
  return `${cls} layers are not pruned by SiPP; their parameters are fixed cost`;
}

function inShapeOf(layer: Layer): Shape {
  const node = layer.inboundNodes[0];
  return node ? lastShape(node.inputShapes) : [];
}

/**
 * TimeDistributed(X) computes X on every time step with X's own variables: its [N, T, ...] input is
 * N·T inputs of X, so X's spec applies with the time axis folded into the batch.
 */
function timeDistributed(wrapper: Layer, key: string): PrunableLayer | string {
  const inner = (wrapper as unknown as { layer: Layer }).layer;
  const cls = inner.getClassName();
  const inShape = inShapeOf(wrapper);
  const outShape = lastShape(wrapper.outputShape);
  const spec = kindSpec(inner, cls, [inShape[0], ...inShape.slice(2)], [outShape[0], ...outShape.slice(2)]);
  if (spec === null) return `TimeDistributed(${cls}): ${skipReason(cls)}`;
  if (typeof spec === 'string') return `TimeDistributed(${cls}): ${spec}`;
  const steps = inShape[1] ?? 1;
  return place(spec, wrapper, key, `TimeDistributed(${cls})`, true, steps);
}

function place(
  spec: KindSpec,
  layer: Layer,
  key: string,
  className: string,
  timeDistributed: boolean,
  steps = 1,
): PrunableLayer {
  const { kernel, ...rest } = spec;
  const kernelIndex = layer.weights.indexOf(kernel);
  if (kernelIndex < 0) throw new Error(`layer ${key}: its kernel is not among the layer's weights`);
  const p: PrunableLayer = { ...rest, key, layer, className, timeDistributed, kernelIndex };
  p.rowsPerSample *= steps;
  return p;
}

/** The prunable description of a layer with parameters, or why it is kept as is. */
function describeLayer(layer: Layer, key: string, cls: string): PrunableLayer | string {
  try {
    if (cls === 'TimeDistributed') return timeDistributed(layer, key);
    const spec = kindSpec(layer, cls, inShapeOf(layer), lastShape(layer.outputShape));
    if (spec === null) return skipReason(cls);
    return typeof spec === 'string' ? spec : place(spec, layer, key, cls, false);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(msg.startsWith('layer ') ? msg : `layer ${key}: ${msg}`);
  }
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
    const p = describeLayer(layer, key, cls);
    if (typeof p === 'string') {
      info.layers.push({ key, className: cls, params, prunable: false, skippedReason: p });
    } else {
      info.prunable.push(p);
      info.prunableParams += p.fanIn * p.out;
      info.layers.push({ key, className: cls, params, prunable: true });
    }
    info.totalParams += params;
  }
}

/**
 * Finds every prunable layer, first and last included, in model order: Dense (any input rank),
 * Conv2D and Conv1D with groups = 1, the pointwise kernel of SeparableConv2D, Conv2DTranspose, and
 * TimeDistributed around any of them.
 */
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

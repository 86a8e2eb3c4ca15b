// Rewrites Keras 2 and Keras 3 layers-model topologies into the dialect that tfjs 4.22's
// deserializer accepts, and says what it changed. The input is never mutated.
import { SippError } from '../util/errors';

type Obj = Record<string, unknown>;

export const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

export interface NormalizedTopology {
  /** `{ class_name, config, keras_version?, backend? }`, ready for tf.models.modelFromJSON. */
  topology: Obj;
  notices: string[];
  kerasVersion?: string;
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Counts each kind of rewrite so that the user gets one line per kind, not one per layer. */
class Log {
  readonly counts = new Map<string, number>();
  readonly extra: string[] = [];
  add(kind: string, n = 1): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + n);
  }
}

const NOTICE_TEXT: Record<string, (n: number) => string> = {
  batchShape: (n) => `renamed Keras 3 'batch_shape' to 'batch_input_shape' on ${n} layer(s)`,
  dtypePolicy: (n) => `replaced ${n} Keras 3 DTypePolicy object(s) with dtype strings`,
  kerasFields: (n) =>
    `removed Keras serialization fields (module, registered_name, build_config) from ${n} object(s)`,
  inboundNodes: (n) => `converted the Keras 3 inbound_nodes of ${n} layer(s) to the Keras 2 layout`,
  ioLayers: (n) => `wrapped ${n} single input_layers/output_layers entry(ies) in a list`,
  nestedNodeIndex: (n) =>
    `shifted ${n} node index(es) of nested models (Keras 3 counts calls from 0, TF.js from 1)`,
  legacySequential: () => `converted a Keras 2.1 Sequential config (a bare list of layers)`,
  inputLayerFields: (n) => `dropped InputLayer fields that TF.js lacks (optional, ragged) on ${n} layer(s)`,
  regularizer: (n) => `rewrote ${n} L1/L2 regularizer(s) as L1L2, the only regularizer class TF.js knows`,
  activation: (n) => `renamed ${n} activation(s) to their TF.js names (silu -> swish)`,
  tuple: (n) => `converted ${n} serialized tuple/TensorShape value(s) to arrays`,
  axisList: (n) => `converted ${n} single-element axis list(s) to integers`,
  mixedPrecision: (n) => `loaded ${n} mixed-precision dtype policy(ies) as float32`,
  droppedKwargs: (n) => `ignored call arguments (such as training=...) on ${n} layer call(s)`,
  outputPadding: (n) =>
    `dropped output_padding from ${n} Conv2DTranspose layer(s): it gives the output size TF.js computes anyway`,
};

/**
 * Normalises a model.json `modelTopology`. Throws SippError('topology-invalid') for a topology that
 * is not a Keras model at all.
 */
export function normalizeTopology(modelTopology: unknown, fileName = 'model.json'): NormalizedTopology {
  if (!isObj(modelTopology)) {
    throw new SippError('topology-invalid', `${fileName}: modelTopology is not an object.`);
  }
  let root: Obj = modelTopology;
  let kerasVersion = typeof root.keras_version === 'string' ? root.keras_version : undefined;
  const backend = typeof root.backend === 'string' ? root.backend : undefined;
  if (isObj(root.model_config)) {
    root = root.model_config;
    if (!kerasVersion && typeof root.keras_version === 'string') kerasVersion = root.keras_version;
  }
  const className = root.class_name;
  if (typeof className !== 'string' || !MODEL_CLASSES.has(className)) {
    throw new SippError(
      'topology-invalid',
      `${fileName}: modelTopology describes ${JSON.stringify(className ?? null)}, not a Sequential or Functional model.`,
    );
  }
  const log = new Log();
  if (hasKerasFields(root)) log.add('kerasFields');
  const config = normalizeModelConfig(className, root.config, log, fileName);
  const topology: Obj = { class_name: className, config };
  if (kerasVersion) topology.keras_version = kerasVersion;
  if (backend) topology.backend = backend;

  const notices: string[] = [];
  for (const [kind, n] of log.counts) notices.push(NOTICE_TEXT[kind](n));
  notices.push(...log.extra);
  return { topology, notices, kerasVersion };
}

function hasKerasFields(o: Obj): boolean {
  return 'module' in o || 'registered_name' in o || 'build_config' in o || 'compile_config' in o;
}

function normalizeModelConfig(className: string, config: unknown, log: Log, fileName: string): Obj {
  if (className === 'Sequential' && Array.isArray(config)) {
    log.add('legacySequential');
    config = { name: 'sequential', layers: config };
  }
  if (!isObj(config) || !Array.isArray(config.layers)) {
    throw new SippError('topology-invalid', `${fileName}: the ${className} model has no 'layers' list.`);
  }
  const {
    layers: entries,
    input_layers: _in,
    output_layers: _out,
    ...rest
  } = config as Obj & {
    layers: unknown[];
  };
  const out = cleanValue(rest, 'config', log) as Obj;
  // Keras 3 node indices of nested models are off by one relative to TF.js (see shiftNestedIndex).
  const nested = new Map<string, string>();
  for (const e of entries) {
    if (isObj(e) && typeof e.class_name === 'string' && MODEL_CLASSES.has(e.class_name)) {
      const name = isObj(e.config) && typeof e.config.name === 'string' ? e.config.name : e.name;
      if (typeof name === 'string') nested.set(name, e.class_name);
    }
  }
  out.layers = entries.map((e, i) => normalizeLayerEntry(e, i, className, nested, log, fileName));
  if (className !== 'Sequential') {
    for (const key of ['input_layers', 'output_layers']) {
      out[key] = normalizeIoLayers(config[key], key, nested, log, fileName);
    }
  }
  return out;
}

function normalizeLayerEntry(
  entry: unknown,
  index: number,
  parentClass: string,
  nested: Map<string, string>,
  log: Log,
  fileName: string,
): Obj {
  if (!isObj(entry) || typeof entry.class_name !== 'string') {
    throw new SippError('topology-invalid', `${fileName}: layer #${index + 1} has no class_name.`);
  }
  if (hasKerasFields(entry)) log.add('kerasFields');
  const cls = entry.class_name;
  const out: Obj = { class_name: cls };
  if (MODEL_CLASSES.has(cls)) {
    out.config = normalizeModelConfig(cls, entry.config, log, fileName);
  } else {
    out.config = normalizeLayerConfig(cls, entry.config, log);
  }
  if (typeof entry.name === 'string') out.name = entry.name;
  if (parentClass !== 'Sequential' || 'inbound_nodes' in entry) {
    out.inbound_nodes = normalizeInboundNodes(entry.inbound_nodes, nested, log);
  }
  return out;
}

function normalizeLayerConfig(cls: string, config: unknown, log: Log): Obj {
  const out = (isObj(config) ? cleanValue(config, 'config', log) : {}) as Obj;
  if ('batch_shape' in out) {
    if (!('batch_input_shape' in out)) out.batch_input_shape = out.batch_shape;
    delete out.batch_shape;
    log.add('batchShape');
  }
  if (cls === 'InputLayer') {
    let dropped = false;
    for (const key of ['optional', 'ragged']) {
      if (key in out) {
        if (out[key] === true) log.extra.push(`InputLayer '${String(out.name)}': ignored ${key}=true`);
        delete out[key];
        dropped = true;
      }
    }
    if (dropped) log.add('inputLayerFields');
  }
  if (Array.isArray(out.axis) && out.axis.length === 1 && typeof out.axis[0] === 'number') {
    out.axis = out.axis[0];
    log.add('axisList');
  }
  if (typeof out.groups === 'number' && out.groups !== 1) {
    throw new SippError(
      'unsupported-layer',
      `Layer '${String(out.name)}' (${cls}) uses groups=${out.groups}; TensorFlow.js has no grouped convolutions.`,
    );
  }
  if (cls === 'Conv2DTranspose') checkConvTranspose(out, log);
  // A wrapper's layer is a whole serialized entry: it needs the same rewrites and refusals.
  if (cls === 'TimeDistributed' || cls === 'Bidirectional') {
    for (const key of ['layer', 'backward_layer']) {
      const inner = out[key];
      if (isObj(inner) && typeof inner.class_name === 'string') {
        out[key] = { ...inner, config: normalizeLayerConfig(inner.class_name, inner.config, log) };
      }
    }
  }
  return out;
}

/** An int or a pair of ints (Keras writes either) as a pair; null for anything else. */
function intPair(v: unknown): [number, number] | null {
  const a = Array.isArray(v) ? v : [v, v];
  return a.length === 2 && a.every((x) => Number.isInteger(x)) ? (a as [number, number]) : null;
}

/**
 * tfjs 4.22's Conv2DTranspose has neither dilation nor output_padding and ignores both keys, so a
 * Keras layer that uses them would load and silently compute another output. Keras writes
 * output_padding (null by default) on every such layer. Its output size is
 * (in - 1)·s + k + p ('valid') or (in - 1)·s + k % 2 + p ('same'), and tfjs's is that of
 * p = max(s - k, 0) or p = s - k % 2: an output_padding equal to that is dropped (the common
 * `Conv2DTranspose(k=3, strides=2, padding='same', output_padding=1)` of decoders), any other is refused.
 */
function checkConvTranspose(out: Obj, log: Log): void {
  const refuse = (what: string) =>
    new SippError(
      'unsupported-layer',
      `Layer '${String(out.name)}' (Conv2DTranspose) uses ${what}; TensorFlow.js 4.22 ignores it, so the ` +
        `layer's output would differ from the trained model's.`,
    );
  const dilation = out.dilation_rate ?? 1;
  const d = intPair(dilation);
  if (!d || d.some((x) => x !== 1)) throw refuse(`dilation_rate=${JSON.stringify(dilation)}`);
  if (out.output_padding === null || out.output_padding === undefined) return;
  const given = intPair(out.output_padding);
  const k = intPair(out.kernel_size);
  const s = intPair(out.strides ?? 1);
  if (!given || !k || !s) throw refuse(`output_padding=${JSON.stringify(out.output_padding)}`);
  const implied = k.map((kk, i) => (out.padding === 'same' ? s[i] - (kk % 2) : Math.max(s[i] - kk, 0)));
  if (given.some((p, i) => p !== implied[i])) {
    throw refuse(
      `output_padding=${JSON.stringify(given)} (TF.js always computes the size of output_padding=${JSON.stringify(implied)} here)`,
    );
  }
  delete out.output_padding;
  log.add('outputPadding');
}

/** Recursively cleans config values: Keras 3 object wrappers, dtype policies, tuples, regularizers. */
function cleanValue(v: unknown, key: string, log: Log): unknown {
  if (Array.isArray(v)) return v.map((x) => cleanValue(x, key, log));
  if (!isObj(v)) {
    if (key === 'activation' && v === 'silu') {
      log.add('activation');
      return 'swish';
    }
    return v;
  }
  const cls = v.class_name;
  if (key === 'dtype' || /^(DTypePolicy|Policy|DTypePolicyV2|FloatDTypePolicy)$/.test(String(cls))) {
    const name = isObj(v.config) ? v.config.name : undefined;
    if (typeof name === 'string') {
      log.add('dtypePolicy');
      if (name.startsWith('mixed_')) {
        log.add('mixedPrecision');
        return 'float32';
      }
      return name;
    }
  }
  if ((cls === '__tuple__' || cls === 'TensorShape') && Array.isArray(v.items)) {
    log.add('tuple');
    return v.items.map((x) => cleanValue(x, key, log));
  }
  if (key === 'activation' && isObj(v) && typeof v.config === 'string') {
    // Keras 3 may serialize a built-in activation as {class_name: 'function', config: 'relu'}.
    return cleanValue(v.config, key, log);
  }
  const out: Obj = {};
  const isKerasObject = typeof cls === 'string' && 'config' in v;
  for (const [k, x] of Object.entries(v)) {
    if (isKerasObject && (k === 'module' || k === 'registered_name' || k === 'shared_object_id')) continue;
    out[k] = cleanValue(x, k, log);
  }
  if (isKerasObject && ('module' in v || 'registered_name' in v)) log.add('kerasFields');
  if ((cls === 'L1' || cls === 'L2') && isObj(out.config) && /regularizer$/.test(key)) {
    const c = out.config;
    log.add('regularizer');
    return { class_name: 'L1L2', config: { l1: Number(c.l1 ?? 0), l2: Number(c.l2 ?? 0) } };
  }
  return out;
}

interface TensorRef {
  layer: string;
  node: number;
  tensor: number;
}

/** Keras 3 writes `{args, kwargs}` per call with `__keras_tensor__` args; TF.js wants `[[name, node, tensor, kwargs], ...]`. */
function normalizeInboundNodes(nodes: unknown, nested: Map<string, string>, log: Log): unknown[] {
  if (!Array.isArray(nodes)) return [];
  let converted = false;
  const out = nodes.map((node) => {
    if (isObj(node)) {
      converted = true;
      const refs: TensorRef[] = [];
      collectTensorRefs(node.args, refs);
      const kwargRefs: TensorRef[] = [];
      collectTensorRefs(node.kwargs, kwargRefs);
      if (isObj(node.kwargs) && Object.values(node.kwargs).some((x) => x !== null && x !== undefined)) {
        log.add('droppedKwargs');
      }
      return refs.map((r) => [r.layer, shiftNestedIndex(r, nested, log), r.tensor, {}]);
    }
    if (Array.isArray(node) && typeof node[0] === 'string') {
      // A flat [name, node, tensor] triple (seen in hand-edited files): one input.
      return [[node[0], node[1] ?? 0, node[2] ?? 0, isObj(node[3]) ? node[3] : {}]];
    }
    return node;
  });
  if (converted) log.add('inboundNodes');
  return out;
}

function collectTensorRefs(v: unknown, into: TensorRef[]): void {
  if (Array.isArray(v)) {
    for (const x of v) collectTensorRefs(x, into);
    return;
  }
  if (!isObj(v)) return;
  if (v.class_name === '__keras_tensor__' && isObj(v.config) && Array.isArray(v.config.keras_history)) {
    const [layer, node, tensor] = v.config.keras_history as [string, number, number];
    into.push({ layer, node: Number(node ?? 0), tensor: Number(tensor ?? 0) });
    return;
  }
  for (const x of Object.values(v)) collectTensorRefs(x, into);
}

/**
 * A TF.js container (Sequential or Functional) owns node 0 (its own inputs-to-outputs link), so the
 * first call of a nested model is node 1. Keras 3 counts calls of any nested model from 0 in
 * inbound_nodes, hence the shift.
 */
function shiftNestedIndex(r: TensorRef, nested: Map<string, string>, log: Log): number {
  if (!nested.has(r.layer)) return r.node;
  log.add('nestedNodeIndex');
  return r.node + 1;
}

function normalizeIoLayers(
  v: unknown,
  key: string,
  nested: Map<string, string>,
  log: Log,
  fileName: string,
): unknown[] {
  if (isObj(v)) v = Object.values(v); // a dict of named inputs/outputs (Keras 3)
  if (!Array.isArray(v) || v.length === 0) {
    throw new SippError('topology-invalid', `${fileName}: the functional model has no ${key}.`);
  }
  if (typeof v[0] === 'string') {
    log.add('ioLayers');
    v = [v];
  }
  return (v as unknown[]).map((ref) => {
    if (!Array.isArray(ref) || typeof ref[0] !== 'string') {
      throw new SippError('topology-invalid', `${fileName}: bad entry in ${key}: ${JSON.stringify(ref)}.`);
    }
    // Keras 3 already adds 1 for nested Functional models here, but not for nested Sequential ones.
    let node = Number(ref[1] ?? 0);
    if (nested.get(ref[0]) === 'Sequential' && node === 0) {
      log.add('nestedNodeIndex');
      node = 1;
    }
    return [ref[0], node, Number(ref[2] ?? 0)];
  });
}

// Checks on model.json contents and weight data that run before (or instead of) building a model,
// so that common faults give a precise message rather than a tfjs stack trace.
import * as tf from '@tensorflow/tfjs';
import { SippError } from '../util/errors';
import { isObj, MODEL_CLASSES } from './normalize';
import { isQuantDtype, isSupportedDtype, type WeightSpec, type WeightValues } from './quantization';

export interface ManifestGroup {
  paths: string[];
  weights: WeightSpec[];
}

/** Structural check of `weightsManifest`; returns it typed. */
export function validateManifest(manifest: unknown, fileName: string): ManifestGroup[] {
  const bad = (why: string) => new SippError('manifest-invalid', `${fileName}: weightsManifest ${why}.`);
  if (!Array.isArray(manifest)) throw bad('is not a list of weight groups');
  const seen = new Set<string>();
  manifest.forEach((group, g) => {
    const where = `group ${g + 1}`;
    if (!isObj(group)) throw bad(`${where} is not an object`);
    if (!Array.isArray(group.paths) || group.paths.some((p) => typeof p !== 'string' || p === '')) {
      throw bad(`${where} has no valid 'paths' list of shard file names`);
    }
    if (!Array.isArray(group.weights)) throw bad(`${where} has no 'weights' list`);
    if (group.weights.length > 0 && group.paths.length === 0)
      throw bad(`${where} lists weights but no shard files`);
    for (const w of group.weights as unknown[]) {
      if (!isObj(w) || typeof w.name !== 'string' || w.name === '')
        throw bad(`${where} has a weight without a name`);
      const name = w.name;
      if (!Array.isArray(w.shape) || w.shape.some((d) => !Number.isInteger(d) || (d as number) < 0)) {
        throw bad(`weight '${name}' has an invalid shape ${JSON.stringify(w.shape)}`);
      }
      if (typeof w.dtype !== 'string' || !isSupportedDtype(w.dtype)) {
        throw bad(
          `weight '${name}' has dtype ${JSON.stringify(w.dtype)}; layers-model weights are float32, int32 or bool`,
        );
      }
      if (w.quantization !== undefined && w.quantization !== null) {
        const q = w.quantization;
        if (!isObj(q) || !isQuantDtype(q.dtype)) {
          throw bad(`weight '${name}' has an unknown quantization ${JSON.stringify(q)}`);
        }
        if (q.dtype !== 'float16' && !(Number.isFinite(q.scale) && Number.isFinite(q.min))) {
          throw bad(`weight '${name}' is ${q.dtype}-quantised but lacks a finite min and scale`);
        }
      } else if (w.quantization === null) {
        delete w.quantization;
      }
      if (seen.has(name)) throw bad(`names weight '${name}' more than once`);
      seen.add(name);
    }
  });
  return manifest as ManifestGroup[];
}

/** Every layer class in the (normalised) topology must be one TF.js can build. */
export function checkLayerClasses(topology: Record<string, unknown>): void {
  const registry = tf.serialization.SerializationMap.getMap().classNameMap;
  const visit = (entries: unknown[]) => {
    for (const e of entries) {
      if (!isObj(e)) continue;
      const cls = String(e.class_name);
      const config = isObj(e.config) ? e.config : {};
      if (MODEL_CLASSES.has(cls)) {
        if (Array.isArray(config.layers)) visit(config.layers);
        continue;
      }
      const known = registry[cls]?.[0] as { prototype?: unknown } | undefined;
      if (!known || !(known.prototype instanceof tf.layers.Layer)) {
        const name = String(config.name ?? e.name ?? '?');
        throw new SippError('unknown-layer', unknownLayerMessage(cls, name));
      }
    }
  };
  const config = topology.config;
  if (isObj(config) && Array.isArray(config.layers)) visit(config.layers);
}

function unknownLayerMessage(cls: string, name: string): string {
  const base = `Layer '${name}' has class ${cls}, which TensorFlow.js 4.22 does not implement`;
  if (/Lambda$/.test(cls)) return `${base}: it wraps Python code, which cannot run in TensorFlow.js.`;
  return `${base}. Rebuild the model from standard Keras layers, or export without this layer.`;
}

/** Counts NaN and ±Inf per weight and throws if any weight has some. */
export function checkFinite(weights: Array<{ name: string; values: WeightValues }>): void {
  const bad: string[] = [];
  let total = 0;
  for (const w of weights) {
    if (!(w.values instanceof Float32Array)) continue;
    let nan = 0;
    let inf = 0;
    for (const v of w.values) {
      if (Number.isNaN(v)) nan++;
      else if (v === Infinity || v === -Infinity) inf++;
    }
    if (nan + inf > 0) {
      total += nan + inf;
      const parts = [nan ? `${nan} NaN` : '', inf ? `${inf} Inf` : ''].filter(Boolean).join(', ');
      bad.push(`${w.name} (${parts} of ${w.values.length})`);
    }
  }
  if (bad.length > 0) {
    const shown = bad.slice(0, 8).join('; ') + (bad.length > 8 ? `; and ${bad.length - 8} more` : '');
    throw new SippError(
      'nonfinite-weights',
      `The model has ${total} non-finite weight value(s), so its outputs and sensitivities would be NaN: ${shown}.`,
    );
  }
}

/**
 * Replays how tfjs wires a functional model (each layer's calls in order, a call waiting until the
 * nodes it reads exist) and throws on a reference that can never be satisfied: tfjs 4.22 loops
 * forever on those (a dangling layer name, a wrong node index, a cycle).
 */
export function checkGraph(topology: Record<string, unknown>, fileName: string): void {
  const visit = (cls: string, config: unknown, where: string) => {
    if (!isObj(config) || !Array.isArray(config.layers)) return;
    const entries = config.layers.filter(isObj);
    for (const e of entries) {
      if (MODEL_CLASSES.has(String(e.class_name))) {
        const name = isObj(e.config) ? String(e.config.name) : '?';
        visit(String(e.class_name), e.config, `${where} > ${name}`);
      }
    }
    if (cls === 'Sequential') return;
    const bad = (why: string) => new SippError('topology-invalid', `${fileName}: ${where}: ${why}.`);
    type Ref = [string, number];
    const created = new Map<string, number>();
    const pending = new Map<string, Ref[][]>();
    for (const e of entries) {
      const name = String(e.name ?? (isObj(e.config) ? e.config.name : ''));
      if (created.has(name)) throw bad(`two layers are named '${name}'`);
      // tfjs gives InputLayers and nested models a node 0 of their own.
      created.set(name, e.class_name === 'InputLayer' || MODEL_CLASSES.has(String(e.class_name)) ? 1 : 0);
      const nodes = Array.isArray(e.inbound_nodes) ? e.inbound_nodes : [];
      pending.set(
        name,
        nodes.map((node) =>
          (Array.isArray(node) ? node : []).map(
            (r) => [String((r as unknown[])[0]), Number((r as unknown[])[1] ?? 0)] as Ref,
          ),
        ),
      );
    }
    for (const [name, nodes] of pending) {
      for (const node of nodes) {
        const missing = node.find(([src]) => !created.has(src));
        if (missing)
          throw bad(
            `layer '${name}' takes its input from '${missing[0]}', which is not a layer of the model`,
          );
      }
    }
    for (let progress = true; progress;) {
      progress = false;
      for (const [name, nodes] of pending) {
        while (nodes.length > 0 && nodes[0].every(([src, n]) => (created.get(src) as number) > n)) {
          nodes.shift();
          created.set(name, (created.get(name) as number) + 1);
          progress = true;
        }
      }
    }
    const stuck = [...pending].filter(([, nodes]) => nodes.length > 0);
    if (stuck.length > 0) {
      const [name, nodes] = stuck[0];
      const [src, n] = nodes[0].find(([s, k]) => (created.get(s) as number) <= k) as Ref;
      throw bad(
        `layer '${name}' reads call #${n} of '${src}', which never happens (a cycle or a wrong node index)` +
          (stuck.length > 1 ? `; ${stuck.length - 1} more layer(s) are stuck the same way` : ''),
      );
    }
    for (const key of ['input_layers', 'output_layers']) {
      for (const ref of (Array.isArray(config[key]) ? config[key] : []) as unknown[][]) {
        const [src, n] = [String(ref[0]), Number(ref[1] ?? 0)];
        if (!created.has(src)) throw bad(`${key} names '${src}', which is not a layer of the model`);
        if ((created.get(src) as number) <= n)
          throw bad(`${key} reads call #${n} of '${src}', which never happens`);
      }
    }
  };
  visit(
    String(topology.class_name),
    topology.config,
    String(isObj(topology.config) ? topology.config.name : 'model'),
  );
}

import * as tf from '@tensorflow/tfjs';
import type { NamedBytes } from '../types';
import { plainFiles, SippError } from '../util/errors';
import { modelBaseName, pickModelJson, resolveShards } from './io-files';
import { assignWeights, decodeGroups, matchWeights } from './io-weights';
import { isObj, normalizeTopology } from './normalize';
import { checkFinite, checkGraph, checkLayerClasses, validateManifest } from './validate';

export interface LoadedModel {
  model: tf.LayersModel;
  /** The normalised modelTopology (`{class_name, config, ...}`), as JSON. */
  topology: object;
  /** Base name for downloads: from the model.json name or its folder ('dir/model.json' -> 'dir'). */
  name: string;
  /** What was changed or guessed on the way in, one line each. */
  notices: string[];
  format: { kerasVersion?: string; convertedBy?: string; generatedBy?: string; quantized?: string[] };
}

/**
 * Loads a TF.js layers model from model.json and its weight shards, given in any order.
 * Keras 2 and Keras 3 exports are normalised so that tfjs 4.22 builds them; quantised weights are
 * dequantised to float32. Faults throw SippError with a stable code (see the regression table in
 * fixtures/cases.json).
 */
export async function loadModel(given: NamedBytes[], opts: { name?: string } = {}): Promise<LoadedModel> {
  const files = plainFiles(given);
  const { file, json } = pickModelJson(files);
  const fileName = file.name;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

  const topo = json.modelTopology;
  if (json.format === 'graph-model' || (isObj(topo) && (Array.isArray(topo.node) || 'versions' in topo))) {
    throw new SippError(
      'graph-model',
      `${fileName} is a TF.js graph model (a converted SavedModel or frozen graph), not a layers model: ` +
        `it has no Keras layers or named weights, so it cannot be pruned. Re-export the model from Keras ` +
        `as a layers model (tensorflowjs_converter --input_format keras, or tfjs.converters.save_keras_model).`,
    );
  }
  if (!isObj(topo)) {
    const hint = 'weightsManifest' in json ? ' It has a weightsManifest but no modelTopology.' : '';
    throw new SippError(
      'not-a-model',
      `${fileName} is JSON but not a TF.js model.json (no modelTopology).${hint}`,
    );
  }

  const { topology, notices, kerasVersion } = normalizeTopology(topo, fileName);
  checkLayerClasses(topology);
  checkGraph(topology, fileName);
  if (json.weightsManifest === undefined || json.weightsManifest === null) {
    throw new SippError(
      'no-weights',
      `${fileName} has a topology but no weightsManifest, so there are no trained weights to prune.`,
    );
  }
  const groups = validateManifest(json.weightsManifest, fileName);
  const resolved = resolveShards(groups, files, file, notices);
  const weights = decodeGroups(resolved);
  checkFinite(weights);

  const quantCounts = new Map<string, number>();
  for (const w of weights)
    if (w.quantized) quantCounts.set(w.quantized, (quantCounts.get(w.quantized) ?? 0) + 1);
  for (const [dtype, n] of quantCounts) notices.push(`dequantised ${n} weights (${dtype}) to float32`);

  const model = await buildModel(topology, fileName);
  try {
    assignWeights(matchWeights(model, weights, notices, fileName));
  } catch (e) {
    model.dispose();
    throw e;
  }
  return {
    model,
    topology,
    name: modelBaseName(fileName, opts.name, {
      shards: resolved.flatMap((g) => g.shards.map((f) => f.name)),
      topology,
    }),
    notices,
    format: {
      kerasVersion: kerasVersion ?? str(json.kerasVersion),
      convertedBy: str(json.convertedBy),
      generatedBy: str(json.generatedBy),
      quantized: quantCounts.size > 0 ? [...quantCounts.keys()] : undefined,
    },
  };
}

async function buildModel(topology: object, fileName: string): Promise<tf.LayersModel> {
  const before = new Set(Object.keys(tf.engine().state.registeredVariables));
  try {
    // A deep copy: tfjs deserialization deletes keys from the config it is given.
    return await tf.models.modelFromJSON({ modelTopology: structuredClone(topology) } as tf.io.ModelJSON);
  } catch (e) {
    // Layers built before the failure hold initialised variables that nothing else will free.
    const vars = tf.engine().state.registeredVariables;
    for (const name of Object.keys(vars)) if (!before.has(name)) vars[name].dispose();
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new SippError('topology-invalid', `${fileName}: TensorFlow.js could not build the model: ${msg}`);
  }
}

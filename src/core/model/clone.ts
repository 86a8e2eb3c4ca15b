import * as tf from '@tensorflow/tfjs';
import { restoreDepthMultipliers } from './tfjs-fixes';

/**
 * A private copy of a model (same topology, copied weights). Pruning, capture hooks and
 * evaluation of pruned weights all happen on the copy, so the caller's model is never touched.
 */
export async function cloneModel(model: tf.LayersModel): Promise<tf.LayersModel> {
  const topology = restoreDepthMultipliers(
    model,
    model.toJSON(undefined, false) as tf.io.ModelJSON['modelTopology'],
  );
  const copy = await tf.models.modelFromJSON({ modelTopology: topology } as tf.io.ModelJSON);
  const weights = model.getWeights();
  copy.setWeights(weights);
  return copy;
}

/**
 * Frees a clone's variables. `LayersModel.dispose` only frees weights whose layers drop to a zero
 * reference count, which a model built by `modelFromJSON` never reaches, so free them directly.
 */
export function disposeModel(model: tf.LayersModel): void {
  for (const w of model.weights) {
    const v = w.read();
    if (!v.isDisposed) v.dispose();
  }
}

import type * as tf from '@tensorflow/tfjs';

type Layer = tf.layers.Layer;

function collect(layers: Layer[], into: Map<string, number>): void {
  for (const l of layers) {
    const nested = (l as unknown as { layers?: Layer[] }).layers;
    if (Array.isArray(nested)) collect(nested, into);
    const inner = (l as unknown as { layer?: Layer }).layer;
    if (inner) collect([inner], into);
    const dm = (l as unknown as { depthMultiplier?: number }).depthMultiplier;
    if (l.getClassName() === 'SeparableConv2D' && dm !== undefined && dm !== 1) into.set(l.name, dm);
  }
}

function patch(node: unknown, dms: Map<string, number>): void {
  if (Array.isArray(node)) {
    node.forEach((n) => patch(n, dms));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  const cfg = o.config as Record<string, unknown> | undefined;
  if (o.class_name === 'SeparableConv2D' && cfg && typeof cfg.name === 'string' && dms.has(cfg.name))
    cfg.depth_multiplier = dms.get(cfg.name);
  for (const v of Object.values(o)) patch(v, dms);
}

/**
 * tfjs 4.22's SeparableConv2D.getConfig leaves out depthMultiplier, so the topology a model writes
 * of itself rebuilds such a layer with multiplier 1 and its weights no longer fit (clone, save).
 * Puts the live layers' multipliers back into `topology` (tfjs's snake_case JSON), in place.
 */
export function restoreDepthMultipliers<T>(model: tf.LayersModel, topology: T): T {
  const dms = new Map<string, number>();
  collect(model.layers, dms);
  if (dms.size > 0) patch(topology, dms);
  return topology;
}

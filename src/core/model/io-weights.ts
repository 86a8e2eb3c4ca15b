// Decoding the shards and putting each manifest weight into the right model variable. Matching is
// by layer name (and, within a layer, by weight short name, then position), never by tfjs variable
// name: those get suffixes (dense/kernel_1) when a topology is loaded twice in one process, and
// Keras 3 prefixes manifest names with the model name (sequential/dense/kernel).
import * as tf from '@tensorflow/tfjs';
import { SippError } from '../util/errors';
import type { ResolvedGroup } from './io-files';
import { decodeWeight, specByteLength, type QuantDtype, type WeightValues } from './quantization';

export interface DecodedWeight {
  name: string;
  shape: number[];
  dtype: string;
  values: WeightValues;
  quantized?: QuantDtype;
}

/** Checks shard sizes against the manifest and decodes every weight, in manifest order. */
export function decodeGroups(groups: ResolvedGroup[]): DecodedWeight[] {
  const out: DecodedWeight[] = [];
  groups.forEach(({ group, shards }, g) => {
    const expected = group.weights.reduce((s, w) => s + specByteLength(w), 0);
    const actual = shards.reduce((s, f) => s + f.data.byteLength, 0);
    if (expected !== actual) {
      const list = shards.map((f) => `${f.name} ${f.data.byteLength} bytes`).join(', ');
      const what = actual < expected ? 'short (truncated download?)' : 'longer than the manifest says';
      throw new SippError(
        'shard-size',
        `Weight data of group ${g + 1} is ${what}: expected ${expected} bytes for its ${group.weights.length} ` +
          `weight(s), got ${actual} (${list}).`,
      );
    }
    const data = concat(
      shards.map((f) => f.data),
      actual,
    );
    let offset = 0;
    for (const spec of group.weights) {
      const len = specByteLength(spec);
      out.push({
        name: spec.name,
        shape: spec.shape,
        dtype: spec.dtype,
        values: decodeWeight(spec, data.subarray(offset, offset + len)),
        quantized: spec.quantization?.dtype,
      });
      offset += len;
    }
  });
  return out;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

interface Slot {
  layer: tf.layers.Layer;
  ancestors: string[];
  index: number;
  short: string;
  shape: number[];
  dtype: string;
}

interface Leaf {
  layer: tf.layers.Layer;
  ancestors: string[];
  slots: Slot[];
}

/** Weight-owning layers in model order, descending into nested models. */
export function weightLeaves(model: tf.LayersModel): Leaf[] {
  const leaves: Leaf[] = [];
  const seen = new Set<tf.layers.Layer>();
  const walk = (container: tf.LayersModel, ancestors: string[]) => {
    for (const layer of container.layers) {
      if (seen.has(layer)) continue;
      seen.add(layer);
      if (layer instanceof tf.LayersModel) {
        walk(layer, [...ancestors, layer.name]);
      } else if (layer.weights.length > 0) {
        const slots = layer.weights.map((w, index) => ({
          layer,
          ancestors,
          index,
          // originalName survives the _1 suffixes tfjs adds to variable names on reload.
          short: w.originalName.split('/').pop() as string,
          shape: w.shape.slice() as number[],
          dtype: w.dtype,
        }));
        leaves.push({ layer, ancestors, slots });
      }
    }
  };
  walk(model, [model.name]);
  return leaves;
}

function nameParts(name: string): string[] {
  return name
    .replace(/:\d+$/, '')
    .split('/')
    .filter((p) => p !== '' && p !== '.');
}

function fmt(shape: number[]): string {
  return `[${shape.join(',')}]`;
}

/** Pairs each model weight slot with a decoded manifest weight; throws 'weights-mismatch' listing every fault. */
export function matchWeights(
  model: tf.LayersModel,
  weights: DecodedWeight[],
  notices: string[],
): Map<Slot, DecodedWeight> {
  const leaves = weightLeaves(model);
  const byName = new Map<string, Leaf[]>();
  for (const leaf of leaves) byName.set(leaf.layer.name, [...(byName.get(leaf.layer.name) ?? []), leaf]);

  // 1. Owner layer of each manifest weight: the rightmost path component naming a weight-owning layer.
  const buckets = new Map<Leaf, DecodedWeight[]>();
  const unowned: DecodedWeight[] = [];
  let prefixed = 0;
  for (const w of weights) {
    const parts = nameParts(w.name);
    let owner: Leaf | undefined;
    for (let i = parts.length - 2; i >= 0 && !owner; i--) {
      const candidates = byName.get(parts[i]);
      if (!candidates) continue;
      const before = parts.slice(0, i);
      // Same-named layers in different nested models: prefer the one whose ancestors the path
      // names, then one that still has room.
      const room = (l: Leaf) => ((buckets.get(l)?.length ?? 0) < l.slots.length ? 1 : 0);
      const score = (l: Leaf) => 2 * l.ancestors.filter((a) => before.includes(a)).length + room(l);
      owner = candidates.reduce((best, l) => (score(l) > score(best) ? l : best), candidates[0]);
      if (i > 0) prefixed++;
    }
    if (owner) buckets.set(owner, [...(buckets.get(owner) ?? []), w]);
    else unowned.push(w);
  }

  // 2. Within a layer: same short name first (order-preserving), then by position.
  const match = new Map<Slot, DecodedWeight>();
  const extra: DecodedWeight[] = [];
  let byPosition = 0;
  for (const leaf of leaves) {
    const entries = buckets.get(leaf) ?? [];
    const free = new Set(leaf.slots);
    const rest: DecodedWeight[] = [];
    for (const w of entries) {
      const short = nameParts(w.name).pop();
      const slot = leaf.slots.find((s) => free.has(s) && s.short === short);
      if (slot) {
        match.set(slot, w);
        free.delete(slot);
      } else rest.push(w);
    }
    for (const w of rest) {
      const slot = leaf.slots.find((s) => free.has(s));
      if (!slot) {
        extra.push(w);
        continue;
      }
      match.set(slot, w);
      free.delete(slot);
      byPosition++;
    }
  }

  // 3. Names that name no layer at all (hand-written manifests): by position, if the counts agree.
  const unset = leaves.flatMap((l) => l.slots).filter((s) => !match.has(s));
  if (unowned.length > 0 && unowned.length === unset.length && extra.length === 0) {
    unset.forEach((s, i) => match.set(s, unowned[i]));
    notices.push(
      `matched ${unowned.length} weight(s) by position because their names name no layer of the model ` +
        `(e.g. '${unowned[0].name}')`,
    );
    unowned.length = 0;
    unset.length = 0;
  }

  const problems: string[] = [];
  for (const [slot, w] of match) {
    const label = `layer '${slot.layer.name}' (${slot.layer.getClassName()}) ${slot.short}`;
    if (w.shape.length !== slot.shape.length || w.shape.some((d, i) => d !== slot.shape[i])) {
      problems.push(`weight '${w.name}' has shape ${fmt(w.shape)} but ${label} expects ${fmt(slot.shape)}`);
    } else if (w.dtype !== slot.dtype && !w.quantized) {
      problems.push(`weight '${w.name}' is ${w.dtype} but ${label} is ${slot.dtype}`);
    }
  }
  for (const s of unset) {
    problems.push(
      `missing weight for layer '${s.layer.name}' (${s.layer.getClassName()}) ${s.short} ${fmt(s.shape)}`,
    );
  }
  for (const w of [...extra, ...unowned]) {
    problems.push(`weight '${w.name}' ${fmt(w.shape)} matches no layer of the model`);
  }
  if (problems.length > 0) {
    const shown =
      problems.slice(0, 6).join('; ') + (problems.length > 6 ? `; and ${problems.length - 6} more` : '');
    throw new SippError('weights-mismatch', `The weights do not fit the model topology: ${shown}.`);
  }
  if (prefixed > 0) {
    notices.push(
      `mapped ${prefixed} weight name(s) with a model-name prefix to their layers (e.g. '${weights.find((w) => nameParts(w.name).length > 2)?.name ?? weights[0].name}')`,
    );
  }
  if (byPosition > 0) notices.push(`matched ${byPosition} weight(s) to their layer's variables by position`);
  return match;
}

/** Writes matched values into the model's variables, one setWeights per layer. */
export function assignWeights(match: Map<Slot, DecodedWeight>): void {
  const perLayer = new Map<tf.layers.Layer, Array<[Slot, DecodedWeight]>>();
  for (const [slot, w] of match) perLayer.set(slot.layer, [...(perLayer.get(slot.layer) ?? []), [slot, w]]);
  tf.tidy(() => {
    for (const [layer, pairs] of perLayer) {
      pairs.sort((a, b) => a[0].index - b[0].index);
      layer.setWeights(pairs.map(([slot, w]) => tf.tensor(w.values, slot.shape, slot.dtype as tf.DataType)));
    }
  });
}

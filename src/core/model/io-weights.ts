// Decoding the shards and putting each manifest weight into the right model variable. Matching is
// by name, as tfjs does: the layer named in the weight's path (layer names may contain '/'), then,
// within a layer, the weight's short name. Never by tfjs variable name: those get suffixes
// (dense/kernel_1) when a topology is loaded twice in one process, and Keras 3 prefixes manifest
// names with the model name (sequential/dense/kernel). Position is only a fallback, and only where
// the shapes agree: manifests need not list weights in layer order (Keras 2 h5 files are
// alphabetical), so a position-first match puts one layer's weights into another.
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
  /** The shard file holding the weight's first byte, for messages. */
  file?: string;
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
    let end = 0;
    const ends = shards.map((f) => (end += f.data.byteLength));
    let offset = 0;
    for (const spec of group.weights) {
      const len = specByteLength(spec);
      const shard = ends.findIndex((e) => e > offset);
      out.push({
        name: spec.name,
        shape: spec.shape,
        dtype: spec.dtype,
        values: decodeWeight(spec, data.subarray(offset, offset + len)),
        quantized: spec.quantization?.dtype,
        file: shards[shard]?.name,
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

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Whether `path` (components) contains the components of `name` as a contiguous run. */
function namesRun(path: string[], name: string): boolean {
  return `/${path.join('/')}/`.includes(`/${nameParts(name).join('/')}/`);
}

function lexGreater(a: number[], b: number[]): boolean {
  const i = a.findIndex((v, k) => v !== b[k]);
  return i >= 0 && a[i] > b[i];
}

/**
 * The leaf that owns a manifest weight, found by name alone. Layer names may contain '/' (Keras 2
 * SqueezeNet: 'fire2/squeeze1x1'), so an owner is a run of path components, not one component.
 * The run ending nearest the weight's short name wins (tfjs drops a cell name in between, as in
 * lstm/lstm_cell/kernel); among runs ending there, the longest (so 'block/dense' beats 'dense').
 * Same-named layers in nested models: the leaf whose ancestors the prefix names, then one that
 * still has a free variable, then the least deeply nested ('dense/kernel' beside
 * 'inner/dense/kernel' is the outer one's).
 */
function findOwner(
  parts: string[],
  byName: Map<string, Leaf[]>,
  filled: (l: Leaf) => boolean,
): { leaf: Leaf; start: number } | undefined {
  for (let end = parts.length - 1; end >= 1; end--) {
    let best: { leaf: Leaf; start: number; score: number[] } | undefined;
    for (let start = end - 1; start >= 0; start--) {
      const before = parts.slice(0, start);
      for (const leaf of byName.get(parts.slice(start, end).join('/')) ?? []) {
        const named = leaf.ancestors.filter((a) => namesRun(before, a)).length;
        const score = [end - start, named, filled(leaf) ? 0 : 1, named - leaf.ancestors.length];
        if (!best || lexGreater(score, best.score)) best = { leaf, start, score };
      }
    }
    if (best) return best;
  }
  return undefined;
}

/**
 * Pairs each model weight slot with a decoded manifest weight, by name; throws 'weights-mismatch'
 * listing every fault. Position is used only where names cannot decide and the shapes agree, so
 * a manifest listed in another order than the layers (Keras 2 h5 files list layers
 * alphabetically) can never put one layer's weights into another.
 */
export function matchWeights(
  model: tf.LayersModel,
  weights: DecodedWeight[],
  notices: string[],
  fileName = 'model.json',
): Map<Slot, DecodedWeight> {
  const leaves = weightLeaves(model);
  const byName = new Map<string, Leaf[]>();
  for (const leaf of leaves) byName.set(leaf.layer.name, [...(byName.get(leaf.layer.name) ?? []), leaf]);

  // 1. The owner layer of each manifest weight.
  const buckets = new Map<Leaf, DecodedWeight[]>();
  const unowned: DecodedWeight[] = [];
  let prefixed: DecodedWeight | undefined;
  let prefixedCount = 0;
  const filled = (l: Leaf) => (buckets.get(l)?.length ?? 0) >= l.slots.length;
  for (const w of weights) {
    const owner = findOwner(nameParts(w.name), byName, filled);
    if (!owner) {
      unowned.push(w);
      continue;
    }
    buckets.set(owner.leaf, [...(buckets.get(owner.leaf) ?? []), w]);
    if (owner.start > 0) {
      prefixed ??= w;
      prefixedCount++;
    }
  }

  // 2. Within a layer: same short name first; then a free variable of the same shape (Keras 3
  // calls a DepthwiseConv2D kernel 'kernel', tfjs 'depthwise_kernel'), else the first free one,
  // which the shape check below then reports.
  const match = new Map<Slot, DecodedWeight>();
  const extra: DecodedWeight[] = [];
  let byPosition = 0;
  for (const leaf of leaves) {
    const free = new Set(leaf.slots);
    const rest: DecodedWeight[] = [];
    for (const w of buckets.get(leaf) ?? []) {
      const short = nameParts(w.name).pop();
      const slot = leaf.slots.find((s) => free.has(s) && s.short === short);
      if (slot) {
        match.set(slot, w);
        free.delete(slot);
      } else rest.push(w);
    }
    for (const w of rest) {
      const open = leaf.slots.filter((s) => free.has(s));
      const slot = open.find((s) => sameShape(s.shape, w.shape)) ?? open[0];
      if (!slot) {
        extra.push(w);
        continue;
      }
      match.set(slot, w);
      free.delete(slot);
      byPosition++;
    }
  }

  // 3. Names that name no layer at all (hand-written manifests): by position, but only when the
  // counts agree and every pair has the same shape; anything else would be a guess.
  const fits = (w: DecodedWeight, s: Slot) =>
    sameShape(w.shape, s.shape) && (w.dtype === s.dtype || w.quantized !== undefined);
  let unset = leaves.flatMap((l) => l.slots).filter((s) => !match.has(s));
  let misfit: [DecodedWeight, Slot] | undefined;
  if (unowned.length > 0 && unowned.length === unset.length && extra.length === 0) {
    const bad = unset.findIndex((s, i) => !fits(unowned[i], s));
    if (bad < 0) {
      unset.forEach((s, i) => match.set(s, unowned[i]));
      // Shapes vouch for the order only where they differ: equal-shaped weights could be swapped.
      const seen = new Map<string, number>();
      for (const s of unset) seen.set(fmt(s.shape), (seen.get(fmt(s.shape)) ?? 0) + 1);
      const alike = unset.filter((s) => (seen.get(fmt(s.shape)) as number) > 1).length;
      notices.push(
        `matched ${unowned.length} weight(s) by position because their names name no layer of the model ` +
          `(e.g. '${unowned[0].name}'); their shapes agree with the layers in model order` +
          (alike > 0 ? `, but ${alike} of them share a shape with another, so their order is unchecked` : ''),
      );
      unowned.length = 0;
      unset = [];
    } else misfit = [unowned[bad], unset[bad]];
  }

  const several = new Set(weights.map((w) => w.file)).size > 1;
  const what = (w: DecodedWeight) => `weight '${w.name}'${several && w.file ? ` (in ${w.file})` : ''}`;
  const label = (s: Slot) => `layer '${s.layer.name}' (${s.layer.getClassName()}) ${s.short}`;
  const problems: string[] = [];
  for (const [slot, w] of match) {
    if (!sameShape(w.shape, slot.shape)) {
      problems.push(`${what(w)} has shape ${fmt(w.shape)} but ${label(slot)} expects ${fmt(slot.shape)}`);
    } else if (w.dtype !== slot.dtype && !w.quantized) {
      problems.push(`${what(w)} is ${w.dtype} but ${label(slot)} is ${slot.dtype}`);
    }
  }
  if (misfit) {
    // One line for the lot: listing each of them as missing and as unmatched says nothing more.
    const [w, s] = misfit;
    problems.push(
      `${unowned.length} weight(s) name no layer of the model (e.g. '${unowned[0].name}') and cannot be ` +
        `matched by position: ${what(w)} ${fmt(w.shape)} would go to ${label(s)} ${fmt(s.shape)}`,
    );
  } else {
    for (const s of unset) problems.push(`missing weight for ${label(s)} ${fmt(s.shape)}`);
    for (const w of unowned) problems.push(`${what(w)} ${fmt(w.shape)} matches no layer of the model`);
  }
  for (const w of extra) problems.push(`${what(w)} ${fmt(w.shape)} matches no layer of the model`);
  if (problems.length > 0) {
    const shown =
      problems.slice(0, 6).join('; ') + (problems.length > 6 ? `; and ${problems.length - 6} more` : '');
    throw new SippError(
      'weights-mismatch',
      `${fileName}: the weights do not fit the model topology: ${shown}.`,
    );
  }
  if (prefixed) {
    notices.push(
      `mapped ${prefixedCount} weight name(s) with a model-name prefix to their layers (e.g. '${prefixed.name}')`,
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

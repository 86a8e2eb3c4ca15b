import type * as tf from '@tensorflow/tfjs';

/**
 * Channel spaces of a TF.js layers model (pfp-algorithm.md §7.1), built at the level of single
 * channels: every channel a producer (Dense, Conv1D, Conv2D, SeparableConv2D) creates is a node;
 * each tensor's channel axis is a list of nodes (a Concatenate output is the concatenation of its
 * inputs' lists, a Flatten output repeats its input's list once per position, so Dense row
 * (h·W + w)·C + c refers to node c, a DepthwiseConv2D output repeats each input node dm times);
 * elementwise merges (Add, ...) union their inputs' nodes position by position. A node goes when
 * it is not pinned and every reader's slice at every position referring to it is all zero; it then
 * disappears from every tensor at once, with its kernel slices, bias, BN and depthwise entries.
 *
 * Unsupported layers are not refused: their input and output channels are pinned, with a reason
 * naming the layer, and the rest of the model still shrinks.
 */

type Layer = tf.layers.Layer;
interface SymTensor {
  id: number;
  shape: (number | null)[];
}
interface GraphNode {
  inputTensors: SymTensor[];
  outputTensors: SymTensor[];
}

/** How a layer takes part in the channel graph. */
export type LayerRole =
  | 'producer' // Dense, Conv1D, Conv2D: new output channels, reads its input channels
  | 'separable' // SeparableConv2D: depthwise (coupled) then pointwise (producer)
  | 'depthwise' // DepthwiseConv2D: output c·dm+t is input channel c
  | 'per-channel' // BatchNormalization, PReLU: pass-through with per-channel weights
  | 'pass-through' // activations, dropout, pooling, padding, global pooling
  | 'merge' // Add, Subtract, Multiply, Average, Maximum, Minimum
  | 'concat' // Concatenate on the channel axis
  | 'flatten' // Flatten: strided rows
  | 'pinned'; // anything else: inputs and outputs pinned

/** Where a layer's kernel reads its input channels and writes its output channels. */
interface WeightAxes {
  /** index in layer.weights -> axis and which channel list (in, inner, out) it follows */
  gathers: { weight: number; axis: number; list: 'in' | 'inner' | 'out' }[];
  /** weights whose slices along `axis` of list positions are the layer's reads */
  reads: { weight: number; axis: number; list: 'in' | 'inner' }[];
}

export interface LayerPlan {
  layer: Layer;
  name: string;
  className: string;
  role: LayerRole;
  /** Channel lists (node ids) of the inputs, an internal list (SeparableConv2D), the output. */
  inLists: Int32Array[];
  inner?: Int32Array;
  out: Int32Array;
  axes: WeightAxes;
  /** `units` or `filters`: the config key that counts output channels. */
  countKey?: 'units' | 'filters';
  /** Pinned layers with several outputs: one list each (`out` is the first). */
  outs?: Int32Array[];
  note?: string;
}

export interface ChannelSpace {
  id: number;
  /** Layers that create channels of this space (or 'input:<name>' for a model input). */
  producers: string[];
  /** Layers whose weights read channels of this space. */
  readers: string[];
  channels: number;
  /** Why nothing may be removed here; empty when the space is free. */
  pinned: string[];
}

export interface ChannelSpaces {
  spaces: ChannelSpace[];
  layers: { name: string; className: string; role: LayerRole; note?: string }[];
}

/** Internal analysis; `channelSpaces` is its summary. */
export interface Analysis {
  plans: LayerPlan[];
  /** union-find parent over nodes */
  parent: number[];
  /** block (producer output, model input, pinned output) of each node, and its index there */
  nodeBlock: number[];
  blocks: { name: string; size: number; free: boolean }[];
  /** root -> reasons it is pinned */
  pins: Map<number, Set<string>>;
}

const PASS = new Set([
  'Activation',
  'ReLU',
  'LeakyReLU',
  'ELU',
  'ThresholdedReLU',
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
  'MaxPooling1D',
  'MaxPooling2D',
  'MaxPooling3D',
  'AveragePooling1D',
  'AveragePooling2D',
  'AveragePooling3D',
  'ZeroPadding2D',
  'Cropping2D',
  'UpSampling2D',
  'GlobalAveragePooling1D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling1D',
  'GlobalMaxPooling2D',
]);
const MERGES = new Set(['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum']);

function find(parent: number[], a: number): number {
  while (parent[a] !== a) {
    parent[a] = parent[parent[a]];
    a = parent[a];
  }
  return a;
}

function config(l: Layer): Record<string, unknown> {
  return l.getConfig() as Record<string, unknown>;
}

function lastDim(t: SymTensor): number {
  const d = t.shape[t.shape.length - 1];
  return typeof d === 'number' && d > 0 ? d : 1;
}

export function analyse(model: tf.LayersModel): Analysis {
  const parent: number[] = [];
  const nodeBlock: number[] = [];
  const blocks: Analysis['blocks'] = [];
  const pins = new Map<number, Set<string>>();
  const lists = new Map<number, Int32Array>();
  const plans: LayerPlan[] = [];

  const newBlock = (name: string, size: number, free: boolean): Int32Array => {
    const b = blocks.length;
    blocks.push({ name, size, free });
    const out = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      out[i] = parent.length;
      parent.push(parent.length);
      nodeBlock.push(b);
    }
    return out;
  };
  const pinList = (list: Int32Array, reason: string) => {
    for (const n of list) {
      const r = find(parent, n);
      if (!pins.has(r)) pins.set(r, new Set());
      pins.get(r)!.add(reason);
    }
  };
  const union = (a: number, b: number) => {
    const ra = find(parent, a);
    const rb = find(parent, b);
    if (ra === rb) return;
    parent[rb] = ra;
    const pb = pins.get(rb);
    if (pb) {
      if (!pins.has(ra)) pins.set(ra, new Set());
      for (const p of pb) pins.get(ra)!.add(p);
      pins.delete(rb);
    }
  };

  for (const t of model.inputs as unknown as SymTensor[]) {
    const name = `input:${(t as unknown as { name?: string }).name ?? t.id}`;
    const l = newBlock(name, lastDim(t), false);
    lists.set(t.id, l);
    pinList(l, `fed by model input ${name.slice(6)}`);
  }

  // Nodes of this model: those whose inputs are tensors of this graph (a nested model also has
  // its own internal node). A layer with more than one such node is shared: pinned.
  const known = new Set(lists.keys());
  const nodesOf = new Map<Layer, GraphNode[]>();
  for (let changed = true; changed;) {
    changed = false;
    for (const l of model.layers) {
      if (l.getClassName() === 'InputLayer') continue;
      for (const n of (l as unknown as { inboundNodes: GraphNode[] }).inboundNodes) {
        const mine = nodesOf.get(l) ?? [];
        if (mine.includes(n) || n.inputTensors.length === 0) continue;
        if (!n.inputTensors.every((t) => known.has(t.id))) continue;
        mine.push(n);
        nodesOf.set(l, mine);
        n.outputTensors.forEach((t) => known.add(t.id));
        changed = true;
      }
    }
  }

  const done = new Set<GraphNode>();
  for (let changed = true; changed;) {
    changed = false;
    for (const l of model.layers) {
      const nodes = nodesOf.get(l) ?? [];
      for (const n of nodes) {
        if (done.has(n) || !n.inputTensors.every((t) => lists.has(t.id))) continue;
        done.add(n);
        changed = true;
        const inLists = n.inputTensors.map((t) => lists.get(t.id)!);
        const plan = planLayer(l, n, inLists, nodes.length, { newBlock, pinList, union });
        plans.push(plan);
        n.outputTensors.forEach((t, i) => lists.set(t.id, plan.outs?.[i] ?? plan.out));
      }
    }
  }
  for (const t of model.outputs as unknown as SymTensor[]) {
    const l = lists.get(t.id);
    if (l) pinList(l, `reaches model output ${(t as unknown as { name?: string }).name ?? t.id}`);
  }
  return { plans, parent, nodeBlock, blocks, pins };
}

interface Builder {
  newBlock: (name: string, size: number, free: boolean) => Int32Array;
  pinList: (list: Int32Array, reason: string) => void;
  union: (a: number, b: number) => void;
}

function planLayer(l: Layer, n: GraphNode, inLists: Int32Array[], uses: number, b: Builder): LayerPlan {
  const className = l.getClassName();
  const cfg = config(l);
  const base = { layer: l, name: l.name, className, inLists, axes: { gathers: [], reads: [] } as WeightAxes };
  const pinned = (why: string): LayerPlan => {
    const reason = `${why} (${className} '${l.name}')`;
    inLists.forEach((li) => b.pinList(li, reason));
    const outs = n.outputTensors.map((t) => b.newBlock(l.name, lastDim(t), false));
    outs.forEach((o) => b.pinList(o, reason));
    return { ...base, role: 'pinned', out: outs[0] ?? new Int32Array(0), outs, note: reason };
  };
  if (uses > 1) return pinned(`shared layer, called ${uses} times`);
  if (n.outputTensors.length !== 1) return pinned('several outputs');
  if (cfg.dataFormat === 'channelsFirst') return pinned('channels_first');
  const outT = n.outputTensors[0];
  const one = inLists.length === 1 ? inLists[0] : null;
  const softmax = cfg.activation === 'softmax';

  if (className === 'Dense' || className === 'Conv2D' || className === 'Conv1D') {
    if (!one) return pinned('several inputs');
    const inAxis = className === 'Dense' ? 0 : className === 'Conv1D' ? 1 : 2;
    const out = b.newBlock(l.name, lastDim(outT), true);
    if (softmax) b.pinList(out, `softmax over the channels of ${className} '${l.name}'`);
    const gathers: WeightAxes['gathers'] = [
      { weight: 0, axis: inAxis, list: 'in' },
      { weight: 0, axis: inAxis + 1, list: 'out' },
    ];
    if (l.weights.length > 1) gathers.push({ weight: 1, axis: 0, list: 'out' });
    return {
      ...base,
      role: 'producer',
      out,
      countKey: className === 'Dense' ? 'units' : 'filters',
      axes: { gathers, reads: [{ weight: 0, axis: inAxis, list: 'in' }] },
    };
  }
  if (className === 'DepthwiseConv2D' || className === 'SeparableConv2D') {
    if (!one) return pinned('several inputs');
    const dm = (l as unknown as { depthMultiplier?: number }).depthMultiplier ?? 1;
    const inner = new Int32Array(one.length * dm);
    one.forEach((node, c) => inner.fill(node, c * dm, c * dm + dm));
    if (className === 'DepthwiseConv2D') {
      if (softmax) b.pinList(one, `softmax over the channels of DepthwiseConv2D '${l.name}'`);
      const gathers: WeightAxes['gathers'] = [{ weight: 0, axis: 2, list: 'in' }];
      if (l.weights.length > 1) gathers.push({ weight: 1, axis: 0, list: 'out' });
      return { ...base, role: 'depthwise', out: inner, axes: { gathers, reads: [] } };
    }
    const out = b.newBlock(l.name, lastDim(outT), true);
    if (softmax) b.pinList(out, `softmax over the channels of SeparableConv2D '${l.name}'`);
    const gathers: WeightAxes['gathers'] = [
      { weight: 0, axis: 2, list: 'in' },
      { weight: 1, axis: 2, list: 'inner' },
      { weight: 1, axis: 3, list: 'out' },
    ];
    if (l.weights.length > 2) gathers.push({ weight: 2, axis: 0, list: 'out' });
    return {
      ...base,
      role: 'separable',
      inner,
      out,
      countKey: 'filters',
      axes: { gathers, reads: [{ weight: 1, axis: 2, list: 'inner' }] },
    };
  }
  if (className === 'BatchNormalization' || className === 'PReLU') {
    if (!one) return pinned('several inputs');
    const rank = outT.shape.length;
    if (className === 'BatchNormalization') {
      const axis = cfg.axis as number;
      if (axis !== -1 && axis !== rank - 1) return pinned(`normalises axis ${axis}, not the channel axis`);
      return {
        ...base,
        role: 'per-channel',
        out: one,
        axes: { gathers: l.weights.map((_, i) => ({ weight: i, axis: 0, list: 'in' as const })), reads: [] },
      };
    }
    const shared = (cfg.sharedAxes as number[] | null) ?? [];
    if (shared.includes(rank - 1) || shared.includes(-1)) return pinned('alpha shared over the channel axis');
    const alphaRank = l.weights[0]?.shape.length ?? 1;
    return {
      ...base,
      role: 'per-channel',
      out: one,
      axes: { gathers: [{ weight: 0, axis: alphaRank - 1, list: 'in' }], reads: [] },
    };
  }
  if (PASS.has(className)) {
    if (!one) return pinned('several inputs');
    if (className === 'Activation' && softmax) return pinned('softmax over the channel axis');
    return { ...base, role: 'pass-through', out: one };
  }
  if (className === 'Softmax') return pinned('softmax over the channel axis');
  if (MERGES.has(className)) {
    if (inLists.some((li) => li.length !== inLists[0].length)) return pinned('broadcasting merge');
    for (const li of inLists.slice(1)) li.forEach((node, c) => b.union(inLists[0][c], node));
    return { ...base, role: 'merge', out: inLists[0] };
  }
  if (className === 'Concatenate') {
    const axis = cfg.axis as number;
    if (axis !== -1 && axis !== outT.shape.length - 1) return pinned(`concatenates axis ${axis}`);
    const out = new Int32Array(inLists.reduce((s, li) => s + li.length, 0));
    let off = 0;
    for (const li of inLists) {
      out.set(li, off);
      off += li.length;
    }
    return { ...base, role: 'concat', out };
  }
  if (className === 'Flatten') {
    if (!one) return pinned('several inputs');
    const shape = n.inputTensors[0].shape;
    let positions = 1;
    for (const d of shape.slice(1, -1)) {
      if (typeof d !== 'number') return pinned('unknown spatial size');
      positions *= d;
    }
    // Row (h·W + w)·C + c of the Dense after it reads channel c: the list, repeated per position.
    const out = new Int32Array(positions * one.length);
    for (let p = 0; p < positions; p++) out.set(one, p * one.length);
    return { ...base, role: 'flatten', out };
  }
  const nested = (l as unknown as { layers?: unknown[] }).layers;
  return pinned(Array.isArray(nested) ? 'nested model (not flattened)' : 'layer not supported for removal');
}

/** Channel spaces and dependency groups of `model` (§7.1), with the pinned ones and why. */
export function channelSpaces(model: tf.LayersModel): ChannelSpaces {
  const a = analyse(model);
  const groups = groupSpaces(a);
  return {
    spaces: groups,
    layers: a.plans.map((p) => ({
      name: p.name,
      className: p.className,
      role: p.role,
      ...(p.note ? { note: p.note } : {}),
    })),
  };
}

/** Spaces: blocks joined when any of their channels are joined (Add groups). */
function groupSpaces(a: Analysis): ChannelSpace[] {
  const bp = a.blocks.map((_, i) => i);
  const rootBlock = new Map<number, number>();
  a.parent.forEach((_, node) => {
    const r = find(a.parent, node);
    const blk = a.nodeBlock[node];
    const seen = rootBlock.get(r);
    if (seen === undefined) rootBlock.set(r, blk);
    else {
      const x = find(bp, seen);
      const y = find(bp, blk);
      if (x !== y) bp[y] = x;
    }
  });
  const byRoot = new Map<number, ChannelSpace>();
  const roots = new Map<number, Set<number>>();
  a.blocks.forEach((blk, i) => {
    const r = find(bp, i);
    if (!byRoot.has(r)) {
      byRoot.set(r, { id: byRoot.size, producers: [], readers: [], channels: 0, pinned: [] });
      roots.set(r, new Set());
    }
    if (!byRoot.get(r)!.producers.includes(blk.name)) byRoot.get(r)!.producers.push(blk.name);
  });
  a.parent.forEach((_, node) => {
    const r = find(bp, a.nodeBlock[node]);
    const nr = find(a.parent, node);
    roots.get(r)!.add(nr);
    for (const why of a.pins.get(nr) ?? []) {
      const s = byRoot.get(r)!;
      if (!s.pinned.includes(why)) s.pinned.push(why);
    }
  });
  for (const p of a.plans) {
    for (const rd of p.axes.reads) {
      const list = rd.list === 'in' ? p.inLists[0] : p.inner!;
      for (const node of new Set(list)) {
        const s = byRoot.get(find(bp, a.nodeBlock[node]))!;
        if (!s.readers.includes(p.name)) s.readers.push(p.name);
      }
    }
  }
  for (const [r, s] of byRoot) s.channels = roots.get(r)!.size;
  return [...byRoot.values()];
}

export { find as findRoot };

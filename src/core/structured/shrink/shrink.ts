import * as tf from '@tensorflow/tfjs';
import { restoreDepthMultipliers } from '../../model/tfjs-fixes';
import { SippError } from '../../util/errors';
import { macsPerSample } from './cost';
import { analyse, findRoot, type LayerPlan } from './spaces';

export interface ShrinkLayerReport {
  name: string;
  className: string;
  /** output channels */
  before: number;
  after: number;
}

export interface ShrinkReport {
  layers: ShrinkLayerReport[];
  /** §7.5: nonzero trainable parameters (torchprune's count; BN moving statistics excluded) */
  nonzeroBefore: number;
  nonzeroAfter: number;
  /** §7.5: model.countParams(), zeros and BN moving statistics included */
  paramsBefore: number;
  paramsAfter: number;
  macsBefore: number;
  macsAfter: number;
  /** channels removed, over all spaces (a channel shared by an Add group counts once) */
  removedChannels: number;
}

export interface ShrinkResult {
  model: tf.LayersModel;
  report: ShrinkReport;
}

/** For each index along `axis`: does the slice there hold a nonzero value? */
export function nonzeroAlong(values: ArrayLike<number>, shape: number[], axis: number): Uint8Array {
  const n = shape[axis];
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  const outer = values.length / (n * inner);
  const nz = new Uint8Array(n);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < n; i++) {
      if (nz[i]) continue;
      const base = (o * n + i) * inner;
      for (let k = 0; k < inner; k++)
        if (values[base + k] !== 0) {
          nz[i] = 1;
          break;
        }
    }
  return nz;
}

async function nonzeroTrainable(model: tf.LayersModel, values?: Map<tf.LayerVariable, tf.Tensor>) {
  let n = 0;
  for (const w of model.trainableWeights) {
    const d = await (values?.get(w) ?? w.read()).data();
    for (let i = 0; i < d.length; i++) if (d[i] !== 0) n++;
  }
  return n;
}

type Json = Record<string, unknown>;

/**
 * The physically smaller model that computes what `model` computes (§7): every channel of a free
 * space that every reader sees as all zero goes, with its producer kernel slices, bias, BN,
 * PReLU and depthwise entries. Model inputs and outputs never shrink, a producer keeps ≥ 1
 * channel. `weights` (optional, in `model.weights` order) are used instead of the model's own
 * values. The caller owns the returned model (free it with `disposeModel`).
 */
export async function shrinkModel(model: tf.LayersModel, weights?: tf.Tensor[]): Promise<ShrinkResult> {
  if (weights && weights.length !== model.weights.length)
    throw new SippError(
      'bad-argument',
      `shrinkModel: ${weights.length} weights given, the model has ${model.weights.length}`,
    );
  const given = new Map<tf.LayerVariable, tf.Tensor>();
  weights?.forEach((w, i) => given.set(model.weights[i], w));
  const valueOf = (v: tf.LayerVariable) => given.get(v) ?? v.read();

  const a = analyse(model);
  const root = (n: number) => findRoot(a.parent, n);

  // Which channels does some reader see as nonzero?
  const read = new Set<number>();
  for (const p of a.plans) {
    for (const rd of p.axes.reads) {
      const w = p.layer.weights[rd.weight];
      const nz = nonzeroAlong(await valueOf(w).data(), w.shape as number[], rd.axis);
      const list = rd.list === 'in' ? p.inLists[0] : p.inner!;
      list.forEach((node, i) => {
        if (nz[i]) read.add(root(node));
      });
    }
  }
  const removed = new Set<number>();
  for (let node = 0; node < a.parent.length; node++) {
    const r = root(node);
    if (!a.pins.has(r) && !read.has(r) && a.blocks[a.nodeBlock[node]].free) removed.add(r);
  }
  // A producer keeps at least one channel (units/filters >= 1): its first one, zeroed.
  const firstOfBlock = new Map<number, number[]>();
  a.nodeBlock.forEach((b, node) => {
    if (!firstOfBlock.has(b)) firstOfBlock.set(b, []);
    firstOfBlock.get(b)!.push(node);
  });
  for (const [, nodes] of firstOfBlock)
    if (nodes.every((nd) => removed.has(root(nd)))) removed.delete(root(nodes[0]));
  // A channel removed under one root may belong to a pinned block through a union: never.
  const keepOf = (list: Int32Array) => {
    const k: number[] = [];
    list.forEach((node, i) => {
      if (!removed.has(root(node))) k.push(i);
    });
    return k;
  };

  const layerReports: ShrinkLayerReport[] = [];
  const newValues = new Map<string, tf.Tensor[]>();
  const counts = new Map<string, number>();
  const made: tf.Tensor[] = [];
  try {
    for (const p of a.plans) {
      if (p.role === 'pinned' || p.layer.weights.length === 0) continue;
      const vals = p.layer.weights.map((w) => valueOf(w));
      const listOf = (which: 'in' | 'inner' | 'out') =>
        which === 'in' ? p.inLists[0] : which === 'inner' ? p.inner! : p.out;
      const out = vals.slice();
      for (const g of p.axes.gathers) {
        const list = listOf(g.list);
        const keep = keepOf(list);
        if (keep.length === list.length) continue;
        const t = await gatherFresh(out[g.weight], keep, g.axis);
        made.push(t);
        out[g.weight] = t;
      }
      newValues.set(p.name, out);
      const after = keepOf(p.out).length;
      if (p.countKey) counts.set(p.name, after);
      layerReports.push(reportOf(p, after));
    }

    const topology = restoreDepthMultipliers(model, model.toJSON(null, false) as unknown as Json);
    const layers = ((topology.config as Json).layers ?? []) as Json[];
    for (const l of layers) {
      const cfg = l.config as Json;
      const c = counts.get(cfg.name as string);
      if (c !== undefined) cfg[cfg.units !== undefined ? 'units' : 'filters'] = c;
    }
    const slim = await tf.models.modelFromJSON({ modelTopology: topology } as unknown as tf.io.ModelJSON);
    try {
      for (const l of slim.layers) {
        if (l.weights.length === 0) continue;
        const vals = newValues.get(l.name) ?? model.getLayer(l.name).weights.map((w) => valueOf(w));
        l.setWeights(vals);
      }
    } catch (e) {
      for (const w of slim.weights) w.read().dispose();
      throw e;
    }
    const report: ShrinkReport = {
      layers: layerReports,
      nonzeroBefore: await nonzeroTrainable(model, given),
      nonzeroAfter: await nonzeroTrainable(slim),
      paramsBefore: model.countParams(),
      paramsAfter: slim.countParams(),
      macsBefore: macsPerSample(model),
      macsAfter: macsPerSample(slim),
      removedChannels: removed.size,
    };
    return { model: slim, report };
  } finally {
    made.forEach((t) => t.dispose());
  }
}

/**
 * `tf.gather` copied into a tensor of its own. The wasm backend's Gather output keeps the 4-D
 * shape it was computed in for its data id (the result is a reshape of it), and fused kernels
 * check that shape: a gathered bias set as a variable then fails ("FusedConv2D only supports
 * rank-1 bias but got rank 4").
 */
async function gatherFresh(x: tf.Tensor, keep: number[], axis: number): Promise<tf.Tensor> {
  const g = tf.gather(x, keep, axis);
  try {
    return tf.tensor(await g.data(), g.shape, g.dtype);
  } finally {
    g.dispose();
  }
}

function reportOf(p: LayerPlan, after: number): ShrinkLayerReport {
  return { name: p.name, className: p.className, before: p.out.length, after };
}

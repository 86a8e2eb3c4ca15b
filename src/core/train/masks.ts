// Masks for retraining (§5.5) and the starting points of the lottery-ticket controls (§6.3).
import type { PruningSession } from '../session';
import { SippError } from '../util/errors';
import { seededRandom } from '../util/rng';

/** Variable index -> 1 where the entry may train, 0 where it stays exactly zero. */
export type MaskSet = Map<number, Uint8Array>;

/** Variables of the prunable layers (kernels and biases): the ones the reference masks. */
export function maskedVariables(session: PruningSession): number[] {
  const book = session.weights;
  const prunableLayers = new Set(session.info.prunable.map((p) => p.layer));
  const out: number[] = [];
  session.info.refs.forEach((layer, li) => {
    if (!prunableLayers.has(layer)) return;
    for (const vi of book.layerVars[li]) if (book.isParam[vi] && book.vars[vi].trainable) out.push(vi);
  });
  return out;
}

/**
 * §5.5 register_sparsity_pattern: every parameter of a prunable layer, weights and biases, that
 * is exactly zero in `values` (falling back to the session's original) stays zero. Variables
 * without a zero get no mask (no work per step).
 */
export function maskFromZeros(session: PruningSession, values: Map<number, Float32Array>): MaskSet {
  const masks: MaskSet = new Map();
  for (const vi of maskedVariables(session)) {
    const a = values.get(vi) ?? session.weights.original[vi];
    if (!a.includes(0)) continue;
    masks.set(
      vi,
      Uint8Array.from(a, (x) => (x === 0 ? 0 : 1)),
    );
  }
  return masks;
}

/** Zeros where the mask says so, in copies. */
export function applyMask(values: Map<number, Float32Array>, masks: MaskSet): Map<number, Float32Array> {
  const out = new Map(values);
  for (const [vi, m] of masks) {
    const a = out.get(vi);
    if (!a) continue;
    out.set(
      vi,
      Float32Array.from(a, (x, k) => (m[k] ? x : 0)),
    );
  }
  return out;
}

/** The same number of zeros in each masked variable, at seeded random positions. */
export function randomMaskLike(masks: MaskSet, seed: number): MaskSet {
  const random = seededRandom(`random-mask:${seed}`);
  const out: MaskSet = new Map();
  for (const [vi, m] of masks) {
    const keep = m.reduce((s, x) => s + x, 0);
    const idx = Int32Array.from({ length: m.length }, (_, i) => i);
    for (let i = 0; i < keep; i++) {
      const j = i + Math.floor(random() * (m.length - i));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    const r = new Uint8Array(m.length);
    for (let i = 0; i < keep; i++) r[idx[i]] = 1;
    out.set(vi, r);
  }
  return out;
}

/**
 * Values of every variable of `init` (the network's initial weights, same topology), by the
 * session clone's variable order. Names and shapes must match: a model of another topology is
 * refused with the first difference.
 */
export function initialValues(
  session: PruningSession,
  init: { name: string; shape: number[]; values: Float32Array }[],
  source: string,
): Map<number, Float32Array> {
  const vars = session.weights.vars;
  if (init.length !== vars.length)
    throw new SippError(
      'init-topology',
      `${source}: the initial-weights model has ${init.length} weight arrays, the model being pruned has ${vars.length}; ` +
        'it must be the same architecture before training.',
    );
  const out = new Map<number, Float32Array>();
  vars.forEach((v, i) => {
    const shape = v.shape as number[];
    const w = init[i];
    if (w.shape.length !== shape.length || w.shape.some((d, k) => d !== shape[k]))
      throw new SippError(
        'init-topology',
        `${source}: weight ${w.name} has shape [${w.shape.join(', ')}] but ${v.originalName ?? v.name} of the ` +
          `model being pruned has [${shape.join(', ')}]; the initial weights must come from the same architecture.`,
      );
    out.set(i, w.values);
  });
  return out;
}

/**
 * A fresh seeded initialisation in Keras' defaults, for the "same mask, new init" control:
 * kernels Glorot-uniform, biases, betas and moving means 0, gammas and moving variances 1,
 * embeddings U(-0.05, 0.05); anything else keeps the value in `fallback`.
 */
export function freshInitialisation(
  session: PruningSession,
  fallback: Map<number, Float32Array>,
  seed: number,
): Map<number, Float32Array> {
  const random = seededRandom(`fresh-init:${seed}`);
  const out = new Map<number, Float32Array>();
  session.weights.vars.forEach((v, i) => {
    const name = v.originalName ?? v.name;
    const shape = v.shape as number[];
    const size = shape.reduce((a, b) => a * b, 1);
    const uniform = (limit: number) => Float32Array.from({ length: size }, () => (2 * random() - 1) * limit);
    if (/(^|\/)(depthwise_|pointwise_)?kernel(_\d+)?$/.test(name) && shape.length >= 2) {
      const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
      const fanIn = shape[shape.length - 2] * receptive;
      const fanOut = shape[shape.length - 1] * receptive;
      out.set(i, uniform(Math.sqrt(6 / (fanIn + fanOut))));
    } else if (/(bias|beta|moving_mean)(_\d+)?$/.test(name)) out.set(i, new Float32Array(size));
    else if (/(gamma|moving_variance)(_\d+)?$/.test(name)) out.set(i, new Float32Array(size).fill(1));
    else if (/embeddings(_\d+)?$/.test(name)) out.set(i, uniform(0.05));
    else out.set(i, fallback.get(i) ?? session.weights.original[i]);
  });
  return out;
}

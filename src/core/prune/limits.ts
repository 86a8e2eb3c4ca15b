// Per-layer limits on pruning: a layer left dense, or a cap on how sparse a layer may get. Every
// method runs unchanged; its kernels are then held to the limits, and the budget search (which
// aims at the whole model's sparsity) spends the difference on the other layers.
import { SippError } from '../util/errors';
import { countNonzero, type LayerWeights } from './layout';

export interface LayerLimits {
  /** Prunable layers (by name, "outer/inner" for nested models) left exactly as they are. */
  exclude?: string[];
  /** Layer name -> the largest fraction of its kernel that may be zero, in [0, 1). */
  maxSparsity?: Record<string, number>;
}

export interface ResolvedLimits {
  excluded: boolean[];
  /** Per prunable layer: the most zeros its kernel may hold (null: no cap). */
  maxZeros: (number | null)[];
  /** For the report: what was asked, with the names as the model spells them. */
  asked: { exclude: string[]; maxSparsity: Record<string, number> };
}

/** What a structured method removes: input channels, output filters (or single weights: null). */
export type LimitAxis = 'in' | 'out' | null;

/** The slices each structured method removes (src/core/structured/plan.ts). */
export function limitAxis(method: string): LimitAxis {
  if (method.startsWith('pfp') || method === 'filter-uniform') return 'in';
  if (method === 'filter-norm' || method === 'softnet') return 'out';
  return null;
}

/** |w|: the score a capped layer restores by when the method has no scores of its own. */
export const magnitude = (L: LayerWeights): Float32Array => L.kernel.map(Math.abs);

const list = (names: string[]) => names.map((n) => `'${n}'`).join(', ');

/** Checks the names and caps against the prunable layers; null when there are no limits. */
export function resolveLimits(
  limits: LayerLimits | undefined,
  layers: LayerWeights[],
): ResolvedLimits | null {
  const exclude = limits?.exclude ?? [];
  const caps = limits?.maxSparsity ?? {};
  if (exclude.length === 0 && Object.keys(caps).length === 0) return null;
  const names = layers.map((l) => l.key);
  const index = (name: string, what: string) => {
    const i = names.indexOf(name);
    if (i < 0)
      throw new SippError(
        'unknown-layer',
        `${what}: the model has no prunable layer named '${name}'; its prunable layers are ${list(names)}.`,
      );
    return i;
  };
  const excluded = layers.map(() => false);
  for (const n of exclude) excluded[index(n, 'exclude')] = true;
  if (excluded.every(Boolean))
    throw new SippError(
      'bad-argument',
      `exclude: every prunable layer is excluded (${list(names)}); nothing is left to prune.`,
    );
  const maxZeros: (number | null)[] = layers.map(() => null);
  for (const [n, cap] of Object.entries(caps)) {
    const i = index(n, 'max layer sparsity');
    if (!(cap >= 0 && cap < 1))
      throw new SippError('bad-argument', `max layer sparsity of '${n}' must be in [0, 1), got ${cap}.`);
    const L = layers[i];
    // Zeros the trained kernel already has are no pruning, and stay.
    const born = L.kernel.length - countNonzero(L.kernel);
    maxZeros[i] = Math.max(born, Math.floor(cap * L.kernel.length));
  }
  return { excluded, maxZeros, asked: { exclude: [...exclude], maxSparsity: { ...caps } } };
}

/**
 * `kernels` held to the limits: an excluded layer gets its trained kernel back; a capped one gets
 * back its highest-scoring pruned weights (whole channels or filters for a structured method,
 * scored by the sum over the slice) until it holds no more zeros than its cap allows.
 */
export function applyLimits(
  kernels: Float32Array[],
  layers: LayerWeights[],
  limits: ResolvedLimits,
  score: (li: number) => ArrayLike<number>,
  axis: LimitAxis,
): Float32Array[] {
  return kernels.map((k, li) => {
    const L = layers[li];
    if (limits.excluded[li]) return L.kernel;
    const maxZeros = limits.maxZeros[li];
    if (maxZeros === null) return k;
    let zeros = k.length - countNonzero(k);
    if (zeros <= maxZeros) return k;
    const out = Float32Array.from(k);
    const s = score(li);
    if (axis === null) {
      const lost: number[] = [];
      for (let t = 0; t < k.length; t++) if (k[t] === 0 && L.kernel[t] !== 0) lost.push(t);
      lost.sort((a, b) => s[b] - s[a] || a - b);
      for (let q = 0; q < lost.length && zeros > maxZeros; q++, zeros--) out[lost[q]] = L.kernel[lost[q]];
      return out;
    }
    // Slices: input channel c owns the rows j ≡ c (mod C); output filter i owns the column i.
    const C = L.fanIn / L.taps;
    const n = axis === 'in' ? C : L.out;
    const sliceOf = (t: number) => (axis === 'in' ? Math.floor(t / L.out) % C : t % L.out);
    const total = new Float64Array(n);
    const gone = new Float64Array(n);
    for (let t = 0; t < k.length; t++) {
      const c = sliceOf(t);
      total[c] += s[t];
      if (k[t] === 0 && L.kernel[t] !== 0) gone[c]++;
    }
    const order = Array.from({ length: n }, (_, c) => c)
      .filter((c) => gone[c] > 0)
      .sort((a, b) => total[b] - total[a] || a - b);
    const back = new Uint8Array(n);
    for (let q = 0; q < order.length && zeros > maxZeros; q++) {
      back[order[q]] = 1;
      zeros -= gone[order[q]];
    }
    for (let t = 0; t < k.length; t++) if (back[sliceOf(t)]) out[t] = L.kernel[t];
    return out;
  });
}

/** The fewest non-zero kernel weights the limits leave in place, whatever the method does. */
export function keptByLimits(layers: LayerWeights[], limits: ResolvedLimits): number {
  return layers.reduce((sum, L, li) => {
    const nz = countNonzero(L.kernel);
    if (limits.excluded[li]) return sum + nz;
    const m = limits.maxZeros[li];
    return m === null ? sum : sum + (L.kernel.length - m);
  }, 0);
}

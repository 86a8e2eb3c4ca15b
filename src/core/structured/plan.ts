import type { LayerWeights } from '../prune/layout';
import type { MethodKey } from '../types';
import { SippError } from '../util/errors';
import { featureCounts, PfpAllocator, UniformAllocator, type FeatureCounts } from './allocator';
import {
  channelSensitivity,
  keepOutputs,
  liveInputs,
  liveOutputs,
  rankFeatures,
  scaleInputs,
  topMask,
} from './channels';
import { multinomial, pfpDet, pfpRand, pfpTop, type ChannelLayer, type Draw, type WholeLayer } from './pfp';

/** The structured (channel) methods; each returns ordinary zeroed kernels, one per prunable layer. */
export const CHANNEL_METHODS = [
  'pfp',
  'pfp-rand',
  'pfp-top',
  'filter-norm',
  'softnet',
  'filter-uniform',
] as const;
export type ChannelMethod = (typeof CHANNEL_METHODS)[number] & MethodKey;

export function isChannelMethod(m: MethodKey): m is ChannelMethod {
  return (CHANNEL_METHODS as readonly string[]).includes(m);
}

export interface ChannelOptions {
  /** Replaces the seeded multinomial (tests). */
  draw?: Draw;
  whole?: WholeLayer;
}

/**
 * Scores, allocators and pruners of the channel methods for one session's start weights; built
 * lazily, reused by every trial of the budget search (only allocation and sampling are redone).
 * `sensMax` is the session's per-weight sensitivity with the max reduction: the same single pass
 * over S that SiPP-Rand and SiPP-Hybrid read.
 */
export class ChannelPlan {
  private readonly counts: FeatureCounts[];
  private pfp: { layers: ChannelLayer[]; alloc: PfpAllocator } | null = null;
  private readonly uniform = new Map<'in' | 'out', UniformAllocator>();
  private readonly norms = new Map<string, number[][]>();

  constructor(
    private readonly layers: LayerWeights[],
    private readonly sensMax: () => Float32Array[] | undefined,
  ) {
    this.counts = layers.map(featureCounts);
  }

  /** s_in per prunable layer (§1.2), from the max-reduction sensitivities. */
  channelScores(): Float64Array[] {
    return this.pfpState().layers.map((l) => l.s);
  }

  private pfpState() {
    if (!this.pfp) {
      const s = this.sensMax();
      if (!s) throw new SippError('not-prepared', 'sensitivities are not computed; call prepare() first');
      const layers = this.layers.map((L, li) => {
        const sIn = channelSensitivity(L, s[li]);
        return { s: sIn, order: rankFeatures(sIn, liveInputs(L)), n: this.counts[li].n };
      });
      this.pfp = {
        layers,
        alloc: new PfpAllocator(
          this.layers,
          layers.map((l) => l.s),
          this.counts,
        ),
      };
    }
    return this.pfp;
  }

  /** The allocation (channels or filters kept per layer) of a method at budget B. */
  allocation(method: ChannelMethod, budget: number): number[] {
    if (method.startsWith('pfp')) return this.pfpState().alloc.allocate(budget).kept;
    return this.uniformAllocator(method === 'filter-uniform' ? 'in' : 'out').allocate(budget).kept;
  }

  private uniformAllocator(mode: 'in' | 'out'): UniformAllocator {
    let a = this.uniform.get(mode);
    if (!a) this.uniform.set(mode, (a = new UniformAllocator(this.counts, mode)));
    return a;
  }

  sparsify(
    method: ChannelMethod,
    budget: number,
    random: () => number,
    opts: ChannelOptions = {},
  ): Float32Array[] {
    const kept = this.allocation(method, budget);
    const draw = opts.draw ?? multinomial(random);
    switch (method) {
      case 'pfp':
      case 'pfp-rand':
      case 'pfp-top': {
        const st = this.pfpState();
        // Reverse order as the reference (only the draws' order depends on it).
        const out: Float32Array[] = new Array(this.layers.length);
        for (let li = this.layers.length - 1; li >= 0; li--) {
          const layer = st.layers[li];
          const scale =
            method === 'pfp'
              ? pfpDet(layer, kept[li])
              : method === 'pfp-rand'
                ? pfpRand(layer, kept[li], draw, opts.whole)
                : pfpTop(layer, kept[li], draw, opts.whole);
          out[li] = scaleInputs(this.layers[li], scale);
        }
        return out;
      }
      case 'filter-uniform':
        // FilterUniNet (§5.3): a uniformly random channel subset per layer, first layer's inputs
        // kept. F16: the reference draws kw random numbers for a conv; we draw one per channel.
        return this.layers.map((L, li) => {
          if (li === 0) return Float32Array.from(L.kernel);
          const live = liveInputs(L);
          const order = rankFeatures(
            Float64Array.from(live, () => random()),
            live,
          );
          return scaleInputs(L, topMask(order, kept[li], live.length));
        });
      case 'filter-norm':
      case 'softnet': {
        // FT / SoftNet (§5.1): output filters by L1 / L2 norm, same fraction per layer, last layer kept.
        const norms = this.filterNorms(method === 'filter-norm' ? 1 : 2);
        const last = this.layers.length - 1;
        return this.layers.map((L, li) => {
          if (li === last) return Float32Array.from(L.kernel);
          const order = rankFeatures(norms[li], liveOutputs(L));
          const keep = Uint8Array.from(topMask(order, kept[li], L.out));
          return keepOutputs(L, keep);
        });
      }
    }
  }

  private filterNorms(p: 1 | 2): number[][] {
    const key = `L${p}`;
    let n = this.norms.get(key);
    if (!n) {
      n = this.layers.map((L) => {
        const acc = new Array<number>(L.out).fill(0);
        L.kernel.forEach((w, k) => (acc[k % L.out] += p === 1 ? Math.abs(w) : w * w));
        return p === 1 ? acc : acc.map(Math.sqrt);
      });
      this.norms.set(key, n);
    }
    return n;
  }
}

import type { LayerWeights, RowSide } from './layout';
import { rowSides } from './layout';
import {
  ceilAllocation,
  C_CONSTANT,
  errorBound,
  programRows,
  solveProgram,
  type ProgramRow,
} from './program';
import { drawsFor, keepTopOfRowSide, rowDistribution, sampleRowSide, type RowDistribution } from './sampling';

/** Per row-side choice made by Hybrid (§4), kept for reports and tests. */
export interface HybridDecision {
  allocation: Int32Array;
  errDet: Float64Array;
  errRand: Float64Array;
  /** 0: deleted (no allocation), 1: top-k, 2: sampled. */
  choice: Uint8Array;
}

/**
 * Everything SiPP-Rand and SiPP-Hybrid reuse across budgets for one set of (max-reduced)
 * sensitivities: row-sides, program coefficients, distributions, memoised draw counts and
 * allocations. Cached values are never mutated after they are stored (the P7 lesson).
 */
export class SippPlan {
  readonly sides: RowSide[];
  private readonly rows: ProgramRow[];
  private readonly dists: RowDistribution[];
  private readonly draws: Map<number, number>[];
  private readonly allocations = new Map<number, Int32Array>();

  constructor(
    readonly layers: LayerWeights[],
    sens: Float32Array[],
  ) {
    this.sides = rowSides(layers, sens);
    this.rows = programRows(layers, this.sides);
    this.dists = this.sides.map(rowDistribution);
    this.draws = this.sides.map(() => new Map());
  }

  /** ⌈x*⌉ of the convex program for budget B; a fresh copy each call so callers cannot corrupt the cache. */
  allocate(budget: number): Int32Array {
    const b = Math.max(0, Math.floor(budget));
    let a = this.allocations.get(b);
    if (!a) {
      a = ceilAllocation(solveProgram(this.rows, b));
      this.allocations.set(b, a);
    }
    return a.slice();
  }

  private drawsOf(r: number, target: number): number {
    const memo = this.draws[r];
    let m = memo.get(target);
    if (m === undefined) {
      m = drawsFor(this.dists[r], target);
      memo.set(target, m);
    }
    return m;
  }

  /** err_det and err_rand of §4 at allocation k for row-side r. */
  errors(r: number, k: number): { det: number; rand: number } {
    const side = this.sides[r];
    let kept = 0;
    for (let t = 0; t < Math.min(k, side.s.length); t++) kept += side.s[t];
    return { det: C_CONSTANT * (side.total - kept), rand: errorBound(this.rows[r].a, Math.max(k, 1)) };
  }

  /** SiPP-Rand (§2.3–2.5): every row-side with an allocation is sampled. */
  sparsifyRand(budget: number, random: () => number): Float32Array[] {
    const alloc = this.allocate(budget);
    const out = this.layers.map((L) => new Float32Array(L.kernel.length));
    this.sides.forEach((side, r) => {
      if (alloc[r] < 1) return;
      const L = side.layer;
      sampleRowSide(side, this.dists[r], this.drawsOf(r, alloc[r]), this.layers[L].kernel, out[L], random);
    });
    return out;
  }

  /** SiPP-Hybrid (§4): per row-side, top-k where err_det ≤ err_rand, else sampling. */
  sparsifyHybrid(
    budget: number,
    random: () => number,
  ): { kernels: Float32Array[]; decision: HybridDecision } {
    const alloc = this.allocate(budget);
    const n = this.sides.length;
    const decision: HybridDecision = {
      allocation: alloc,
      errDet: new Float64Array(n),
      errRand: new Float64Array(n),
      choice: new Uint8Array(n),
    };
    const out = this.layers.map((L) => new Float32Array(L.kernel.length));
    this.sides.forEach((side, r) => {
      const k = alloc[r];
      if (k < 1) return;
      const e = this.errors(r, k);
      decision.errDet[r] = e.det;
      decision.errRand[r] = e.rand;
      const kernel = this.layers[side.layer].kernel;
      if (e.det > e.rand) {
        decision.choice[r] = 2;
        sampleRowSide(side, this.dists[r], this.drawsOf(r, k), kernel, out[side.layer], random);
      } else {
        decision.choice[r] = 1;
        keepTopOfRowSide(side, k, kernel, out[side.layer]);
      }
    });
    return { kernels: out, decision };
  }
}

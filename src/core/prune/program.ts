import type { LayerWeights, RowSide } from './layout';

/** Constants of the reference (`c_constant`, `delta_failure`, ε₃₂). */
export const C_CONSTANT = 3;
export const DELTA_FAILURE = 1e-16;
export const EPS32 = 2 ** -23;

/** α_ℓ = 2·c·ln(8·(L_ℓ+1)·k_ℓ/δ) (§2.3). */
export function alphaOf(L: LayerWeights): number {
  return 2 * C_CONSTANT * Math.log((8 * (L.positions + 1) * L.taps) / DELTA_FAILURE);
}

/** f_r(x) = ½(u + √(u² + 6u)), u = a_r/(3x): the Bernstein-type error bound of §2.3. */
export function errorBound(a: number, x: number): number {
  const u = a / (3 * x);
  return 0.5 * (u + Math.sqrt(u * u + 6 * u));
}

export interface ProgramRow {
  /** a_r = α_ℓ·S_r (0 for an invalid row). */
  a: number;
  /** Objective weight 1/out_ℓ. */
  weight: number;
  /** Upper bound n_r. */
  cap: number;
}

export function programRows(layers: LayerWeights[], sides: RowSide[]): ProgramRow[] {
  const alphas = layers.map(alphaOf);
  return sides.map((r) => {
    const valid = r.total > EPS32;
    return {
      a: valid ? Math.max(0, alphas[r.layer] * r.total) : 0,
      weight: 1 / layers[r.layer].out,
      cap: valid ? r.nonzeroS : 0,
    };
  });
}

/**
 * x_r(λ): the root of weight·(−f_r'(x)) = λ, clipped to (0, cap].
 * With u = a/(3x), −f'(x) = (3u²/(2a))·h(u), h(u) = 1 + (u+3)/√(u²+6u), so the root solves
 * g(u) = u²·h(u) = 2aλ/(3·weight). g is increasing (≈ (3/√6)·u^1.5 near 0, ≈ 2u² for large u), so
 * Newton's method on ln u from the matching power law converges in a few steps.
 */
function rowAt(row: ProgramRow, lambda: number): number {
  if (row.cap <= 0 || row.a <= 0) return 0;
  const c = (2 * row.a * lambda) / (3 * row.weight);
  const uCap = row.a / (3 * row.cap);
  if (gOf(uCap) >= c) return row.cap; // the slope at the cap is still above λ
  let v = Math.log(c > 1 ? Math.sqrt(c / 2) : Math.pow((c * Math.sqrt(6)) / 3, 2 / 3));
  const lnc = Math.log(c);
  for (let it = 0; it < 50; it++) {
    const u = Math.exp(v);
    const q = Math.sqrt(u * u + 6 * u);
    const g = u * u + (u * u * (u + 3)) / q;
    const dg = 2 * u + (3 * u * u + 6 * u) / q - (u * u * (u + 3) ** 2) / (q * q * q);
    const step = (Math.log(g) - lnc) / ((u * dg) / g);
    v -= step;
    if (Math.abs(step) < 1e-13) break;
  }
  return Math.min(row.cap, row.a / (3 * Math.exp(v)));
}

function gOf(u: number): number {
  return u * u + (u * u * (u + 3)) / Math.sqrt(u * u + 6 * u);
}

/**
 * The SiPPRand convex program of §2.3, solved by water filling instead of cvxpy: minimise
 * Σ weight_r·f_r(x_r) subject to 0 ≤ x_r ≤ n_r and Σ x_r ≤ B. Returns the real solution x*.
 * Expect ±1 differences from cvxpy after the ceiling (P6).
 */
export function solveProgram(rows: ProgramRow[], budget: number): Float64Array {
  const x = new Float64Array(rows.length);
  const capSum = rows.reduce((s, r) => s + (r.a > 0 ? r.cap : 0), 0);
  if (budget <= 0) return x;
  if (capSum <= budget) {
    rows.forEach((r, i) => (x[i] = r.a > 0 ? r.cap : 0));
    return x;
  }
  const total = (lambda: number) => rows.reduce((s, r) => s + rowAt(r, lambda), 0);
  // Bracket λ in log space: Σx(λ) decreases in λ.
  let lo = -60;
  let hi = 60;
  for (let it = 0; it < 80; it++) {
    const mid = 0.5 * (lo + hi);
    if (total(Math.exp(mid)) > budget) lo = mid;
    else hi = mid;
    if (hi - lo < 1e-9) break;
  }
  const lambda = Math.exp(hi); // the side whose total does not exceed the budget
  rows.forEach((r, i) => (x[i] = rowAt(r, lambda)));
  return x;
}

/** ⌈x*⌉ as integer allocations (0 for invalid rows); 1e-6 absorbs the bisection tolerance. */
export function ceilAllocation(x: Float64Array): Int32Array {
  return Int32Array.from(x, (v) => (v > 0 ? Math.max(1, Math.ceil(v - 1e-6)) : 0));
}

import { describe, expect, it } from 'vitest';
import { alphaOf, errorBound, programRows, solveProgram, ceilAllocation } from './program';
import { rowSides, type LayerWeights } from './layout';
import { adaptSampleSize, expectedDistinct } from './sampling';
import { uniformDraws } from '../baselines/uniform';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SippPlan } from './sipp';
import { seededRandom } from '../util/rng';
import { rng } from '../../test-support/tf-node';

// The worked example of docs/sipp-algorithm.md §10, in Keras layout ([in, out], index j*out + i).
const W = [
  [0.5, -1, 2],
  [-0.5, 0.25, 0],
];
const S = [
  [1 / 3, 1, 2 / 3],
  [1, 1, 0],
];
const toKeras = (m: number[][]) => Float32Array.from({ length: 6 }, (_, k) => m[k % 2][Math.floor(k / 2)]);
const layer: LayerWeights = { key: 'fc', kernel: toKeras(W), fanIn: 3, out: 2, taps: 1, positions: 1 };
const sens = toKeras(S);

describe('§10 worked example, allocator side', () => {
  it('row-side statistics in allocator order (0+, 1+, 0−, 1−)', () => {
    const sides = rowSides([layer], [sens]);
    expect(sides.map((r) => `${r.row}${r.sign > 0 ? '+' : '-'}`)).toEqual(['0+', '1+', '0-', '1-']);
    sides.forEach((r) => expect(r.total).toBeCloseTo(1, 6));
    expect(sides.map((r) => r.nonzeroS)).toEqual([2, 1, 1, 1]);
  });

  it('α and f_r match the hand-checked values', () => {
    expect(alphaOf(layer)).toBeCloseTo(237.684, 3);
    const a = alphaOf(layer);
    expect(errorBound(a, 1)).toBeCloseTo(80.7, 2);
    expect(errorBound(a, 2)).toBeCloseTo(41.06, 2);
    expect(errorBound(a, 10)).toBeCloseTo(9.213, 3);
    expect(errorBound(a, 100)).toBeCloseTo(1.556, 3);
  });

  it('Hybrid at x = 1 for row-side 0+ keeps w = 2 by top-1 (err_det 1.0 < 80.70)', () => {
    const plan = new SippPlan([layer], [sens]);
    const e = plan.errors(0, 1);
    expect(e.det).toBeCloseTo(1.0, 6);
    expect(e.rand).toBeCloseTo(80.7, 2);
    const { kernels, decision } = plan.sparsifyHybrid(4, seededRandom(1));
    expect(Array.from(decision.allocation)).toEqual([1, 1, 1, 1]);
    expect(Array.from(decision.choice)).toEqual([1, 1, 1, 1]);
    // 0+ keeps 2 (s = 2/3), drops 0.5; 1+ keeps 0.25; 0− keeps −1; 1− keeps −0.5.
    expect(Array.from(kernels[0])).toEqual(
      Array.from(
        toKeras([
          [0, -1, 2],
          [-0.5, 0.25, 0],
        ]),
      ),
    );
  });
});

describe('convex program (water filling)', () => {
  const r = rng(3);
  const layers: LayerWeights[] = [40, 7].map((out, li) => {
    const fanIn = li === 0 ? 30 : 40;
    return {
      key: `l${li}`,
      kernel: Float32Array.from({ length: fanIn * out }, () => r() * 2 - 1),
      fanIn,
      out,
      taps: 1,
      positions: 1,
    };
  });
  const s = layers.map((L) => Float32Array.from(L.kernel, (w) => (r() < 0.1 ? 0 : Math.abs(w) * r())));
  const rows = programRows(layers, rowSides(layers, s));

  it('spends exactly the budget, respects the caps, and is optimal (equal marginal gains)', () => {
    for (const B of [50, 200, 700]) {
      const x = solveProgram(rows, B);
      expect(x.reduce((a, b) => a + b, 0)).toBeCloseTo(B, 3);
      x.forEach((v, i) => expect(v).toBeLessThanOrEqual(rows[i].cap + 1e-9));
      // Moving a little budget between two interior rows must not lower the objective.
      const obj = (xs: Float64Array) =>
        xs.reduce((acc, v, i) => acc + (v > 0 ? rows[i].weight * errorBound(rows[i].a, v) : 0), 0);
      const interior = [...x.keys()].filter((i) => x[i] > 0.5 && x[i] < rows[i].cap - 0.5);
      for (let t = 0; t + 1 < Math.min(interior.length, 10); t++) {
        const y = Float64Array.from(x);
        y[interior[t]] += 0.01;
        y[interior[t + 1]] -= 0.01;
        expect(obj(y)).toBeGreaterThanOrEqual(obj(x) - 1e-9);
      }
    }
  });

  it('gives every valid row at least one weight after the ceiling', () => {
    const a = ceilAllocation(solveProgram(rows, 60));
    rows.forEach((row, i) => expect(a[i] >= 1).toBe(row.cap > 0));
  });
});

describe('adapt_sample_size (§2.4)', () => {
  // 400 cases computed by the reference's own function (torchprune, float32 torch, scipy bisect).
  const fixture = JSON.parse(
    readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures/adapt-sample-size.json'), 'utf8'),
  ) as { cases: { probabilities: number[]; target: number; draws: number }[] };

  it("matches the reference's draw counts (one draw of float32 summation order on at most a few)", () => {
    expect(fixture.cases.length).toBe(400);
    let exact = 0;
    const off: string[] = [];
    for (const c of fixture.cases) {
      const q = Float32Array.from(c.probabilities.filter((p) => p > 0));
      const m = adaptSampleSize(q, c.target);
      if (m === c.draws) exact++;
      else off.push(`n=${q.length} k=${c.target}: ${m} vs ${c.draws}`);
      expect(Math.abs(m - c.draws), `n=${q.length} k=${c.target}`).toBeLessThanOrEqual(1);
    }
    expect(off.length, off.join('; ')).toBeLessThanOrEqual(4);
    expect(exact).toBeGreaterThanOrEqual(396);
  });

  it('is not the smallest sufficient m: it stops where bisection stops, inside the plateau', () => {
    let above = 0;
    for (const c of fixture.cases) {
      const q = Float32Array.from(c.probabilities.filter((p) => p > 0));
      const k = Math.min(c.target, q.length - 1);
      if (k <= 1) continue;
      const d = { p: Float64Array.from(q), logq: Float64Array.from(q, (v) => Math.log1p(-v)) };
      const reached = (m: number) => Math.ceil(expectedDistinct(d as never, m) - 1e-9) >= k;
      let [lo, hi] = [k - 1, k];
      while (!reached(hi)) [lo, hi] = [hi, hi * 2];
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (reached(mid)) hi = mid;
        else lo = mid;
      }
      const smallest = hi;
      if (adaptSampleSize(q, c.target) > smallest) above++;
    }
    expect(above).toBeGreaterThan(100);
  });

  it('caps the target at n − 1 and returns 0/1 targets as they are', () => {
    const q = Float32Array.from([0.5, 0.25, 0.25]);
    expect(adaptSampleSize(q, 0)).toBe(0);
    expect(adaptSampleSize(q, 1)).toBe(1);
    expect(adaptSampleSize(q, 7)).toBe(adaptSampleSize(q, 2));
    expect(adaptSampleSize(Float32Array.from([1]), 3)).toBe(1);
  });
});

describe('SiPP-Rand reweighting is unbiased', () => {
  it('mean pre-activation over many seeds lies within 3 standard errors of the original', () => {
    const r = rng(21);
    const fanIn = 50;
    const out = 4;
    const L: LayerWeights = {
      key: 'fc',
      kernel: Float32Array.from({ length: fanIn * out }, () => r() * 2 - 1),
      fanIn,
      out,
      taps: 1,
      positions: 1,
    };
    // Sensitivities from a few points (max over them), the pre-activation checked on a fresh one:
    // on a single point p ∝ w·a would make the estimator exact, which would test nothing.
    const s = new Float32Array(L.kernel.length);
    for (let point = 0; point < 3; point++) {
      const a = Float64Array.from({ length: fanIn }, () => r());
      for (let i = 0; i < out; i++) {
        let zp = 0;
        let zn = 0;
        for (let j = 0; j < fanIn; j++) {
          const w = L.kernel[j * out + i];
          if (w > 0) zp += w * a[j];
          else zn += w * a[j];
        }
        for (let j = 0; j < fanIn; j++) {
          const w = L.kernel[j * out + i];
          s[j * out + i] = Math.max(s[j * out + i], (w * a[j]) / (w > 0 ? zp : zn));
        }
      }
    }
    const a = Float64Array.from({ length: fanIn }, () => r());
    const plan = new SippPlan([L], [s]);
    const pre = (k: Float32Array, i: number) => a.reduce((acc, aj, j) => acc + k[j * out + i] * aj, 0);
    const runs = 2000;
    const budget = 60; // well below the 200 weights: rows are really sampled
    for (let i = 0; i < out; i++) {
      const vals = Array.from({ length: runs }, (_, t) =>
        pre(plan.sparsifyRand(budget, seededRandom(`u${t}`))[0], i),
      );
      const mean = vals.reduce((x, y) => x + y, 0) / runs;
      const sd = Math.sqrt(vals.reduce((x, y) => x + (y - mean) ** 2, 0) / (runs - 1));
      expect(sd).toBeGreaterThan(0);
      expect(Math.abs(mean - pre(L.kernel, i))).toBeLessThan((3 * sd) / Math.sqrt(runs));
    }
  });
});

describe('uniform draws (closed form of adapt_sample_size)', () => {
  it("is the reference's ⌈ln(n/(n−k)) / ln(n/(n−1))⌉ with k capped at n − 1", () => {
    expect(uniformDraws(10, 9)).toBe(22);
    expect(uniformDraws(10, 10)).toBe(22);
    expect(uniformDraws(100, 50)).toBe(Math.ceil(Math.log(2) / Math.log(100 / 99)));
    expect(uniformDraws(5, 1)).toBe(1);
  });
});

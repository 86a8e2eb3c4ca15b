import { describe, expect, it } from 'vitest';
import { classReport } from './per-class';

const i32 = (xs: number[]) => Int32Array.from(xs);

describe('per-class report', () => {
  it('per-class accuracy, damage order, where the lost samples went, and the flipped indices', () => {
    //              0  1  2  3  4  5  6  7
    const labels = i32([0, 0, 1, 1, 1, 2, 2, 2]);
    const dense = i32([0, 0, 1, 1, 0, 2, 2, 1]);
    const pruned = i32([0, 1, 2, 2, 1, 2, 2, 0]);
    const r = classReport(dense, pruned, labels, 4);
    expect(r.labelled).toBe(true);
    // class 1: dense 2/3, pruned 1/3 (sample 4 gained); class 0: 1 -> 1/2; class 2: 2/3 -> 2/3.
    expect(r.classes.map((c) => c.cls)).toEqual([0, 1, 2]);
    expect(r.classes[0]).toMatchObject({ cls: 0, samples: 2, dense: 1, pruned: 0.5, change: -0.5 });
    expect(r.classes[1].change).toBeCloseTo(-1 / 3, 12);
    expect(r.classes[2].change).toBe(0);
    // Class 3 has no samples: left out.
    expect(r.classes.some((c) => c.cls === 3)).toBe(false);
    expect([...r.lost]).toEqual([1, 2, 3]);
    expect([...r.gained]).toEqual([4]);
    expect([...r.changed]).toEqual([1, 2, 3, 4, 7]);
    expect(r.shifts).toEqual([
      { from: 1, to: 2, count: 2 },
      { from: 0, to: 1, count: 1 },
    ]);
  });

  it('without labels: agreement with the dense prediction, per dense class', () => {
    const dense = i32([0, 0, 1, 1]);
    const pruned = i32([0, 1, 1, 1]);
    const r = classReport(dense, pruned, null, 2);
    expect(r.labelled).toBe(false);
    expect(r.classes).toEqual([
      { cls: 0, samples: 2, dense: 1, pruned: 0.5, change: -0.5 },
      { cls: 1, samples: 2, dense: 1, pruned: 1, change: 0 },
    ]);
    expect([...r.lost]).toEqual([1]);
    expect([...r.gained]).toEqual([]);
  });

  it('refuses arrays of different lengths', () => {
    expect(() => classReport(i32([0]), i32([0, 1]), null, 2)).toThrow(/1 dense, 2 pruned/);
  });
});

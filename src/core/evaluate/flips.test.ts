import { describe, expect, it } from 'vitest';
import { disagreements, flipRows } from './flips';

const i32 = (xs: number[]) => Int32Array.from(xs);
const f32 = (xs: number[]) => Float32Array.from(xs);

describe('flipped samples', () => {
  it('lists exactly the indices where the predictions differ: lost, then gained, then changed', () => {
    const labels = i32([0, 1, 2, 0, 1, 2, 0]);
    const dense = i32([0, 1, 0, 0, 2, 2, 1]);
    const pruned = i32([0, 2, 2, 1, 0, 2, 2]);
    const conf = f32([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]);
    const rows = flipRows(dense, conf, pruned, conf, labels, 3);
    // Differ at 1, 2, 3, 4, 6; lost (dense right): 1, 3; gained: 2; changed (wrong to wrong): 4, 6.
    expect(rows.map((r) => r.index)).toEqual([1, 3, 2, 4, 6]);
    expect(rows.map((r) => r.kind)).toEqual(['lost', 'lost', 'gained', 'changed', 'changed']);
    expect(new Set(rows.map((r) => r.index))).toEqual(new Set(disagreements(dense, pruned)));
    expect(rows[0]).toEqual({
      index: 1,
      label: 1,
      dense: 1,
      denseConf: f32([0.8])[0],
      pruned: 2,
      prunedConf: f32([0.8])[0],
      kind: 'lost',
    });
  });

  it('equals the differing indices on random predictions', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const n = 500;
    const dense = i32(Array.from({ length: n }, () => Math.floor(rnd() * 10)));
    const pruned = i32([...dense].map((c) => (rnd() < 0.2 ? Math.floor(rnd() * 10) : c)));
    const labels = i32([...dense].map((c) => (rnd() < 0.9 ? c : Math.floor(rnd() * 10))));
    const conf = new Float32Array(n).fill(0.5);
    const rows = flipRows(dense, conf, pruned, conf, labels, 10);
    const expected: number[] = [];
    for (let i = 0; i < n; i++) if (dense[i] !== pruned[i]) expected.push(i);
    expect(rows.map((r) => r.index).sort((a, b) => a - b)).toEqual(expected);
    for (const r of rows) {
      const d = dense[r.index] === labels[r.index];
      const p = pruned[r.index] === labels[r.index];
      expect(r.kind).toBe(d && !p ? 'lost' : !d && p ? 'gained' : 'changed');
    }
  });

  it('without labels every change is lost (agreement with dense is the reference)', () => {
    const rows = flipRows(i32([0, 1]), f32([1, 1]), i32([1, 1]), f32([1, 1]), null, 2);
    expect(rows).toEqual([
      { index: 0, label: null, dense: 0, denseConf: 1, pruned: 1, prunedConf: 1, kind: 'lost' },
    ]);
  });

  it('disagreements between two runs', () => {
    expect(disagreements([1, 2, 3, 4], [1, 0, 3, 0])).toEqual([1, 3]);
    expect(() => disagreements([1], [1, 2])).toThrow(/1 and 2/);
  });
});

import { describe, expect, it } from 'vitest';
import type { CurvePoint } from '../../worker/protocol';
import { coarseToFine, curvesCsv, maxWithin, SPARSITY_GRID } from './curves';
import { bytes, points, sparsityPct, sparsityTag } from './format';
import { stepSparsity } from './slider';
import { readUrl } from './url';

const pt = (
  method: CurvePoint['method'],
  achievedSparsity: number,
  accuracy: number | null,
  agreement = 1,
): CurvePoint => ({
  method,
  sparsity: achievedSparsity,
  achievedSparsity,
  withinTolerance: true,
  accuracy,
  agreement,
});

describe('slider steps', () => {
  it('moves 1 % below 90 % and 0.1 % from 90 % up, without skipping 90 %', () => {
    expect(stepSparsity(0.5, 1)).toBe(0.51);
    expect(stepSparsity(0.9, 1)).toBe(0.901);
    expect(stepSparsity(0.9, -1)).toBe(0.89);
    expect(stepSparsity(0.901, -1)).toBe(0.9);
    expect(stepSparsity(0.905, -1, true)).toBe(0.9);
    expect(stepSparsity(0.85, 1, true)).toBe(0.9);
    expect(stepSparsity(0.999, 1)).toBe(0.999);
    expect(stepSparsity(0, -1)).toBe(0);
  });
});

describe('curves', () => {
  it('visits every grid point once, ends first', () => {
    const order = coarseToFine(SPARSITY_GRID);
    expect(order.slice(0, 2)).toEqual([SPARSITY_GRID[0], SPARSITY_GRID[SPARSITY_GRID.length - 1]]);
    expect([...order].sort((a, b) => a - b)).toEqual(SPARSITY_GRID);
  });

  it('finds the highest sparsity within X points of dense, per method', () => {
    const ps = [pt('sipp', 0.5, 0.97), pt('sipp', 0.9, 0.962), pt('sipp', 0.95, 0.9), pt('wt', 0.9, 0.95)];
    expect(maxWithin(ps, 'sipp', 0.97, 1)).toBe(0.9);
    expect(maxWithin(ps, 'sipp', 0.97, 0.5)).toBe(0.5);
    expect(maxWithin(ps, 'sipp', 0.97, 10)).toBe(0.95);
    expect(maxWithin(ps, 'wt', 0.97, 1)).toBeNull();
    // Without labels, agreement counts.
    expect(maxWithin([pt('snip', 0.8, null, 0.995)], 'snip', 1, 1)).toBe(0.8);
  });

  it('writes one CSV row per point with a header', () => {
    const csv = curvesCsv([pt('wt', 0.9, 0.95), pt('sipp', 0.5, null, 0.99)])
      .trim()
      .split('\n');
    expect(csv[0]).toMatch(
      /^method,target_sparsity,achieved_sparsity,within_tolerance,accuracy,agreement,kind,/,
    );
    // Prune-only rows leave the retraining columns empty.
    expect(csv[1]).toMatch(/^sipp,0\.5,0\.500000,true,,0\.99,prune,+$/);
    expect(csv[2]).toMatch(/^wt,0\.9,0\.900000,true,0\.95,1,prune,+$/);
  });
});

describe('formatting', () => {
  it('shows percentages, point differences, sizes and file tags', () => {
    expect(sparsityPct(0.9)).toBe('90.0 %');
    expect(sparsityPct(0.995)).toBe('99.50 %');
    expect(points(-0.0116)).toBe('−1.2 pt');
    expect(points(0.00001)).toBe('±0.0 pt');
    expect(bytes(134_000)).toBe('134 kB');
    expect(bytes(1_066_440)).toBe('1.07 MB');
    expect(sparsityTag(0.905)).toBe('90.5pct');
  });
});

describe('URL settings', () => {
  it('reads backend, method, sparsity, points and curves, ignoring nonsense', () => {
    const u = readUrl('?backend=webgpu&method=wt&sparsity=0.95&points=32&curves=sipp,bogus,wt');
    expect(u).toMatchObject({
      backend: 'webgpu',
      method: 'wt',
      sparsity: 0.95,
      points: 32,
      curves: ['sipp', 'wt'],
    });
    const bad = readUrl('?backend=tpu&method=x&sparsity=2&points=-1');
    expect(bad).toMatchObject({ backend: null, method: null, sparsity: null, points: null, curves: null });
    expect(readUrl('?curves=').curves).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import type { CurvePoint, PointCost } from '../../worker/protocol';
import { costTicks, denseX, formatX, pointX, stretchedX, unstretchX } from './curve-axis';

const dense = { params: 2000, nonzero: 2000, macs: 10_000, latencyMs: 8, batch: 64, backend: 'wasm' };
const cost = (c: Partial<PointCost>): PointCost => ({
  params: 2000,
  nonzero: 1000,
  macs: 10_000,
  latencyMs: 8,
  batch: 64,
  removedChannels: 0,
  dense,
  ...c,
});
const point = (s: number, c?: PointCost): CurvePoint => ({
  method: 'pfp',
  sparsity: s,
  achievedSparsity: s,
  withinTolerance: true,
  accuracy: 0.9,
  agreement: 0.95,
  cost: c,
});

describe('curve axes', () => {
  it('place a point by its sparsity, or by its slim model against the dense one', () => {
    const p = point(0.5, cost({ params: 500, macs: 2500, latencyMs: 3, removedChannels: 12 }));
    expect(pointX(p, 'sparsity', false)).toBeCloseTo(50);
    expect(pointX(p, 'sparsity', true)).toBeCloseTo(Math.log10(2));
    expect(pointX(p, 'params', false)).toBeCloseTo(25);
    expect(pointX(p, 'macs', false)).toBeCloseTo(25);
    expect(pointX(p, 'latency', false)).toBe(3);
    expect(pointX(point(0.5), 'params', false)).toBeNull();
    expect(pointX(point(0.5), 'sparsity', false)).toBeCloseTo(50);
  });

  it('put dense at 100 % of itself, or at its own latency', () => {
    const pts = [point(0.2), point(0.5, cost({}))];
    expect(denseX(pts, 'params')).toBe(100);
    expect(denseX(pts, 'latency')).toBe(8);
    expect(denseX([point(0.2)], 'latency')).toBeNull();
  });

  it('round the cost axes so that every point and dense fit', () => {
    for (const max of [0.004, 0.9, 3.2, 8, 47, 130, 999]) {
      const { domain, ticks } = costTicks('latency', max);
      expect(domain[1]).toBeGreaterThanOrEqual(max);
      expect(ticks[0]).toBe(0);
      expect(ticks[ticks.length - 1]).toBeCloseTo(domain[1]);
      expect(ticks.length).toBeLessThanOrEqual(11);
    }
    expect(costTicks('params', 100).domain).toEqual([0, 100]);
    expect(costTicks('macs', 104).domain).toEqual([0, 120]);
  });

  it('format and invert the sparsity axis', () => {
    expect(unstretchX(stretchedX(0.99, true), true)).toBeCloseTo(0.99);
    expect(formatX('sparsity', 90, false)).toBe('90%');
    expect(formatX('latency', 3.14159, false)).toBe('3.14 ms');
    expect(formatX('params', 42.04, false)).toBe('42%');
  });
});

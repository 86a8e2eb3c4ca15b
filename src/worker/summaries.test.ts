import { describe, expect, it } from 'vitest';
import { sensitivityHistograms } from './summaries';

describe('sensitivity histograms', () => {
  it('bins log10 of positive values on shared edges and counts zeros apart', () => {
    const a = new Float32Array([0, 1e-4, 1e-3, 1e-3, 1e-2]);
    const b = new Float32Array([0, 0, 1e-1, 1]);
    const [ha, hb] = sensitivityHistograms(['a', 'b'], [a, b], 8);
    expect(ha.edges).toEqual(hb.edges);
    expect(ha.edges[0]).toBeLessThanOrEqual(-4);
    expect(ha.edges[ha.edges.length - 1]).toBeGreaterThanOrEqual(0);
    expect(ha.zeros).toBe(1);
    expect(hb.zeros).toBe(2);
    expect(ha.counts.reduce((s, c) => s + c, 0)).toBe(4);
    expect(hb.counts.reduce((s, c) => s + c, 0)).toBe(2);
    // 1e-3 twice lands in one bin, and a bin left of 1e-2's.
    const bin = (v: number) =>
      ha.edges.findIndex((e, i) => Math.log10(v) >= e && Math.log10(v) < ha.edges[i + 1]);
    expect(ha.counts[bin(1e-3)]).toBe(2);
    expect(bin(1e-3)).toBeLessThan(bin(1e-2));
    expect(ha.total).toBe(5);
  });

  it('copes with a layer of zeros only', () => {
    const [h] = sensitivityHistograms(['z'], [new Float32Array(3)], 4);
    expect(h.zeros).toBe(3);
    expect(h.counts).toEqual([0, 0, 0, 0]);
  });
});

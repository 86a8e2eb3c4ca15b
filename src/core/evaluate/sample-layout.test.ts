import { describe, expect, it } from 'vitest';
import { samplePixels, sampleLayout, topValues } from './sample-layout';

describe('sample layout', () => {
  it('pictures: [H, W, C] with C in {1, 3}, a reshaped vector, a square vector', () => {
    expect(sampleLayout([28, 28, 1], null)).toMatchObject({
      kind: 'image',
      height: 28,
      width: 28,
      channels: 1,
      source: 'input',
    });
    expect(sampleLayout([32, 32, 3], null)).toMatchObject({ kind: 'image', channels: 3, size: 3072 });
    expect(sampleLayout([3072], [32, 32, 3])).toMatchObject({
      kind: 'image',
      channels: 3,
      source: 'reshape',
    });
    expect(sampleLayout([784], null)).toMatchObject({
      kind: 'image',
      height: 28,
      width: 28,
      source: 'square',
    });
  });

  it('anything else: values', () => {
    expect(sampleLayout([10], null)).toEqual({ kind: 'values', size: 10, shape: [10] });
    expect(sampleLayout([49], null).kind).toBe('values'); // 7×7 is too small to guess a picture
    expect(sampleLayout([32, 32, 4], null).kind).toBe('values');
    expect(sampleLayout([90], [9, 5, 2]).kind).toBe('values');
    expect(sampleLayout([20], [4, 5, 1]).kind).toBe('image');
  });

  it('largest values by magnitude', () => {
    expect(topValues([0.1, -3, 2, 0], 2)).toEqual([
      { index: 1, value: -3 },
      { index: 2, value: 2 },
    ]);
  });

  it('subsamples large pictures, keeps small ones', () => {
    const small = sampleLayout([4, 4, 1], null);
    if (small.kind !== 'image') throw new Error('layout');
    const v = Float32Array.from({ length: 16 }, (_, i) => i);
    expect(samplePixels(v, small, 8)).toMatchObject({ height: 4, width: 4, step: 1 });
    const p = samplePixels(v, small, 2);
    expect(p).toMatchObject({ height: 2, width: 2, step: 2 });
    expect([...p.data]).toEqual([0, 2, 8, 10]);
  });
});

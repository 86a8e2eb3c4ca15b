import { describe, expect, it } from 'vitest';
import type { Batch } from '../types';
import { parseBatchFiles } from './batch';
import { fitBatchToModel } from './fit';
import { errorCode, fixture } from './test-fixtures';

function batch(xShape: number[], y: number[] | null = null, extra: Partial<Batch> = {}): Batch {
  const size = xShape.reduce((a, b) => a * b, 1);
  return {
    x: Float32Array.from({ length: size }, (_, i) => (i % 7) / 7),
    xShape,
    y: y ? Int32Array.from(y) : null,
    notices: ['parsed'],
    source: 'b.npz',
    sourceDtype: 'float32',
    ...extra,
  };
}

describe('fitBatchToModel shapes', () => {
  it('passes an exact match through without a notice', () => {
    const b = batch([4, 28, 28, 1], [0, 1, 2, 3]);
    const out = fitBatchToModel(b, [null, 28, 28, 1], 10);
    expect(out.xShape).toEqual([4, 28, 28, 1]);
    expect(out.notices).toEqual(['parsed']);
    expect(out.x).toEqual(b.x);
  });

  it('lets null model dimensions match anything', () => {
    expect(fitBatchToModel(batch([2, 5, 7, 3]), [null, null, null, 3], 2).xShape).toEqual([2, 5, 7, 3]);
  });

  it.each([
    [
      [6, 784],
      [null, 28, 28, 1],
    ],
    [
      [6, 28, 28],
      [null, 28, 28, 1],
    ],
    [
      [6, 28, 28, 1],
      [null, 784],
    ],
    [
      [6, 28, 28],
      [null, 784],
    ],
  ])('reshapes %j to fit %j, naming both shapes', (xShape, model) => {
    const b = batch(xShape);
    const out = fitBatchToModel(b, model, 10);
    expect(out.xShape).toEqual([6, ...model.slice(1)]);
    expect(Array.from(out.x)).toEqual(Array.from(b.x));
    const notice = out.notices[out.notices.length - 1];
    expect(notice).toContain(`[${xShape.join(', ')}]`);
    expect(notice).toContain(`[${[6, ...model.slice(1)].join(', ')}]`);
    expect(b.xShape).toEqual(xShape); // input untouched
  });

  it.each([
    [
      [6, 28, 28],
      [null, 32, 32, 3],
    ],
    [
      [6, 784],
      [null, null, null, 1],
    ],
    [[6, 10], []],
  ])('refuses %j for model input %j', (xShape, model) => {
    const run = () => fitBatchToModel(batch(xShape), model, 10);
    expect(errorCode(run)).toBe('batch-shape-mismatch');
    expect(run).toThrow(`[${xShape.join(', ')}]`);
  });

  it('refuses an empty batch', () => {
    expect(errorCode(() => fitBatchToModel(batch([0, 784]), [null, 784], 10))).toBe('batch-empty');
  });
});

describe('fitBatchToModel labels', () => {
  it('checks the label count', () => {
    expect(errorCode(() => fitBatchToModel(batch([3, 4], [0, 1]), [null, 4], 2))).toBe(
      'labels-count-mismatch',
    );
  });

  it.each([[10], [-1]])('names an out-of-range label (%i) and the class count', (bad) => {
    const run = () => fitBatchToModel(batch([3, 4], [0, bad, 1]), [null, 4], 10);
    expect(errorCode(run)).toBe('labels-out-of-range');
    expect(run).toThrow(new RegExp(`label ${bad} .*10 classes`));
  });

  it('accepts the largest class index', () => {
    expect(fitBatchToModel(batch([2, 4], [0, 9]), [null, 4], 10).y).toEqual(Int32Array.from([0, 9]));
  });

  it('refuses one-hot rows wider than the class count, reads narrower ones as class indices', () => {
    const loaded = parseBatchFiles([fixture('batch/mnist-flat-onehot.npz')]);
    expect(fitBatchToModel(loaded, [null, 784], 10).y).toEqual(loaded.y);
    expect(fitBatchToModel(loaded, [null, 784], 12).y).toEqual(loaded.y);
    expect(errorCode(() => fitBatchToModel(loaded, [null, 784], 8))).toBe('labels-onehot-width');
  });
});

describe('fitBatchToModel scaleUint8', () => {
  it('divides 0..255 inputs by 255 only when asked, without touching the input batch', () => {
    const loaded = parseBatchFiles([fixture('batch/mnist-hw-u8.npz')]);
    const plain = fitBatchToModel(loaded, [null, 28, 28, 1], 10);
    expect(plain.x).toBe(loaded.x);
    const scaled = fitBatchToModel(loaded, [null, 28, 28, 1], 10, { scaleUint8: true });
    expect(Math.max(...scaled.x)).toBeLessThanOrEqual(1);
    for (let i = 0; i < loaded.x.length; i += 97) expect(scaled.x[i]).toBeCloseTo(loaded.x[i] / 255, 7);
    expect(scaled.notices.join('\n')).toMatch(/divided by 255/);
    expect(plain.notices.join('\n')).toMatch(/not rescaled/);
    expect(scaled.notices.join('\n')).not.toMatch(/not rescaled/);
    expect(Math.max(...loaded.x)).toBeGreaterThan(1);
  });

  it('does not scale inputs that are not 0..255 integers, and says so', () => {
    const b = batch([3, 4]);
    const out = fitBatchToModel(b, [null, 4], 2, { scaleUint8: true });
    expect(out.x).toEqual(b.x);
    expect(out.notices.join('\n')).toMatch(/not applied/);
  });
});

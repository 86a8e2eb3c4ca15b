import { describe, expect, it } from 'vitest';
import type { Batch } from '../types';
import { defaultSensitivityPoints, splitBatch } from './split';
import { errorCode } from './test-fixtures';

describe('defaultSensitivityPoints', () => {
  // Reference values from docs/sipp-algorithm.md §1.5 (numbers hard-coded in the paper's scripts).
  it('gives 152 for LeNet-300-100 and 160 for the 784-300-1000-100-10 network', () => {
    expect(defaultSensitivityPoints([300, 100, 10], 10_000)).toBe(152);
    expect(defaultSensitivityPoints([300, 1000, 100, 10], 10_000)).toBe(160);
  });

  it('is capped at half of the batch', () => {
    expect(defaultSensitivityPoints([300, 100, 10], 101)).toBe(50);
    expect(defaultSensitivityPoints([300, 100, 10], 2)).toBe(1);
  });

  it('refuses batches under 2 samples and bad layer sizes', () => {
    expect(errorCode(() => defaultSensitivityPoints([300], 1))).toBe('batch-too-small');
    expect(errorCode(() => defaultSensitivityPoints([], 100))).toBe('bad-etas');
    expect(errorCode(() => defaultSensitivityPoints([10, 0], 100))).toBe('bad-etas');
  });
});

describe('splitBatch', () => {
  const n = 5;
  const b: Batch = {
    x: Float32Array.from({ length: n * 6 }, (_, i) => i),
    xShape: [n, 2, 3],
    y: Int32Array.from([4, 3, 2, 1, 0]),
    notices: ['n'],
    source: 's.npz',
    sourceDtype: 'uint8',
  };

  it('puts the first points in S and the rest in the evaluation set', () => {
    const { s, evalSet } = splitBatch(b, 2);
    expect(s.xShape).toEqual([2, 2, 3]);
    expect(evalSet.xShape).toEqual([3, 2, 3]);
    expect(Array.from(s.x)).toEqual(Array.from(b.x.subarray(0, 12)));
    expect(Array.from(evalSet.x)).toEqual(Array.from(b.x.subarray(12)));
    expect(Array.from(s.y as Int32Array)).toEqual([4, 3]);
    expect(Array.from(evalSet.y as Int32Array)).toEqual([2, 1, 0]);
    expect(s.source).toBe('s.npz');
    // Copies, so each part can be transferred to a worker on its own.
    expect(s.x.buffer).not.toBe(b.x.buffer);
  });

  it('keeps unlabeled batches unlabeled', () => {
    const { s, evalSet } = splitBatch({ ...b, y: null }, 4);
    expect(s.y).toBeNull();
    expect(evalSet.y).toBeNull();
    expect(evalSet.xShape[0]).toBe(1);
  });

  it('refuses splits that leave a side empty', () => {
    expect(errorCode(() => splitBatch(b, n))).toBe('no-eval-points');
    expect(errorCode(() => splitBatch(b, 0))).toBe('no-sensitivity-points');
    expect(errorCode(() => splitBatch(b, 1.5))).toBe('no-sensitivity-points');
  });
});

import { describe, expect, it } from 'vitest';
import { unreachableReason } from './unreachable';

const size = { originalNonzero: 1000, fixedNonzero: 100, compressible: 900 };
const base = { methodName: 'SiPP', size, structured: false, withinTolerance: false };

describe('why a target is unreachable', () => {
  it('says nothing when the target was met', () => {
    expect(unreachableReason({ ...base, target: 0.5, achieved: 0.5, withinTolerance: true })).toBeNull();
  });
  it('names the fixed cost when the target is above what pruning every kernel could reach', () => {
    expect(unreachableReason({ ...base, target: 0.95, achieved: 0.9 })).toMatch(
      /not pruned .* are 10\.0 % of the model, so at most 90\.0 % sparsity is possible; the nearest reached is 90\.0 %/,
    );
  });
  it('explains channel steps, a method floor above the target, and one below it', () => {
    expect(unreachableReason({ ...base, structured: true, target: 0.5, achieved: 0.47 })).toMatch(
      /whole channels/,
    );
    expect(unreachableReason({ ...base, target: 0.1, achieved: 0.27 })).toMatch(
      /prunes more than asked: .* 27\.0 %/,
    );
    expect(unreachableReason({ ...base, target: 0.85, achieved: 0.8 })).toMatch(
      /cannot go below 20\.0 % kept/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { initialState } from './initial';
import { limitsWords, NO_LIMITS, pruneParams, withCap, withExclude } from './limits';
import { readUrl } from './url';

describe('per-layer limits in the page', () => {
  it('exclude and cap exclude each other, and an empty cap removes it', () => {
    let l = withCap(NO_LIMITS, 'fc1', 0.8);
    expect(l).toEqual({ exclude: [], maxSparsity: { fc1: 0.8 } });
    l = withExclude(l, 'fc1', true);
    expect(l).toEqual({ exclude: ['fc1'], maxSparsity: {} });
    l = withCap(withExclude(l, 'fc2', true), 'fc1', 0.5);
    expect(l).toEqual({ exclude: ['fc2'], maxSparsity: { fc1: 0.5 } });
    expect(withCap(l, 'fc1', null)).toEqual({ exclude: ['fc2'], maxSparsity: {} });
    expect(withExclude(l, 'fc2', false)).toEqual({ exclude: [], maxSparsity: { fc1: 0.5 } });
    expect(limitsWords(l)).toBe('fc2 excluded, fc1 at most 50 % zero');
  });

  it('go with the slider setting only when there are some', () => {
    const s = { ...initialState(readUrl('')), method: 'wt' as const, sparsity: 0.9 };
    expect(pruneParams(s)).toEqual({ method: 'wt', sparsity: 0.9, seed: 0, propagate: false });
    const limited = { ...s, limits: withExclude(NO_LIMITS, 'fc3', true) };
    expect(pruneParams(limited).limits).toEqual({ exclude: ['fc3'], maxSparsity: {} });
  });
});

import { describe, expect, it } from 'vitest';
import type { FlipRow } from '../../worker/protocol';
import { filteredFlips, flipWords, missingSamples, pageOf } from './classes';
import { FLIPS_PER_PAGE, initialRuns } from './runs-types';

const flip = (index: number, kind: FlipRow['kind']): FlipRow => ({
  index,
  label: 1,
  dense: 1,
  denseConf: 0.9,
  pruned: 2,
  prunedConf: 0.55,
  kind,
});

describe('flipped samples: filter and pages', () => {
  const flips = [
    ...Array.from({ length: 30 }, (_, i) => flip(i, 'lost')),
    ...Array.from({ length: 5 }, (_, i) => flip(100 + i, 'gained')),
  ];
  const classes = { flips } as unknown as NonNullable<ReturnType<typeof initialRuns>['classes']>;

  it('pages of FLIPS_PER_PAGE, the page clamped', () => {
    const s = { ...initialRuns(), classes, flipPage: 1 };
    const p = pageOf(s);
    expect(p).toMatchObject({ page: 1, pages: 2, total: 35 });
    expect(p.rows.map((r) => r.index)).toEqual([...flips.slice(FLIPS_PER_PAGE).map((f) => f.index)]);
    expect(pageOf({ ...s, flipPage: 9 }).page).toBe(1);
  });

  it('filter by kind', () => {
    expect(filteredFlips(flips, 'gained').map((f) => f.index)).toEqual([100, 101, 102, 103, 104]);
    expect(pageOf({ ...initialRuns(), classes, flipFilter: 'gained' }).pages).toBe(1);
  });

  it('fetches only missing samples, in bounded requests', () => {
    expect(missingSamples([1, 2, 2, 3], { 2: {} })).toEqual([[1, 3]]);
    expect(
      missingSamples(
        Array.from({ length: 100 }, (_, i) => i),
        {},
      ).map((x) => x.length),
    ).toEqual([48, 48, 4]);
  });

  it('in words', () => {
    expect(flipWords(flip(3, 'lost'))).toBe('true 1, dense 1 (90 %), pruned 2 (55 %)');
  });
});

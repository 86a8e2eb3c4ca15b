import { describe, expect, it } from 'vitest';
import { median, sideBySide, type BenchCase } from './timing';

/** A clock that advances only when an operation says so, so that timings are exact. */
function fakeClock() {
  let t = 0;
  return { clock: { now: () => t }, advance: (ms: number) => (t += ms) };
}

describe('median', () => {
  it('takes the middle of odd and the mean of the two middles of even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('sideBySide', () => {
  it('alternates baseline and measured, numbers the measured calls, and reports medians', async () => {
    const { clock, advance } = fakeClock();
    const order: string[] = [];
    const c: BenchCase = {
      title: 't',
      baseline: async () => {
        order.push('b');
        advance(10);
      },
      measured: async (call) => {
        order.push(`m${call}`);
        advance(20 + call); // 20, 21, ... so the median depends on which calls were timed
        return { trials: call };
      },
      setup: async (call) => {
        order.push(`s${call}`);
        advance(1000); // untimed: must not show in the measured time
      },
      dispose: () => {},
    };
    const r = await sideBySide(c, { runs: 5, clock });
    expect(order.join(' ')).toBe('b s0 m0 b s1 m1 b s2 m2 b s3 m3 b s4 m4 b s5 m5');
    if ('skipped' in r) throw new Error('not expected to skip');
    expect(r.baseline.ms).toBe(10);
    expect(r.measured.ms).toBe(23); // calls 1..5 timed: 21..25
    expect(r.measured.details).toEqual({ trials: 3 });
  });

  it('skips the timed runs when the warm-up says so', async () => {
    const { clock, advance } = fakeClock();
    let timed = 0;
    const c: BenchCase = {
      title: 't',
      baseline: async () => void advance(5),
      measured: async () => {
        timed++;
        advance(50);
      },
      dispose: () => {},
    };
    const r = await sideBySide(c, {
      runs: 5,
      clock,
      afterWarmup: (w) => (w.measuredMs === 50 && w.baselineMs === 5 ? 'too slow' : null),
    });
    expect(r).toEqual({ skipped: 'too slow' });
    expect(timed).toBe(1);
  });
});

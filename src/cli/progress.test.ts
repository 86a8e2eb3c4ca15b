import { describe, expect, it } from 'vitest';
import { progressPrinter } from './progress';

describe('cli progress', () => {
  it('says after the first chunk how long a long stage will take, once, with the hint', () => {
    let t = 0;
    const out: string[] = [];
    const p = progressPrinter((s) => out.push(s), {
      tty: false,
      now: () => t,
      hint: (stage) => (stage === 'sensitivities' ? 'lower --points to go faster' : null),
    });
    p({ stage: 'sensitivities', done: 0, total: 180 });
    t = 2000;
    p({ stage: 'sensitivities', done: 4, total: 180 });
    t = 4000;
    p({ stage: 'sensitivities', done: 8, total: 180 });
    expect(out).toEqual([
      'sensitivities: 4 of 180 points took 2 s, about 90 s in all; lower --points to go faster\n',
    ]);
    // A quick stage says nothing without a terminal.
    p({ stage: 'prune', done: 0, total: 1 });
    t = 4100;
    p({ stage: 'prune', done: 1, total: 1 });
    expect(out).toHaveLength(1);
  });

  it('rewrites one line per stage on a terminal, with the time left', () => {
    let t = 0;
    const out: string[] = [];
    const p = progressPrinter((s) => out.push(s), { tty: true, now: () => t });
    p({ stage: 'train', done: 0, total: 10 });
    t = 100;
    p({ stage: 'train', done: 5, total: 10 });
    t = 200;
    p({ stage: 'train', done: 10, total: 10 });
    expect(out).toEqual(['\rtrain 0/10   ', '\rtrain 5/10, about 1 s left   ', '\rtrain 10/10   \n']);
  });
});

import { describe, expect, it } from 'vitest';
import { PriorityLock } from './lock';

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('PriorityLock', () => {
  it('never runs two holders at once, and serves higher priority first, FIFO within one', async () => {
    const lock = new PriorityLock();
    const order: string[] = [];
    let inside = 0;
    const job = (name: string, priority: number) =>
      lock.run(priority, async () => {
        inside++;
        expect(inside).toBe(1);
        order.push(name);
        await tick();
        inside--;
      });
    const all = [job('first', 0), job('sweep-a', 0), job('sweep-b', 0), job('slider', 2), job('prepare', 4)];
    await Promise.all(all);
    expect(order).toEqual(['first', 'prepare', 'slider', 'sweep-a', 'sweep-b']);
  });

  it('releases the lock when the holder throws', async () => {
    const lock = new PriorityLock();
    await expect(lock.run(0, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(lock.busy).toBe(false);
    await expect(lock.run(0, async () => 7)).resolves.toBe(7);
  });
});

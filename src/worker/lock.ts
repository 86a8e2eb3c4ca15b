// One pruning session holds one model whose weights each job overwrites, so jobs on it must not
// interleave. This lock serialises them; higher priority waiters go first (a slider move jumps
// ahead of the next background curve point), first come first served within a priority.

interface Waiter {
  priority: number;
  seq: number;
  grant: () => void;
}

export class PriorityLock {
  private held = false;
  private seq = 0;
  private readonly waiters: Waiter[] = [];

  get busy(): boolean {
    return this.held;
  }

  /** Resolves with a release function once the lock is ours. */
  acquire(priority: number): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.held = true;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.held = false;
          this.next();
        });
      };
      this.waiters.push({ priority, seq: this.seq++, grant });
      if (!this.held) this.next();
    });
  }

  private next(): void {
    if (this.held || this.waiters.length === 0) return;
    let best = 0;
    for (let i = 1; i < this.waiters.length; i++) {
      const w = this.waiters[i];
      const b = this.waiters[best];
      if (w.priority > b.priority || (w.priority === b.priority && w.seq < b.seq)) best = i;
    }
    const [w] = this.waiters.splice(best, 1);
    w.grant();
  }

  /** Runs `fn` holding the lock. */
  async run<T>(priority: number, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(priority);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

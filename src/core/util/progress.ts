import type { LongCallOptions, ProgressFn } from '../types';
import { throwIfAborted } from './errors';

/** Yields to the event loop so that a cancel (AbortSignal) or a UI message can get through. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Progress for one stage: never goes backwards, always ends at `total`. */
export class StageProgress {
  private done = 0;
  constructor(
    private readonly stage: string,
    private readonly total: number,
    private readonly onProgress?: ProgressFn,
  ) {
    onProgress?.({ stage, done: 0, total });
  }
  advance(by = 1): void {
    this.done = Math.min(this.total, this.done + by);
    this.onProgress?.({ stage: this.stage, done: this.done, total: this.total });
  }
  finish(): void {
    if (this.done < this.total) this.advance(this.total - this.done);
  }
}

/** Awaits a turn of the event loop, then throws AbortError if the call was cancelled meanwhile. */
export async function checkpoint(opts: LongCallOptions | undefined): Promise<void> {
  await yieldToLoop();
  throwIfAborted(opts?.signal);
}

// Messages between the bench page and its worker.
import type { BenchRecord } from './records';

export interface BenchRequest {
  backend: 'webgpu' | 'wasm';
  runs: number;
  budgetS: number;
  /** Absolute URL of the demo folder (the worker's own URL lies under assets/). */
  demoBase: string;
  /** 'memory': the memory cases of src/bench/memory.ts instead of the timing suite. */
  suite?: 'timing' | 'memory';
  /** Memory cases to run (M1, M2, M3), in their full or their unit-test sizes. */
  cases?: string[];
  small?: boolean;
  /** Timing suite: run only these measurements (P1, P2, prepare, ...); default all. */
  only?: string[];
}

export type BenchEvent =
  | { type: 'log'; line: string }
  | { type: 'done'; records: BenchRecord[] }
  | { type: 'error'; message: string };

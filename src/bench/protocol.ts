// Messages between the bench page and its worker.
import type { BenchRecord } from './records';

export interface BenchRequest {
  backend: 'webgpu' | 'wasm';
  runs: number;
  budgetS: number;
  /** Absolute URL of the demo folder (the worker's own URL lies under assets/). */
  demoBase: string;
}

export type BenchEvent =
  | { type: 'log'; line: string }
  | { type: 'done'; records: BenchRecord[] }
  | { type: 'error'; message: string };

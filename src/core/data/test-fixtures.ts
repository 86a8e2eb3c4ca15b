// Test-only helper (Node): reads the committed fixtures written by scripts/make-batch-fixtures.py.
// Never imported by product code.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NamedBytes } from '../types';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export interface ExpectedArray {
  shape: number[];
  values: number[];
}

export interface BatchCase {
  files: string[];
  code?: string;
  message?: string;
  x?: string;
  xShape?: number[];
  y?: string | null;
  sourceDtype?: string;
  notice?: string;
}

export interface Expected {
  npy: (ExpectedArray & { file: string; dtype: string })[];
  npyErrors: { file: string; code: string }[];
  arrays: Record<string, ExpectedArray>;
  batches: BatchCase[];
}

// The script writes NaN and infinities as strings, since JSON has no such numbers.
export const expected = JSON.parse(
  readFileSync(join(FIXTURES, 'expected.json'), 'utf8'),
  (_key, v: unknown) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v),
) as Expected;

export function fixture(rel: string): NamedBytes {
  return { name: rel.split('/').pop() as string, data: new Uint8Array(readFileSync(join(FIXTURES, rel))) };
}

/** Runs `fn` and returns the SippError code it threw, or 'no error'. Other exceptions propagate. */
export function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof Error && e.name === 'SippError') return (e as Error & { code: string }).code;
    throw e;
  }
  return 'no error';
}

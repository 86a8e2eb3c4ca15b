// Every error code the data module can raise is exercised somewhere: by a fixture case in
// fixtures/expected.json or by the table below. New codes without a test fail this file.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseBatchFiles } from './batch';
import { fitBatchToModel } from './fit';
import { parseNpy } from './npy';
import { defaultSensitivityPoints, splitBatch } from './split';
import { encodeNpy, encodeNpz } from '../export/npz';
import { parseTrainingFiles, splitForTraining } from './training';
import { errorCode, expected, fixture } from './test-fixtures';

const here = dirname(fileURLToPath(import.meta.url));

function codesInSource(): Set<string> {
  const codes = new Set<string>();
  for (const f of readdirSync(here)) {
    if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
    const text = readFileSync(join(here, f), 'utf8');
    for (const m of text.matchAll(/new SippError\(\s*'([a-z0-9-]+)'/g)) codes.add(m[1]);
  }
  return codes;
}

const loaded = () => parseBatchFiles([fixture('batch/mnist-flat-onehot.npz')]);
const training = (x: number[], y: number[] | null, shape = [x.length]) => ({
  name: 't.npz',
  data: encodeNpz({
    x: { shape, data: Uint8Array.from(x) },
    ...(y ? { y: { shape: [y.length], data: Int32Array.from(y) } } : {}),
  }),
});

// Codes that need no fixture file of their own.
const table: [string, () => unknown][] = [
  ['batch-no-files', () => parseBatchFiles([])],
  ['batch-bad-shape', () => parseBatchFiles([fixture('npy/scalar-f8.npy')])],
  ['batch-shape-mismatch', () => fitBatchToModel(loaded(), [null, 32, 32, 3], 10)],
  ['labels-onehot-width', () => fitBatchToModel(loaded(), [null, 784], 3)],
  ['labels-count-mismatch', () => fitBatchToModel({ ...loaded(), y: new Int32Array(2) }, [null, 784], 10)],
  [
    'labels-out-of-range',
    () => fitBatchToModel(parseBatchFiles([fixture('batch/mnist-nhwc.npz')]), [null, 784], 4),
  ],
  ['batch-empty', () => fitBatchToModel({ ...loaded(), xShape: [0, 784] }, [null, 784], 10)],
  ['bad-etas', () => defaultSensitivityPoints([], 10)],
  ['batch-too-small', () => defaultSensitivityPoints([10], 1)],
  ['no-sensitivity-points', () => splitBatch(loaded(), 0)],
  ['no-eval-points', () => splitBatch(loaded(), 6)],
  ['npy-truncated', () => parseNpy(new Uint8Array([0x93, 0x4e]), 'short.npy')],
  ['train-shape', () => parseTrainingFiles([training([1, 2, 3, 4], null, [2, 2])], [null, 3], 2)],
  [
    'train-empty',
    () =>
      parseTrainingFiles(
        [{ name: 'e.npy', data: encodeNpy({ shape: [0, 2], data: new Uint8Array() }) }],
        [null, 2],
        2,
      ),
  ],
  ['train-labels-range', () => parseTrainingFiles([training([1, 2, 3, 4], [0, 2], [2, 2])], [null, 2], 2)],
  ['train-labels-count', () => parseTrainingFiles([training([1, 2, 3, 4], [0], [2, 2])], [null, 2], 2)],
  [
    'train-onehot-width',
    () =>
      parseTrainingFiles(
        [{ name: 'f.json', data: new TextEncoder().encode('{"x": [[1], [2]], "y": [[0, 1], [1, 0]]}') }],
        [null, 1],
        1,
      ),
  ],
  [
    'train-too-large',
    () => parseTrainingFiles([training([1, 2, 3, 4], null, [2, 2])], [null, 2], 2, { maxBytes: 3 }),
  ],
  ['train-split-fraction', () => splitForTraining(loaded(), 1, 0)],
  ['train-split-too-small', () => splitForTraining({ ...loaded(), xShape: [1, 784] }, 0.5, 0)],
];

describe('error codes', () => {
  it.each(table)('%s', (code, run) => {
    expect(errorCode(run)).toBe(code);
  });

  it('every code raised in src/core/data has a test', () => {
    const tested = new Set([
      ...table.map(([code]) => code),
      ...expected.npyErrors.map((e) => e.code),
      ...expected.batches.flatMap((c) => (c.code ? [c.code] : [])),
    ]);
    const missing = [...codesInSource()].filter((c) => !tested.has(c));
    expect(missing).toEqual([]);
    expect(codesInSource().size).toBeGreaterThan(25);
  });
});

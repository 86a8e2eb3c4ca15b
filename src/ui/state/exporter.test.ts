// The download asks the worker for the weight format chosen in the box, names quantised files
// after it, and keeps the raw and gzipped sizes of what was saved.
import { describe, expect, it } from 'vitest';
import type { Event, Request, WeightFormat } from '../../worker/protocol';
import { WEIGHT_FORMATS } from '../../worker/protocol';
import {
  checkExport,
  exportedSizes,
  exportFileName,
  exportKey,
  exportPruned,
  WEIGHT_CHOICES,
} from './exporter';
import { initialState } from './initial';
import type { Studio } from './studio';
import type { StudioState } from './types';
import { readUrl } from './url';

function fakeStudio() {
  const sent: Omit<Request, 'id'>[] = [];
  let state: StudioState = {
    ...initialState(readUrl('')),
    method: 'wt',
    sparsity: 0.9,
    workspace: { model: { name: 'lenet' } } as StudioState['workspace'],
  };
  const studio = {
    getState: () => state,
    set: (patch: Partial<StudioState>) => (state = { ...state, ...patch }),
    client: {
      call: (body: Omit<Request, 'id'>) => {
        sent.push(body);
        const req = body as Extract<Request, { type: 'export' }>;
        const weights = req.weights ?? 'float32';
        const event: Event = {
          type: 'exported',
          id: 1,
          result: {
            files: [
              { name: 'model.json', data: new ArrayBuffer(30) },
              { name: `${req.name}.weights.bin`, data: new ArrayBuffer(weights === 'uint8' ? 100 : 400) },
            ],
            weights,
            clampedValues: 0,
            rawBytes: weights === 'uint8' ? 130 : 430,
            gzipBytes: 77,
            nonzeroParams: 10,
            totalParams: 100,
            achievedSparsity: 0.9,
            slim: !!req.slim,
            written: weights === 'uint8' ? { accuracy: 0.9, agreement: 0.95 } : null,
            check: !!req.check,
          },
        };
        return { id: 1, done: Promise.resolve({ kind: 'ok', event }), cancel() {}, stop() {} };
      },
    },
  };
  return { studio: studio as unknown as Studio, sent, state: () => state };
}

describe('export weight format', () => {
  it('sends the chosen format with the request and names quantised files after it', async () => {
    const { studio, sent, state } = fakeStudio();
    const files = await exportPruned(studio, 'uint8');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      type: 'export',
      method: 'wt',
      sparsity: 0.9,
      weights: 'uint8',
      name: 'lenet.wt-90.0pct.uint8',
    });
    expect(files?.map((f) => f.name)).toEqual([
      'lenet.wt-90.0pct.uint8.json',
      'lenet.wt-90.0pct.uint8.weights.bin',
    ]);
    // What the box shows: raw is the sum of the saved files, gzip the worker's level-9 figure.
    expect(exportedSizes(state())).toEqual({ raw: 130, gzip: 77 });
  });

  it('defaults to float32 with the unchanged name', async () => {
    const { studio, sent, state } = fakeStudio();
    expect(exportedSizes(state())).toBeNull();
    await exportPruned(studio);
    expect(sent[0]).toMatchObject({ weights: 'float32', name: 'lenet.wt-90.0pct' });
    expect(exportFileName(state())).toBe('lenet.wt-90.0pct');
    expect(exportedSizes(state())).toEqual({ raw: 430, gzip: 77 });
  });

  it('checks a choice without saving: sizes and accuracy as written, for these settings only', async () => {
    const { studio, sent, state } = fakeStudio();
    await checkExport(studio, 'uint8', true);
    expect(sent[0]).toMatchObject({ type: 'export', weights: 'uint8', slim: true, check: true });
    const check = state().exported.check!;
    expect(check).toMatchObject({ busy: false, error: null, rawBytes: 130, gzipBytes: 77 });
    expect(check.written).toEqual({ accuracy: 0.9, agreement: 0.95 });
    expect(check.key).toBe(exportKey(state(), 'uint8', true));
    // No files were kept: nothing to download from a check.
    expect(state().exported.files).toEqual([]);
    expect(exportKey(state(), 'uint8', false)).not.toBe(check.key);
    studio.set({ sparsity: 0.8 });
    expect(exportKey(state(), 'uint8', true)).not.toBe(check.key);
  });

  it('offers every format the worker knows, float32 first', () => {
    expect(WEIGHT_CHOICES.map((c) => c.key)).toEqual<WeightFormat[]>([...WEIGHT_FORMATS]);
  });
});

describe('export names and packaging', () => {
  it('packs both files in one .zip under the model name; a rename changes the names', async () => {
    const { unzipSync } = await import('fflate');
    const { studio, sent, state } = fakeStudio();
    const { modelName } = await import('./exporter');
    const zipped = await exportPruned(studio, 'float32', false, 'zip');
    expect(zipped!.map((f) => f.name)).toEqual(['lenet.wt-90.0pct.zip']);
    const inside = unzipSync(new Uint8Array(await zipped![0].blob.arrayBuffer()));
    expect(Object.keys(inside).sort()).toEqual(['lenet.wt-90.0pct.json', 'lenet.wt-90.0pct.weights.bin']);
    studio.set({ rename: { for: 'lenet', name: 'my digits' } });
    expect(modelName(state())).toBe('my_digits');
    await exportPruned(studio);
    expect(sent[1]).toMatchObject({ name: 'my_digits.wt-90.0pct' });
    // A rename typed for another model does not carry over.
    studio.set({ rename: { for: 'other', name: 'x' } });
    expect(modelName(state())).toBe('lenet');
  });
});

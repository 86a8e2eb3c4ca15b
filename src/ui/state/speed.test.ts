// "Measure speed" asks the worker for the slider's setting, keeps the answer, and reads it as stale
// once the slider moves; the slim download asks for the slim model and says so in its name.
import { describe, expect, it } from 'vitest';
import type { Event, Request, SpeedSummary } from '../../worker/protocol';
import { exportPruned } from './exporter';
import { initialState } from './initial';
import { compact, currentSpeed, measureSpeed, speedWords } from './speed';
import type { Studio } from './studio';
import type { StudioState } from './types';
import { readUrl } from './url';

const SPEED: SpeedSummary = {
  method: 'pfp',
  targetSparsity: 0.5,
  seed: 0,
  propagate: false,
  backend: 'wasm',
  batch: 64,
  runs: 5,
  warmup: 2,
  params: { dense: 61706, slim: 20000 },
  macs: { dense: 416000, slim: 120000 },
  latencyMs: { dense: 3.1, slim: 1.2 },
  removedChannels: 40,
  layers: [{ name: 'conv1', className: 'Conv2D', before: 6, after: 3 }],
};

function fakeStudio() {
  const sent: Omit<Request, 'id'>[] = [];
  let state: StudioState = {
    ...initialState(readUrl('?method=pfp&sparsity=0.5')),
    workspace: { model: { name: 'lenet5' } } as StudioState['workspace'],
  };
  const answer = (body: Omit<Request, 'id'>): Event => {
    if (body.type === 'speed') return { type: 'speed', id: 1, speed: SPEED };
    const req = body as Extract<Request, { type: 'export' }>;
    return {
      type: 'exported',
      id: 1,
      result: {
        files: [{ name: 'model.json', data: new ArrayBuffer(30) }],
        weights: req.weights ?? 'float32',
        clampedValues: 0,
        rawBytes: 30,
        gzipBytes: 20,
        nonzeroParams: 20000,
        totalParams: req.slim ? 20000 : 61706,
        achievedSparsity: 0.5,
        slim: !!req.slim,
        written: null,
        check: !!req.check,
      },
    };
  };
  const studio = {
    wsKey: '1:1',
    getState: () => state,
    set: (patch: Partial<StudioState>) => (state = { ...state, ...patch }),
    client: {
      call: (body: Omit<Request, 'id'>) => {
        sent.push(body);
        return { id: 1, done: Promise.resolve({ kind: 'ok', event: answer(body) }), cancel() {}, stop() {} };
      },
    },
  };
  return { studio: studio as unknown as Studio & { wsKey: string }, sent, state: () => state };
}

describe('speed measurement state', () => {
  it('measures the slider setting, and a moved slider makes it stale (kept, not current)', async () => {
    const { studio, sent, state } = fakeStudio();
    expect(currentSpeed(state())).toBeNull();
    const pending = measureSpeed(studio);
    expect(state().speed.busy).toBe(true);
    await pending;
    expect(sent[0]).toEqual({ type: 'speed', method: 'pfp', sparsity: 0.5, seed: 0, propagate: false });
    expect(state().speed).toMatchObject({ busy: false, error: null });
    expect(currentSpeed(state())?.params.slim).toBe(20000);
    studio.set({ sparsity: 0.6 });
    expect(currentSpeed(state())).toBeNull();
    expect(state().speed.result).not.toBeNull();
    studio.set({ sparsity: 0.5, propagate: true });
    expect(currentSpeed(state())).toBeNull();
  });

  it('drops an answer for a model that has since been replaced', async () => {
    const { studio, state } = fakeStudio();
    const pending = measureSpeed(studio);
    studio.wsKey = '1:2';
    await pending;
    expect(state().speed.result).toBeNull();
  });

  it('reads as the issue asks', () => {
    expect(speedWords(SPEED)).toBe(
      '3.1 ms -> 1.2 ms per 64 samples (2.6x), MACs 416k -> 120k, parameters 61,706 -> 20,000',
    );
    expect([compact(950), compact(1500), compact(2_300_000)]).toEqual(['950', '1.5k', '2.3M']);
  });

  it('the slim download asks for the slim model, is named after it and keeps its parameter count', async () => {
    const { studio, sent, state } = fakeStudio();
    const files = await exportPruned(studio, 'uint8', true);
    expect(sent[0]).toMatchObject({
      type: 'export',
      slim: true,
      weights: 'uint8',
      name: 'lenet5.pfp-50.0pct.slim.uint8',
    });
    expect(files?.[0].name).toBe('lenet5.pfp-50.0pct.slim.uint8.json');
    expect(state().exported).toMatchObject({ slim: true, totalParams: 20000 });
    await exportPruned(studio);
    expect(sent[1]).toMatchObject({ slim: false, name: 'lenet5.pfp-50.0pct' });
  });
});

import { describe, expect, it } from 'vitest';
import { METHOD_KEYS, type UserError, type Workspace } from '../../worker/protocol';
import { SPARSITY_GRID } from './curves';
import { IDLE_JOB, initialState } from './initial';
import { METHOD_HELP } from './method-help';
import { fromTrack, KNEE, SLIDER_MAX, stepSparsity, targetPct, toTrack } from './slider';
import { counter, curveCompleteness, curvesLine, errorId, progressLine, secondsLeftNow } from './status';
import type { StudioState } from './types';
import { readUrl } from './url';

const base = (): StudioState => ({ ...initialState(readUrl('')), job: IDLE_JOB });
const ws = (patch: Partial<Workspace>): Workspace =>
  ({
    files: [],
    missing: [],
    model: null,
    batch: null,
    session: null,
    errors: [],
    ready: false,
    generation: 1,
    training: { files: [], set: null, initFiles: [], init: null, initMissing: [], errors: [] },
    ...patch,
  }) as Workspace;
const model = { name: 'm' } as Workspace['model'];
const batch = { source: 'b' } as Workspace['batch'];
const batchError: UserError = { where: 'batch', code: 'shape-mismatch', message: 'x does not fit' };

describe('progress line', () => {
  it('names the failure and links to it, never "waiting", when model and batch are there', () => {
    const s = { ...base(), workspace: ws({ model, batch, errors: [batchError] }) };
    const line = progressLine(s, 0);
    expect(line.text).not.toMatch(/Waiting/);
    expect(line.text).toBe('Cannot continue: the batch cannot be used.');
    expect(line.link?.href).toBe(`#${errorId(batchError)}`);
    // The same when the job itself is marked as failed.
    expect(progressLine({ ...s, job: { ...IDLE_JOB, state: 'error' } }, 0).link).not.toBeNull();
  });

  it('says what is missing, and "waiting for a model and a batch" only when both are', () => {
    expect(progressLine(base(), 0).text).toBe('Waiting for a model and a batch');
    expect(progressLine({ ...base(), workspace: ws({ model }) }, 0).text).toBe(
      'Model loaded; waiting for a batch',
    );
    expect(progressLine({ ...base(), workspace: ws({ batch }) }, 0).text).toBe(
      'Batch loaded; waiting for a model',
    );
    const both = progressLine({ ...base(), workspace: ws({ model, batch, missing: ['w.bin'] }) }, 0);
    expect(both.text).toBe('Model and batch loaded; still needed: w.bin');
  });

  it('a training-set error does not stop pruning', () => {
    const e: UserError = { where: 'train', code: 'x', message: 'y' };
    const s = { ...base(), workspace: ws({ model, batch, ready: true, errors: [e] }) };
    expect(progressLine(s, 0).text).toBe('Sensitivities not computed');
  });

  it('counts what it counts, with a time left that counts down, and no bar stuck at 0 or 100 %', () => {
    const job = { ...IDLE_JOB, state: 'running' as const, kind: 'sensitivities' as const };
    const s = {
      ...base(),
      workspace: ws({
        model,
        batch,
        session: { points: 152, evalPoints: 9, defaultPoints: 152, pass: null, warnings: [] },
      }),
    };
    const start = progressLine({ ...s, job: { ...job, stage: 'sensitivities', done: 0, total: 152 } }, 0);
    expect(start.text).toBe(
      'Computing sensitivities: sensitivity points 0 of 152 · estimating the time left',
    );
    expect(start.indeterminate).toBe(true);
    const mid = { ...job, stage: 'sensitivities', done: 124, total: 152, secondsLeft: 10, updatedAt: 1000 };
    expect(progressLine({ ...s, job: mid }, 1000).text).toBe(
      'Computing sensitivities: sensitivity points 124 of 152 · about 10 s left',
    );
    expect(progressLine({ ...s, job: mid }, 5000).text).toMatch(/about 6\.0 s left$/);
    expect(progressLine({ ...s, job: mid }, 5000).indeterminate).toBe(false);
    const end = progressLine({ ...s, job: { ...mid, done: 152 } }, 5000);
    expect(end.text).toMatch(/finishing$/);
    expect(end.indeterminate).toBe(true);
    expect(secondsLeftNow({ secondsLeft: 2, updatedAt: 0 }, 9000)).toBe(0);
  });

  it('sensitivity passes over layer groups say which pass', () => {
    expect(counter('sensitivities', 200, 304, 152)).toBe('sensitivity points 48 of 152, layer group 2 of 2');
    expect(counter('sensitivities', 304, 304, 152)).toBe('sensitivity points 152 of 152, layer group 2 of 2');
    expect(counter('snip', 3, 152, 152)).toBe('sensitivity points 3 of 152');
  });

  it('curve counter names curve points', () => {
    const c = { ...base().curves, running: true, stage: 'curves', done: 3, total: 90 };
    expect(curvesLine(c, 152)).toBe('Computing curves: curve points 3 of 90');
    const prep = { ...c, stage: 'sensitivities', done: 10, total: 152 };
    expect(curvesLine(prep, 152)).toMatch(/sensitivity points 10 of 152/);
  });

  it('a curve is complete only with every grid point', () => {
    const c = base().curves;
    const pts = SPARSITY_GRID.map((s) => ({
      method: 'wt' as const,
      sparsity: s,
      achievedSparsity: s,
      withinTolerance: true,
      accuracy: 0.9,
      agreement: 1,
    }));
    expect(curveCompleteness({ ...c, points: pts.slice(0, 3) }, 'wt')).toEqual({
      have: 3,
      of: SPARSITY_GRID.length,
    });
    expect(curveCompleteness({ ...c, points: pts }, 'wt').have).toBe(SPARSITY_GRID.length);
    expect(curveCompleteness({ ...c, points: pts }, 'sipp').have).toBe(0);
  });
});

describe('slider track', () => {
  it('gives 90-99.9 % the second half of the track', () => {
    expect(toTrack(0)).toBe(0);
    expect(toTrack(0.9)).toBeCloseTo(KNEE, 12);
    expect(toTrack(SLIDER_MAX)).toBeCloseTo(1, 12);
    expect(toTrack(0.45)).toBeCloseTo(0.25, 12);
    expect(fromTrack(0.75)).toBe(0.95);
    expect(fromTrack(1)).toBe(SLIDER_MAX);
  });

  it('round-trips every value the keyboard can reach', () => {
    for (let s = 0; s <= SLIDER_MAX + 1e-9; s = stepSparsity(s, 1)) {
      expect(fromTrack(toTrack(s))).toBe(s);
      if (s === SLIDER_MAX) break;
    }
    for (let i = 0; i <= 999; i++) expect(fromTrack(toTrack(i / 1000))).toBe(i / 1000);
  });

  it('writes a target one way everywhere', () => {
    expect(targetPct(0.9)).toBe('90.0 %');
    expect(targetPct(0.995)).toBe('99.5 %');
    expect(targetPct(0.901)).toBe('90.1 %');
  });
});

describe('method help', () => {
  it('every method has two or three plain sentences and no section numbers', () => {
    for (const k of METHOD_KEYS) {
      const h = METHOD_HELP[k];
      const sentences = h.text.split(/(?<=\.)\s+/).filter(Boolean);
      expect(sentences.length, k).toBeGreaterThanOrEqual(2);
      expect(sentences.length, k).toBeLessThanOrEqual(3);
      expect(h.text, k).not.toMatch(/§/);
      expect(h.source, k).not.toMatch(/§/);
    }
    expect(METHOD_HELP.sipp.href).toBe('https://arxiv.org/abs/1910.05422');
  });
});

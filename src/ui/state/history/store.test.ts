import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../report/types';
import { FP_A, FP_B, FP_BATCH, sampleRecord } from '../../../test-support/run-record';
import { IdbBackend } from './idb';
import {
  exportRuns,
  mismatch,
  parseExport,
  quotaProblem,
  recordBytes,
  RunStore,
  sameEvaluation,
  type RunBackend,
} from './store';

class MemoryBackend implements RunBackend {
  readonly map = new Map<string, RunRecord>();
  failNext: Error | null = null;
  async all() {
    return [...this.map.values()].map((r) => structuredClone(r));
  }
  async put(r: RunRecord) {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = null;
      throw e;
    }
    this.map.set(r.id, structuredClone(r));
  }
  async delete(id: string) {
    this.map.delete(id);
  }
}

const roomy = async () => ({ usage: 1e6, quota: 1e9 });
const two = () => [
  sampleRecord(),
  sampleRecord({
    id: 'run-2',
    name: 'WT 90 %',
    createdAt: '2026-12-02T11:00:00.000Z',
    predictions: [7, 8, 7, 7, 1, 8],
  }),
];

describe('run history (store logic)', () => {
  it('keeps two runs, lists them newest first with their numbers; deleting one keeps the other', async () => {
    const store = new RunStore(new MemoryBackend(), roomy);
    for (const r of two()) expect((await store.keep(r)).ok).toBe(true);
    const list = await store.list();
    expect(list.map((r) => r.name)).toEqual(['WT 90 %', 'SiPP 90 %']);
    expect(list[1].metrics.accuracy).toBe(0.6667);
    await store.remove('run-2');
    expect((await store.list()).map((r) => r.id)).toEqual(['run-1']);
  });

  it('renames (trimmed; an empty name is refused)', async () => {
    const store = new RunStore(new MemoryBackend(), roomy);
    await store.keep(sampleRecord());
    expect((await store.rename('run-1', '  best so far '))?.name).toBe('best so far');
    expect(await store.rename('run-1', '   ')).toBeNull();
    expect((await store.list())[0].name).toBe('best so far');
  });

  it('a full quota is reported before writing, and nothing stored is lost', async () => {
    const backend = new MemoryBackend();
    let usage = 1000;
    const store = new RunStore(backend, async () => ({ usage, quota: 1e9 }));
    await store.keep(sampleRecord());
    usage = 0.9e9 - 10; // less room than one record
    const out = await store.keep(sampleRecord({ id: 'run-2' }));
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.code).toBe('quota');
      expect(out.message).toMatch(/nearly full.*unchanged/);
    }
    expect((await store.list()).map((r) => r.id)).toEqual(['run-1']);
  });

  it('a write the browser refuses with QuotaExceededError is reported the same way', async () => {
    const backend = new MemoryBackend();
    const store = new RunStore(backend, async () => null);
    await store.keep(sampleRecord());
    const e = new Error('The quota has been exceeded.');
    e.name = 'QuotaExceededError';
    backend.failNext = e;
    const out = await store.keep(sampleRecord({ id: 'run-2' }));
    expect(out).toMatchObject({ ok: false, code: 'quota' });
    expect((await store.list()).map((r) => r.id)).toEqual(['run-1']);
  });

  it('quotaProblem: fits, does not fit, unknown', () => {
    expect(quotaProblem(100, { usage: 0, quota: 1000 })).toBeNull();
    expect(quotaProblem(1000, { usage: 0, quota: 1000 })).toMatch(/Not kept/);
    expect(quotaProblem(1e9, null)).toBeNull();
    expect(recordBytes(sampleRecord())).toBeGreaterThan(1000);
  });

  it('export then import reproduces the list; junk and bad records are refused with a reason', async () => {
    const a = new RunStore(new MemoryBackend(), roomy);
    for (const r of two()) await a.keep(r);
    const file = exportRuns(await a.list());
    const b = new RunStore(new MemoryBackend(), roomy);
    const out = await b.import(file);
    expect(out.skipped).toEqual([]);
    expect(await b.list()).toEqual(await a.list());
    // Importing again adds nothing.
    expect((await b.import(file)).added).toEqual([]);
    expect(parseExport('nope').refused[0]).toMatch(/not JSON/);
    expect(parseExport('{"runs": []}').refused[0]).toMatch(/not a SiPP Studio run export/);
    const broken = JSON.parse(file);
    broken.runs[0].model.fingerprint = 'xyz';
    broken.runs[1].predictions = [1];
    const p = parseExport(JSON.stringify(broken));
    expect(p.records).toEqual([]);
    expect(p.refused.join(' ')).toMatch(/no model fingerprint/);
    expect(p.refused.join(' ')).toMatch(/predictions do not match/);
  });

  it('a fingerprint mismatch is refused with a message', () => {
    const r = sampleRecord();
    expect(mismatch(r, { model: FP_A, batch: FP_BATCH, points: 4 })).toBeNull();
    expect(mismatch(r, { model: FP_B, batch: FP_BATCH, points: 4 })).toMatch(
      /was made on model lenet-300-100 \(fingerprint aaaaaaaa\).*bbbbbbbb/,
    );
    expect(mismatch(r, { model: FP_A, batch: FP_B, points: 4 })).toMatch(/Load the same batch/);
    expect(mismatch(r, { model: FP_A, batch: FP_B, points: 4 }, false)).toBeNull();
    expect(mismatch(r, { model: FP_A, batch: FP_BATCH, points: 5 })).toMatch(/4 sensitivity points/);
    expect(sameEvaluation(r, sampleRecord({ model: { ...r.model, fingerprint: FP_B } }))).toMatch(
      /different models/,
    );
  });

  it('IndexedDB backend (fake-indexeddb): survives a new connection, as after a reload', async () => {
    const factory = new IDBFactory();
    const store = new RunStore(new IdbBackend(factory, 'test-db'), roomy);
    for (const r of two()) await store.keep(r);
    // A fresh backend on the same factory is what a reloaded page gets.
    const reloaded = new RunStore(new IdbBackend(factory, 'test-db'), roomy);
    expect((await reloaded.list()).map((r) => [r.name, r.metrics.accuracy])).toEqual([
      ['WT 90 %', 0.6667],
      ['SiPP 90 %', 0.6667],
    ]);
    await reloaded.remove('run-1');
    expect((await new RunStore(new IdbBackend(factory, 'test-db'), roomy).list()).map((r) => r.id)).toEqual([
      'run-2',
    ]);
  });
});

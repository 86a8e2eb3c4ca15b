// The per-class view and the flipped samples the worker sends, checked against predictions
// recomputed here from the model the app would download (stock tf.loadLayersModel), not from the
// worker's own code path.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBatchFiles } from '../core';
import { useBackend } from '../test-support/tf-node';
import type { PoolFile } from './files';
import { Jobs } from './jobs';
import type { ClassesSummary, Event, EventOf, SampleView } from './protocol';
import { RunsJobs } from './runs-jobs';
import { Workspace } from './workspace';

const DEMO = new URL('../../public/demo/', import.meta.url);
const read = (path: string, name = path): PoolFile => ({
  name,
  data: new Uint8Array(readFileSync(new URL(path, DEMO))),
  demo: false,
});
const POINTS = 40;

async function setUp(model: 'lenet-300-100' | 'lenet5') {
  const ws = new Workspace();
  ws.options = { scaleUint8: false, points: POINTS };
  const events: Event[] = [];
  const post = (e: Event) => events.push(e);
  const jobs = new Jobs(ws, post);
  const runs = new RunsJobs(ws, jobs, post);
  ws.add([
    read(`${model}/model.json`, 'model.json'),
    read(`${model}/weights.bin`, 'weights.bin'),
    read('mnist-holdout-1000.npz'),
  ]);
  await ws.sync();
  expect(ws.summary().ready).toBe(true);
  await jobs.prepare({ type: 'prepare', id: 1, methods: ['wt'] });
  return { ws, jobs, runs, events };
}

async function downloaded(jobs: Jobs, events: Event[]): Promise<tf.LayersModel> {
  await jobs.export({ type: 'export', id: 3, name: 'm', method: 'wt', sparsity: 0.9, seed: 0 });
  const ex = events.find((e): e is EventOf<'exported'> => e.type === 'exported')!;
  const json = JSON.parse(
    new TextDecoder().decode(ex.result.files.find((f) => f.name.endsWith('.json'))!.data),
  );
  const bin = ex.result.files.find((f) => f.name.endsWith('.bin'))!.data;
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bin,
    }),
  );
}

describe('per-class view and flipped samples (worker)', () => {
  beforeAll(() => useBackend('wasm'));

  it('numbers equal those recomputed from the downloaded model; flips are where predictions differ', async () => {
    const { ws, jobs, runs, events } = await setUp('lenet-300-100');
    const answer = await runs.classes({ type: 'classes', id: 2, method: 'wt', sparsity: 0.9, seed: 0 });
    expect(answer?.type).toBe('classes');
    const r = (answer as EventOf<'classes'>).report as ClassesSummary;

    const batch = parseBatchFiles([read('mnist-holdout-1000.npz')]);
    const x = tf.tensor(batch.x.subarray(POINTS * 784), [1000 - POINTS, 784]);
    const labels = batch.y!.slice(POINTS);
    const pruned = await downloaded(jobs, events);
    const p = (await (pruned.predict(x) as tf.Tensor).argMax(-1).data()) as Int32Array;
    const d = (await (ws.model!.loaded.model.predict(x) as tf.Tensor).argMax(-1).data()) as Int32Array;

    expect(r.evalPoints).toBe(1000 - POINTS);
    expect(r.points).toBe(POINTS);
    expect(r.predictions).toEqual([...p]);
    // Per class, recomputed by hand.
    for (const row of r.classes) {
      let n = 0;
      let dr = 0;
      let pr = 0;
      for (let i = 0; i < labels.length; i++) {
        if (labels[i] !== row.cls) continue;
        n++;
        if (d[i] === row.cls) dr++;
        if (p[i] === row.cls) pr++;
      }
      expect(row.samples).toBe(n);
      expect(row.dense).toBeCloseTo(dr / n, 12);
      expect(row.pruned).toBeCloseTo(pr / n, 12);
    }
    expect(r.classes.reduce((s, c) => s + c.samples, 0)).toBe(labels.length);
    // Sorted by damage.
    for (let i = 1; i < r.classes.length; i++)
      expect(r.classes[i].change).toBeGreaterThanOrEqual(r.classes[i - 1].change);
    expect(r.accuracyPruned).toBeCloseTo(
      p.reduce((s, c, i) => s + (c === labels[i] ? 1 : 0), 0) / labels.length,
      12,
    );
    // Flips: exactly the indices where the two predictions differ, lost ones first.
    const differ = [...p.keys()].filter((i) => p[i] !== d[i]);
    expect(r.flips.map((f) => f.index).sort((a, b) => a - b)).toEqual(differ);
    const kinds = r.flips.map((f) => f.kind);
    expect(kinds.indexOf('gained') === -1 || kinds.lastIndexOf('lost') < kinds.indexOf('gained')).toBe(true);
    for (const f of r.flips) {
      expect(f.dense).toBe(d[f.index]);
      expect(f.pruned).toBe(p[f.index]);
      expect(f.prunedConf).toBeGreaterThan(0);
      expect(f.prunedConf).toBeLessThanOrEqual(1);
    }
    // Lost samples went where the shifts say.
    const lost = r.flips.filter((f) => f.kind === 'lost');
    expect(r.shifts.reduce((s, x) => s + x.count, 0)).toBe(lost.length);
    // A flat 784 is drawn as 28×28, as an assumption.
    expect(r.layout).toMatchObject({ kind: 'image', height: 28, width: 28, source: 'square' });
    x.dispose();
    pruned.dispose();
    ws.unload();
  });

  it('a retrained model (by resultId) is compared with the dense one, and an unknown id is refused', async () => {
    const { ws, jobs, runs } = await setUp('lenet-300-100');
    const s = ws.session!;
    // Stands in for a retrained result: any PruneResult on this session, kept under an id.
    const other = await s.prune('wt', 0.95, { seed: 0 });
    jobs.trainedLookup = {
      trained: (id) => {
        if (id !== 'r1') throw new Error(`no result ${id}`);
        return other;
      },
    };
    const e = (await runs.classes({
      type: 'classes',
      id: 9,
      method: 'wt',
      sparsity: 0.9,
      seed: 0,
      resultId: 'r1',
    })) as EventOf<'classes'>;
    expect(e.report.resultId).toBe('r1');
    expect(e.report.targetSparsity).toBe(0.95);
    const evalOther = await s.evaluate(other);
    expect(e.report.accuracyPruned).toBeCloseTo(evalOther.accuracy!, 12);
    expect(e.report.agreement).toBeCloseTo(evalOther.agreement, 12);
    await expect(
      runs.classes({ type: 'classes', id: 10, method: 'wt', sparsity: 0.9, seed: 0, resultId: 'nope' }),
    ).rejects.toThrow(/no result nope/);
    ws.unload();
  });

  it('sends the pixels of a page of samples and refuses indices outside the evaluation points', async () => {
    const { ws, runs, events } = await setUp('lenet5');
    runs.samples({ type: 'samples', id: 5, indices: [0, 7] });
    const e = events.find((x): x is EventOf<'samples'> => x.type === 'samples')!;
    expect(e.layout).toMatchObject({ kind: 'image', height: 28, width: 28, channels: 1, source: 'input' });
    const batch = parseBatchFiles([read('mnist-holdout-1000.npz')]);
    const s7 = e.samples[1] as SampleView;
    expect(s7.index).toBe(7);
    expect([...s7.pixels!]).toEqual([...batch.x.subarray((POINTS + 7) * 784, (POINTS + 8) * 784)]);
    expect(() => runs.samples({ type: 'samples', id: 6, indices: [5000] })).toThrow(
      /not an evaluation point/,
    );
    ws.unload();
  });

  it('fingerprints: SHA-256 of the bytes, stable, different for different models', async () => {
    const a = await setUp('lenet-300-100');
    const fa = (await a.runs.fingerprint({ type: 'fingerprint', id: 1 })) as EventOf<'fingerprint'>;
    const again = (await a.runs.fingerprint({ type: 'fingerprint', id: 2 })) as EventOf<'fingerprint'>;
    expect(fa.fingerprints.model).toMatch(/^[0-9a-f]{64}$/);
    expect(again.fingerprints).toEqual(fa.fingerprints);
    // SHA-256 of model.json then the shard, as the CLI's report computes it (src/cli/report-record.ts).
    const h = createHash('sha256');
    h.update(read('lenet-300-100/model.json').data);
    h.update(read('lenet-300-100/weights.bin').data);
    expect(fa.fingerprints.model).toBe(h.digest('hex'));
    expect(fa.fingerprints.batch).toBe(
      createHash('sha256').update(read('mnist-holdout-1000.npz').data).digest('hex'),
    );
    const b = await setUp('lenet5');
    const fb = (await b.runs.fingerprint({ type: 'fingerprint', id: 1 })) as EventOf<'fingerprint'>;
    expect(fb.fingerprints.model).not.toBe(fa.fingerprints.model);
    expect(fb.fingerprints.batch).toBe(fa.fingerprints.batch);
    a.ws.unload();
    b.ws.unload();
  });
});

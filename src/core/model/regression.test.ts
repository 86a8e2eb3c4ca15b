// Runs every case of fixtures/cases.json (made by scripts/make-model-fixtures.ts) through loadModel.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SippError } from '../util/errors';
import { loadModel } from './load';
import { analyzeModel } from './prunable';

const DIR = path.join(__dirname, 'fixtures');

// The row schema is scripts/model-fixtures/types.ts (Expect), which documents each field.
type Expect =
  | {
      ok: true;
      layers: number;
      outputShape: Array<number | null>;
      /** Absent only where predictFails says that tfjs 4.22 cannot run the model. */
      reference?: string;
      predictFails?: string;
      notice?: string;
      name?: string;
      /** analyzeModel's prunable layers, in order (key and className). */
      prunable?: Array<{ key: string; className: string }>;
      /** Every layer with parameters that analyzeModel does not prune, in order, with a reason substring. */
      skipped?: Array<{ key: string; reason: string }>;
    }
  | { error: string; message?: string };
interface Case {
  id: string;
  why: string;
  files: string[];
  expect: Expect;
}

const cases: Case[] = JSON.parse(fs.readFileSync(path.join(DIR, 'cases.json'), 'utf8'));
const read = (c: Case) =>
  c.files.map((f) => ({ name: f, data: new Uint8Array(fs.readFileSync(path.join(DIR, f))) }));

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

describe('model regression table', () => {
  it('has at least 25 malformed cases and covers every dialect', () => {
    expect(cases.filter((c) => 'error' in c.expect).length).toBeGreaterThanOrEqual(25);
    for (const v of [
      'tfjs',
      'keras2-old',
      'keras2-new',
      'keras3',
      'uint8',
      'uint16',
      'float16',
      'multishard',
    ]) {
      expect(cases.some((c) => 'ok' in c.expect && c.id.includes(v))).toBe(true);
    }
  });

  it('has an expected pruning outcome for every prunable layer kind in each dialect', () => {
    const kinds = [
      'Conv1D',
      'Dense',
      'TimeDistributed(Dense)',
      'TimeDistributed(Conv2D)',
      'SeparableConv2D',
      'Conv2DTranspose',
    ];
    for (const dialect of ['/tfjs', '/keras2-new', '/keras3']) {
      const rows = cases.filter((c) => c.id.endsWith(dialect) && 'ok' in c.expect);
      const found = new Set(rows.flatMap((c) => ('ok' in c.expect ? (c.expect.prunable ?? []) : [])));
      for (const k of kinds)
        expect(
          [...found].some((p) => p.className === k),
          `${k} in ${dialect}`,
        ).toBe(true);
      const reasons = rows.flatMap((c) => ('ok' in c.expect ? (c.expect.skipped ?? []) : []));
      for (const r of ['causal', 'depthwise']) expect(reasons.some((s) => s.reason.includes(r))).toBe(true);
      const nothing = rows.some((c) => 'ok' in c.expect && c.expect.prunable?.length === 0);
      expect(nothing, `a model with no prunable layer in ${dialect}`).toBe(true);
    }
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const before = tf.memory().numTensors;
    const e = c.expect;
    if ('error' in e) {
      const err = await loadModel(read(c)).then(
        () => null,
        (x: unknown) => x,
      );
      expect(err, `${c.id} should fail (${c.why})`).toBeInstanceOf(SippError);
      expect((err as SippError).code, (err as SippError).message).toBe(e.error);
      if (e.message) expect((err as SippError).message).toContain(e.message);
      expect(tf.memory().numTensors).toBe(before);
      return;
    }
    const loaded = await loadModel(read(c));
    try {
      expect(loaded.model.layers.length).toBe(e.layers);
      expect(loaded.model.outputs[0].shape).toEqual(e.outputShape);
      if (e.notice) expect(loaded.notices.join('\n')).toContain(e.notice);
      if (e.name) expect(loaded.name).toBe(e.name);
      if (e.prunable || e.skipped) {
        const info = analyzeModel(loaded.model);
        if (e.prunable) {
          const got = info.prunable.map((p) => ({ key: p.key, className: p.className }));
          expect(got, 'prunable layers').toEqual(e.prunable);
        }
        if (e.skipped) {
          const got = info.layers.filter((l) => l.skippedReason);
          expect(
            got.map((l) => l.key),
            'skipped layers',
          ).toEqual(e.skipped.map((s) => s.key));
          e.skipped.forEach((s, i) => expect(got[i].skippedReason).toContain(s.reason));
        }
      }
      if (e.predictFails) {
        // tfjs cannot run the model (causal Conv1D): it must still load; prediction fails inside tfjs.
        const shape = [1, ...loaded.model.inputs[0].shape.slice(1).map((d) => d ?? 1)];
        expect(() => tf.tidy(() => loaded.model.predict(tf.zeros(shape)))).toThrow(e.predictFails);
      } else {
        expect(e.reference, 'an ok row needs a reference unless predictFails').toBeDefined();
        const ref = JSON.parse(fs.readFileSync(path.join(DIR, e.reference as string), 'utf8'));
        const got = tf.tidy(() =>
          (loaded.model.predict(tf.tensor(ref.input, ref.inputShape)) as tf.Tensor).dataSync(),
        );
        expect(got.length).toBe(ref.output.length);
        let worst = 0;
        got.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ref.output[i]))));
        expect(worst, 'max abs difference to the reference output').toBeLessThan(1e-5);
      }
    } finally {
      loaded.model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

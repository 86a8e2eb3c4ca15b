// Runs every case of fixtures/cases.json (made by scripts/make-model-fixtures.ts) through loadModel.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SippError } from '../util/errors';
import { loadModel } from './load';

const DIR = path.join(__dirname, 'fixtures');

type Expect =
  | {
      ok: true;
      layers: number;
      outputShape: Array<number | null>;
      reference: string;
      notice?: string;
      name?: string;
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
      const ref = JSON.parse(fs.readFileSync(path.join(DIR, e.reference), 'utf8'));
      const got = tf.tidy(() =>
        (loaded.model.predict(tf.tensor(ref.input, ref.inputShape)) as tf.Tensor).dataSync(),
      );
      expect(got.length).toBe(ref.output.length);
      let worst = 0;
      got.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ref.output[i]))));
      expect(worst, 'max abs difference to the reference output').toBeLessThan(1e-5);
    } finally {
      loaded.model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

// prune --quantize: the written files are what the JSON says (sizes, format), stock tfjs loads
// them with zeros intact, and accuracyQuantized is the accuracy of exactly that loaded model.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { gzipSync } from 'fflate';
import { cli } from '../test-support/cli';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpz } from '../core/export/npz';
import { exportModel } from '../core/export/model';
import { mlp } from '../test-support/models';
import { rng, useBackend } from '../test-support/tf-node';

const dir = mkdtempSync(join(tmpdir(), 'sipp-cli-q-'));
const N = 60;
const POINTS = 20;
let x: Float32Array;
let labels: Int32Array;
/** The original model's answers. */
let dense: Int32Array;

beforeAll(async () => {
  await useBackend('cpu');
  const model = mlp([20, 100, 5], 4, 0.05);
  // One large weight in fc1 stretches its uint8 step: quantisation then visibly moves the answers,
  // so accuracyQuantized can only match the loaded model if it really is that model's accuracy.
  const k = model.weights[0].read().dataSync().slice();
  k[3] = 4;
  const big = tf.tensor(k, model.weights[0].shape as number[]);
  model.weights[0].write(big);
  big.dispose();
  for (const f of (await exportModel(model, { name: 'tiny' })).files)
    writeFileSync(join(dir, f.name), f.data);
  const r = rng(9);
  x = Float32Array.from({ length: N * 20 }, () => r());
  // Labels: the model's answers with a few flipped, so that accuracy is not trivially agreement.
  const y = tf.tidy(() => (model.predict(tf.tensor2d(x, [N, 20])) as tf.Tensor).argMax(-1).dataSync());
  dense = Int32Array.from(y);
  labels = Int32Array.from(y, (v, i) => (i % 7 === 0 ? (v + 1) % 5 : v));
  writeFileSync(
    join(dir, 'batch.npz'),
    encodeNpz({ x: { shape: [N, 20], data: x }, y: { shape: [N], data: labels } }),
  );
  model.dispose();
});

describe('prune --quantize', () => {
  it('uint8 --json: sizes as written, stock tfjs loads it with zeros intact, accuracyQuantized is its accuracy', async () => {
    const out = join(dir, 'q8');
    const r = await cli([
      'prune',
      '--model',
      join(dir, 'model.json'),
      '--batch',
      join(dir, 'batch.npz'),
      '--sparsity',
      '0.5',
      '--method',
      'wt',
      '--quantize',
      'uint8',
      '--out',
      out,
      '--points',
      String(POINTS),
      '--backend',
      'cpu',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.quantize).toBe('uint8');
    expect(j.output.weights).toBe('uint8');
    const files = j.output.files.map((f: string) => new Uint8Array(readFileSync(join(out, f))));
    expect(j.output.rawBytes).toBe(files.reduce((s: number, f: Uint8Array) => s + f.byteLength, 0));
    expect(j.output.gzipBytes).toBe(
      files.reduce((s: number, f: Uint8Array) => s + gzipSync(f, { level: 9 }).byteLength, 0),
    );
    // One byte per weight: every weight of this model is float32.
    expect(files[1].byteLength).toBe(j.totalParams);
    expect(j.output.totalWeights).toBe(j.totalParams);

    const json = JSON.parse(new TextDecoder().decode(files[0]));
    const specs = json.weightsManifest[0].weights;
    expect(specs.every((s: { quantization?: { dtype: string } }) => s.quantization?.dtype === 'uint8')).toBe(
      true,
    );
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: files[1].slice().buffer,
      }),
    );
    const ws = model.getWeights().map((w) => w.dataSync());
    const zeros = ws.reduce((s, a) => s + a.filter((v) => v === 0).length, 0);
    // The pruned zeros load as zeros (quantisation may round a tiny weight to zero as well).
    expect(zeros).toBeGreaterThanOrEqual(j.totalParams - j.nonzeroParams);
    expect(j.output.nonzeroParams).toBe(j.totalParams - zeros);

    const evalX = tf.tensor2d(x.slice(POINTS * 20), [N - POINTS, 20]);
    const cls = tf.tidy(() => (model.predict(evalX) as tf.Tensor).argMax(-1).dataSync());
    const right = cls.filter((c, i) => c === labels[POINTS + i]).length;
    expect(j.accuracyQuantized).toBe(right / (N - POINTS));
    expect(j.accuracyQuantized).not.toBe(j.accuracyAfter);
    const same = cls.filter((c, i) => c === dense[POINTS + i]).length;
    expect(j.agreementQuantized).toBe(same / (N - POINTS));
    tf.dispose(evalX);
    model.dispose();
  });

  it('finetune --quantize float16 writes float16 weights and reports the written model', async () => {
    const out = join(dir, 'ft16');
    const r = await cli([
      'finetune',
      '--model',
      join(dir, 'model.json'),
      '--batch',
      join(dir, 'batch.npz'),
      '--split',
      '0.5',
      '--sparsity',
      '0.5',
      '--method',
      'wt',
      '--epochs',
      '1',
      '--points',
      '10',
      '--quantize',
      'float16',
      '--out',
      out,
      '--backend',
      'cpu',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout).steps[0].output;
    expect(o.weights).toBe('float16');
    expect(typeof o.accuracyQuantized).toBe('number');
    expect(typeof o.agreementQuantized).toBe('number');
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].weights[0].quantization).toEqual({
      dtype: 'float16',
      original_dtype: 'float32',
    });
    expect(readFileSync(join(out, o.files[1])).byteLength).toBe(2 * o.totalWeights);
  });

  it('refuses an unknown format before doing any work', async () => {
    const r = await cli([
      'prune',
      '--model',
      join(dir, 'model.json'),
      '--batch',
      join(dir, 'batch.npz'),
      '--sparsity',
      '0.5',
      '--quantize',
      'int4',
      '--out',
      join(dir, 'never'),
      '--json',
    ]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'bad-argument' });
    expect(r.stderr).toMatch(/--quantize must be float16, uint8 or uint16/);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });
});

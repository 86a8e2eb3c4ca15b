// A MobileNet-size input (224x224x3) with a batch of 1,000 samples through the CLI on wasm: every
// chunk of work must be bounded by bytes (a fixed 256-sample chunk of this model's activations is
// about 5 GB and ran the 4 GB wasm heap out of bounds). Few sensitivity points keep it quick; the
// batch stays large. The model is generated with random weights: only its shapes matter here.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportModel } from '../core/export/model';
import { encodeNpy } from '../core/export/npz';
import { rng, useBackend } from '../test-support/tf-node';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'sipp-large-'));
const N = 1000;
const SIDE = 224;

/** Wide, cheap activations: 48 channels at full resolution from a 1x1 conv (19 MB a sample with its ReLU). */
function wideModel(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [SIDE, SIDE, 3], filters: 48, kernelSize: 1 }));
  m.add(tf.layers.reLU({}));
  m.add(tf.layers.maxPooling2d({ poolSize: 4 }));
  m.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, activation: 'relu' }));
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return m;
}

beforeAll(async () => {
  await useBackend('cpu');
  const model = wideModel();
  for (const f of (await exportModel(model, { name: 'wide' })).files)
    writeFileSync(join(dir, f.name), f.data);
  model.dispose();
  const r = rng(3);
  const x = new Uint8Array(N * SIDE * SIDE * 3);
  for (let i = 0; i < x.length; i++) x[i] = (r() * 256) | 0;
  writeFileSync(join(dir, 'x.npy'), encodeNpy({ shape: [N, SIDE, SIDE, 3], data: x }));
  const y = Int32Array.from({ length: N }, () => (r() * 10) | 0);
  writeFileSync(join(dir, 'y.npy'), encodeNpy({ shape: [N], data: y }));
});

describe('a 224x224x3 model with 1,000 samples', () => {
  it('prunes through the CLI on wasm, chunked by bytes, and reports every sample evaluated', async () => {
    const args = ['--import', 'tsx', 'src/cli/main.ts', 'prune'];
    args.push('--model', join(dir, 'model.json'), '--batch', `${join(dir, 'x.npy')},${join(dir, 'y.npy')}`);
    args.push('--scale-uint8', '--points', '4', '--sparsity', '0.5', '--method', 'wt', '--json');
    args.push('--out', join(dir, 'out'));
    const r = await run(process.execPath, args, { maxBuffer: 64 << 20 }).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    const j = JSON.parse(r.stdout);
    expect(j.error).toBeUndefined();
    expect(j.evalPoints).toBe(N - 4);
    expect(j.achievedSparsity).toBeGreaterThan(0.45);
  }, 300_000);
});

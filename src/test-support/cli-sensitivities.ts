// The CLI's `sensitivities` against the float64 reference (plain loops, no tfjs) on shapes and data
// the kernels were not written against: single-layer models, so the reference sees exactly the
// points the CLI reads. Shared by the webgpu and the wasm checks (src/cli/cli-webgpu.test.ts,
// src/core/sensitivity/cli-wasm.test.ts).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { beforeAll, expect, it } from 'vitest';
import { parseNpy } from '../core/data/npy';
import { encodeNpz } from '../core/export/npz';
import { exportModel } from '../core/export/model';
import { referenceSensitivity, type RefLayer } from './reference64';
import { expectClose, rng, useBackend } from './tf-node';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'sipp-cli-sens-'));

interface Case {
  name: string;
  layer: tf.layers.Layer;
  pointShape: number[];
  ref: Omit<RefLayer, 'kernel'>;
}

const cases = (): Case[] => [
  {
    name: 'dense-37-19',
    layer: tf.layers.dense({ inputShape: [37], units: 19, name: 'fc' }),
    pointShape: [37],
    ref: { kind: 'dense', kernelShape: [37, 19] },
  },
  {
    name: 'conv-5x5-s2-same',
    layer: tf.layers.conv2d({
      inputShape: [9, 11, 3],
      filters: 7,
      kernelSize: 5,
      strides: 2,
      padding: 'same',
      name: 'conv',
    }),
    pointShape: [9, 11, 3],
    ref: { kind: 'conv2d', kernelShape: [5, 5, 3, 7], strides: [2, 2], dilation: [1, 1], padding: 'same' },
  },
  {
    name: 'conv-3x2-d2-valid',
    layer: tf.layers.conv2d({
      inputShape: [10, 8, 2],
      filters: 67,
      kernelSize: [3, 2],
      dilationRate: 2,
      padding: 'valid',
      name: 'conv',
    }),
    pointShape: [10, 8, 2],
    ref: { kind: 'conv2d', kernelShape: [3, 2, 2, 67], strides: [1, 1], dilation: [2, 2], padding: 'valid' },
  },
];

const POINTS = 6;
const prepared = new Map<string, { kernel: Float64Array; points: Float64Array[] }>();

/** Writes the cases' models and batches once (call inside the file, outside or inside describe). */
function prepareCases(): void {
  beforeAll(async () => {
    await useBackend('cpu');
    const r = rng(2026);
    for (const c of cases()) {
      const model = tf.sequential({ layers: [c.layer] });
      const [w, b] = model.layers[0].getWeights();
      // Signed weights with exact zeros; mixed-sign inputs, so both sign copies of §1.3 are exercised.
      const kernel = Float32Array.from({ length: w.size }, () => (r() < 0.05 ? 0 : r() * 2 - 1));
      const wt = tf.tensor(kernel, w.shape);
      model.layers[0].setWeights([wt, b]);
      wt.dispose();
      const size = c.pointShape.reduce((p, d) => p * d, 1);
      const x = Float32Array.from({ length: 2 * POINTS * size }, () => (r() < 0.1 ? 0 : r() * 2 - 1));
      // model.json names its shard, so each case keeps the pair in a folder of its own.
      const caseDir = join(dir, c.name);
      mkdirSync(caseDir);
      for (const f of (await exportModel(model, { name: c.name })).files)
        writeFileSync(join(caseDir, f.name), f.data);
      writeFileSync(
        join(caseDir, 'x.npz'),
        encodeNpz({ x: { shape: [2 * POINTS, ...c.pointShape], data: x } }),
      );
      prepared.set(c.name, {
        kernel: Float64Array.from(kernel),
        points: Array.from({ length: POINTS }, (_, n) =>
          Float64Array.from(x.subarray(n * size, (n + 1) * size)),
        ),
      });
      model.dispose();
    }
  });
}

export interface CliKernelRun {
  /** The kernel the CLI must report (`sensitivityKernel`). */
  kernel: string;
  /** Extra environment (e.g. SIPP_SENSITIVITY_KERNEL=cpu-loops). */
  env?: Record<string, string>;
  /** The cases to run (default: all). */
  only?: (caseName: string) => boolean;
}

/** Registers one test per (kernel run, case, reduction): `sensitivities --backend <backend>`. */
export function cliSensitivityTests(backend: string, runs: CliKernelRun[]): void {
  prepareCases();
  for (const k of runs)
    for (const c of cases()) {
      if (k.only && !k.only(c.name)) continue;
      for (const reduction of c.ref.kind === 'dense' ? ['max'] : ['mean', 'max']) {
        it(`${k.kernel}: ${c.name}, ${reduction}`, async () => {
          const out = join(dir, `${backend}-${k.kernel}-${c.name}-${reduction}.npz`);
          const r = await run(
            process.execPath,
            [
              ...['--import', 'tsx', 'src/cli/main.ts', 'sensitivities'],
              ...['--model', join(dir, c.name, 'model.json'), '--batch', join(dir, c.name, 'x.npz')],
              ...['--points', String(POINTS), '--reduction', reduction, '--backend', backend],
              ...['--out', out, '--json'],
            ],
            { cwd: process.cwd(), maxBuffer: 16 << 20, env: { ...process.env, ...k.env } },
          );
          expect(JSON.parse(r.stdout)).toMatchObject({ backend, sensitivityKernel: k.kernel });
          const npz = unzipSync(readFileSync(out));
          const [key] = Object.keys(npz);
          const got = parseNpy(npz[key], key);
          expect(got.shape).toEqual(c.ref.kernelShape);
          const { kernel, points } = prepared.get(c.name)!;
          const want = referenceSensitivity(
            { ...c.ref, kernel },
            points,
            c.pointShape,
            reduction as 'mean' | 'max',
          );
          expectClose(got.data as Float32Array, want);
        }, 60_000);
      }
    }
}

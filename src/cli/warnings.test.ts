// The CLI's --json carries the same sanity warnings as the app (core/data/warnings.ts), and the
// written model.json the userDefinedMetadata.sippStudio block.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpz } from '../core/export/npz';
import { exportModel } from '../core/export/model';
import { TOOL_VERSION } from '../core/export/metadata';
import { cli } from '../test-support/cli';
import { mlp } from '../test-support/models';
import { rng, useBackend } from '../test-support/tf-node';

const dir = mkdtempSync(join(tmpdir(), 'sipp-cli-warn-'));

beforeAll(async () => {
  await useBackend('cpu');
  const model = mlp([20, 30, 5], 4, 0.05);
  for (const f of (await exportModel(model, { name: 'five' })).files)
    writeFileSync(join(dir, f.name), f.data);
  model.dispose();
  const r = rng(3);
  const n = 20;
  // Integer inputs 0..255 and labels 0..1 into a 5-class model: 20 samples.
  const x = Float32Array.from({ length: n * 20 }, () => Math.floor(r() * 256));
  const y = Int32Array.from({ length: n }, (_, i) => i % 2);
  writeFileSync(
    join(dir, 'batch.npz'),
    encodeNpz({ x: { shape: [n, 20], data: x }, y: { shape: [n], data: y } }),
  );
});

describe('cli warnings', () => {
  it('prune --json: warnings [{code, message}] for 20 samples with labels 0..1 into a 5-class model', async () => {
    const out = join(dir, 'out');
    const r = await cli([
      'prune',
      '--model',
      join(dir, 'model.json'),
      '--batch',
      join(dir, 'batch.npz'),
      '--method',
      'wt',
      '--sparsity',
      '0.5',
      '--points',
      '8',
      '--seed',
      '4',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const codes = j.warnings.map((w: { code: string }) => w.code);
    expect(codes).toContain('labels-subset');
    expect(codes).toContain('few-samples');
    expect(codes).toContain('input-range');
    for (const w of j.warnings) expect(typeof w.message).toBe('string');
    expect(j.warnings.find((w: { code: string }) => w.code === 'few-samples').message).toContain(
      `Accuracy on ${j.evalPoints} samples`,
    );

    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(json.userDefinedMetadata.sippStudio).toMatchObject({
      tool: 'SiPP Studio',
      toolVersion: TOOL_VERSION,
      method: 'wt',
      targetSparsity: 0.5,
      seed: 4,
      sensitivityPoints: 8,
    });
    expect(json.userDefinedMetadata.sippStudio.achievedSparsity).toBeCloseTo(0.5, 2);
    expect(Date.parse(json.userDefinedMetadata.sippStudio.date)).toBeGreaterThan(0);
  });

  it('sweep --json carries warnings too', async () => {
    const r = await cli([
      'sweep',
      '--model',
      join(dir, 'model.json'),
      '--batch',
      join(dir, 'batch.npz'),
      '--methods',
      'wt',
      '--sparsities',
      '0.5',
      '--points',
      '8',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).warnings.map((w: { code: string }) => w.code)).toContain('few-samples');
  });
});

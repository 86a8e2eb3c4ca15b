// --exclude and --max-layer-sparsity as a user types them: the written model has the excluded
// layer as trained and the capped one within its cap, the report says what was limited, and
// wrong names or values are refused in words.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpz } from '../core/export/npz';
import { exportModel } from '../core/export/model';
import { cli, loadWritten } from '../test-support/cli';
import { batchFor, mlp } from '../test-support/models';
import { useBackend } from '../test-support/tf-node';
import { parseLimits } from './commands';

const dir = mkdtempSync(join(tmpdir(), 'sipp-limits-'));
let fc2: Float32Array;

beforeAll(async () => {
  await useBackend('cpu');
  const m = mlp([16, 40, 30, 5], 2);
  fc2 = m.getLayer('fc2').getWeights()[0].dataSync() as Float32Array;
  for (const f of (await exportModel(m, { name: 'mlp' })).files) writeFileSync(join(dir, f.name), f.data);
  const b = batchFor(m, 90, 6, true);
  writeFileSync(
    join(dir, 'batch.npz'),
    encodeNpz({ x: { shape: b.xShape, data: b.x }, y: { shape: [b.y!.length], data: b.y! } }),
  );
  m.dispose();
});

const common = () => ['--model', join(dir, 'model.json'), '--batch', join(dir, 'batch.npz'), '--json'];

describe('cli per-layer limits', () => {
  it('prune --exclude fc2 --max-layer-sparsity fc1=0.5: as asked, and reported', async () => {
    const out = join(dir, 'p');
    const r = await cli([
      'prune',
      ...common(),
      '--method',
      'sipp',
      '--sparsity',
      '0.6',
      '--exclude',
      'fc2',
      '--max-layer-sparsity',
      'fc1=0.5',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.limits).toEqual({ exclude: ['fc2'], maxSparsity: { fc1: 0.5 } });
    const m = await loadWritten(out);
    expect(Array.from(m.getLayer('fc2').getWeights()[0].dataSync())).toEqual(Array.from(fc2));
    const k1 = m.getLayer('fc1').getWeights()[0].dataSync();
    expect(k1.filter((v) => v === 0).length / k1.length).toBeLessThanOrEqual(0.5);
    const k3 = m.getLayer('fc3').getWeights()[0].dataSync();
    expect(k3.filter((v) => v === 0).length).toBeGreaterThan(0);
    m.dispose();
  }, 60_000);

  it('refuses an unknown layer, a bad cap and limits on a command without pruning', async () => {
    const [a, b, c] = await Promise.all([
      cli(['prune', ...common(), '--sparsity', '0.5', '--exclude', 'dense_9', '--out', join(dir, 'x')]),
      cli(['sweep', ...common(), '--max-layer-sparsity', 'fc1=2']),
      cli(['sensitivities', ...common(), '--exclude', 'fc1', '--out', join(dir, 's.npz')]),
    ]);
    expect(a.code).toBe(1);
    expect(JSON.parse(a.stdout).error.message).toMatch(
      /no prunable layer named 'dense_9'; its prunable layers are 'fc1', 'fc2', 'fc3'/,
    );
    expect(b.code).toBe(1);
    expect(JSON.parse(b.stdout).error.message).toMatch(
      /max layer sparsity of 'fc1' must be in \[0, 1\), got 2/,
    );
    expect(c.code).toBe(1);
    expect(JSON.parse(c.stdout).error.message).toMatch(
      /options of prune, sweep, finetune, cascade and lottery, not of sensitivities/,
    );
  }, 60_000);

  it('parses the flags', () => {
    expect(parseLimits(undefined, undefined)).toBeUndefined();
    expect(parseLimits('a, b', 'c=0.25,outer/d=0')).toEqual({
      exclude: ['a', 'b'],
      maxSparsity: { c: 0.25, 'outer/d': 0 },
    });
    expect(() => parseLimits(undefined, 'fc1')).toThrow(/LAYER=FRACTION/);
    expect(() => parseLimits(undefined, 'fc1=')).toThrow(/got 'fc1='/);
    expect(() => parseLimits(',', undefined)).toThrow(/at least one layer name/);
  });
});

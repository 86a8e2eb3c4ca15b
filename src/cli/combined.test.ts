import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, loadWritten } from '../test-support/cli';
import { batchFor, channelCnn } from '../test-support/models';
import { encodeNpz } from '../core/export/npz';
import { exportModel } from '../core/export/model';
import { useBackend } from '../test-support/tf-node';

const dir = mkdtempSync(join(tmpdir(), 'sipp-combined-'));

function filters(m: tf.LayersModel): number[] {
  return m.layers.flatMap((l) => {
    const c = l.getConfig();
    return typeof c.filters === 'number' ? [c.filters] : typeof c.units === 'number' ? [c.units] : [];
  });
}

let dense: number[] = [];
let denseParams = 0;
let batch: ReturnType<typeof batchFor>;

beforeAll(async () => {
  await useBackend('cpu');
  const m = channelCnn(5);
  dense = filters(m);
  denseParams = m.countParams();
  for (const f of (await exportModel(m, { name: 'cnn' })).files) writeFileSync(join(dir, f.name), f.data);
  const b = batchFor(m, 72, 4, true);
  batch = b;
  writeFileSync(
    join(dir, 'batch.npz'),
    encodeNpz({ x: { shape: b.xShape, data: b.x }, y: { shape: [b.y!.length], data: b.y! } }),
  );
  m.dispose();
});

describe('cli prune --structured', () => {
  it('pfp:0.5 then sipp to 0.9 in all: both steps reported, slim (and quantised) model reloads smaller', async () => {
    const common = ['prune', '--model', join(dir, 'model.json'), '--batch', join(dir, 'batch.npz')];
    const opts = ['--method', 'sipp', '--sparsity', '0.9', '--structured', 'pfp:0.5', '--points', '24'];
    const [slim, quant, low] = await Promise.all([
      cli([...common, ...opts, '--slim', '--json', '--out', join(dir, 'slim')]),
      cli([...common, ...opts, '--slim', '--quantize', 'uint8', '--json', '--out', join(dir, 'q')]),
      cli([...common, ...opts.slice(0, 4), '--structured', 'pfp:0.95', '--json', '--out', join(dir, 'x')]),
    ]);
    expect(slim.code, slim.stderr).toBe(0);
    expect(quant.code, quant.stderr).toBe(0);
    const j = JSON.parse(slim.stdout);
    expect(j.method).toBe('sipp');
    expect(j.structured.method).toBe('pfp');
    expect(j.structured.targetSparsity).toBe(0.5);
    expect(Math.abs(j.structured.achievedSparsity - 0.5)).toBeLessThan(0.02);
    expect(j.structured.accuracy).toBeGreaterThan(0);
    expect(Math.abs(j.achievedSparsity - 0.9)).toBeLessThan(0.02);
    expect(j.totalParams).toBe(denseParams);

    // The written slim model: stock loader, fewer channels, and its counts are the report's.
    const m = await loadWritten(join(dir, 'slim'));
    const after = filters(m);
    expect(after.length).toBe(dense.length);
    expect(after.some((f, i) => f < dense[i])).toBe(true);
    expect(after[after.length - 1]).toBe(dense[dense.length - 1]); // outputs stay
    const values = m.getWeights().map((t) => t.dataSync());
    const params = values.reduce((s, a) => s + a.length, 0);
    const zeros = values.reduce((s, a) => s + a.filter((v) => v === 0).length, 0);
    expect(params).toBe(m.countParams());
    expect(params).toBe(j.slim.paramsAfter);
    expect(params).toBe(j.output.totalWeights);
    expect(j.slim.paramsBefore).toBe(j.totalParams);
    // No BN here: every weight is a parameter, so the dense-relative zeros are exact counts.
    expect(params - zeros).toBe(j.slim.nonzeroAfter);
    expect(j.slim.nonzeroBefore).toBe(j.nonzeroParams);
    expect(Math.round(j.achievedSparsity * j.totalParams)).toBe(j.totalParams - j.nonzeroParams);
    // The slim model's zeros plus the removed parameters are the dense-relative sparsity of the
    // slim model; it is at least the zeroed model's, because PFP zeroes a channel's readers and
    // the slim model also drops its (non-zero) producer slices and biases (§7.5).
    const removed = j.slim.paramsBefore - j.slim.paramsAfter;
    expect(removed).toBeGreaterThan(0);
    const slimSparsity = (zeros + removed) / j.totalParams;
    expect(slimSparsity).toBeCloseTo(1 - j.slim.nonzeroAfter / j.totalParams, 10);
    expect(slimSparsity).toBeGreaterThanOrEqual(j.achievedSparsity);
    expect(j.slim.nonzeroAfter).toBeLessThanOrEqual(j.slim.nonzeroBefore);
    expect(j.slim.maxAbsDiff).toBeLessThan(1e-5);
    expect(j.macs.pruned).toBeLessThan(j.macs.dense);
    m.dispose();

    const q = JSON.parse(quant.stdout);
    expect(q.quantize).toBe('uint8');
    expect(q.structured.achievedSparsity).toBe(j.structured.achievedSparsity);
    expect(q.accuracyQuantized).toBeGreaterThanOrEqual(0);
    const mq = await loadWritten(join(dir, 'q'));
    expect(mq.countParams()).toBe(j.slim.paramsAfter);
    // accuracyQuantized is the accuracy of the written slim uint8 model, recomputed here from it.
    const per = batch.xShape.slice(1).reduce((a, d) => a * d, 1);
    const n = batch.xShape[0] - q.points;
    const ex = tf.tensor(batch.x.slice(q.points * per), [n, ...batch.xShape.slice(1)]);
    const cls = tf.tidy(() => (mq.predict(ex) as tf.Tensor).argMax(-1).dataSync());
    ex.dispose();
    const right = cls.filter((c, i) => c === batch.y![q.points + i]).length;
    expect(q.evalPoints).toBe(n);
    expect(q.accuracyQuantized).toBe(right / n);
    mq.dispose();

    expect(low.code).toBe(1);
    expect(JSON.parse(low.stdout).error.message).toMatch(/below the structured step's 0.95/);
    process.stderr.write(
      `combined CNN: structured ${j.structured.achievedSparsity.toFixed(3)} (acc ${j.structured.accuracy}), ` +
        `total ${j.achievedSparsity.toFixed(3)} (acc ${j.accuracyAfter}); params ${j.slim.paramsBefore} -> ${j.slim.paramsAfter}\n`,
    );
  }, 180_000);

  it('refuses a weight-level method as --structured, and --structured outside prune', async () => {
    const common = ['--model', join(dir, 'model.json'), '--batch', join(dir, 'batch.npz'), '--json'];
    const [a, b] = await Promise.all([
      cli(['prune', ...common, '--sparsity', '0.9', '--structured', 'wt:0.5', '--out', join(dir, 'y')]),
      cli(['sweep', ...common, '--structured', 'pfp:0.5']),
    ]);
    expect(a.code).toBe(1);
    expect(JSON.parse(a.stdout).error.message).toMatch(/--structured needs a structured method/);
    expect(b.code).toBe(1);
    expect(JSON.parse(b.stdout).error.message).toMatch(/option of prune/);
  }, 60_000);
});

import { describe, expect, it } from 'vitest';
import { FP_B, sampleRecord } from '../../test-support/run-record';
import { classRows, compareRows, disagreement, layerRows } from './compare';

const a = sampleRecord();
const b = sampleRecord({
  id: 'run-2',
  name: 'WT 90 %',
  settings: { ...a.settings, method: 'wt', methodLabel: 'WT' },
  metrics: { ...a.metrics, accuracy: 0.5 },
  layers: [{ name: 'fc1', className: 'Dense', params: 235500, nonzero: 100, prunable: true }],
  classes: { ...a.classes, rows: [{ cls: 7, samples: 4, dense: 0.75, pruned: 0, change: -0.75 }] },
  predictions: [7, 8, 7, 1, 2, 8],
});

describe('compare runs', () => {
  it('settings and metrics side by side, differing rows marked', () => {
    const rows = compareRows([a, b]);
    const method = rows.find((r) => r.label === 'method')!;
    expect(method).toEqual({ label: 'method', values: ['SiPP', 'WT'], differs: true });
    expect(rows.find((r) => r.label === 'accuracy')!.values).toEqual(['66.67 %', '50.00 %']);
    expect(rows.find((r) => r.label === 'seed')!.differs).toBe(false);
  });

  it('per-layer sparsity and per-class change of each run', () => {
    expect(layerRows([a, b])).toEqual([
      { name: 'fc1', sparsity: [1 - 20000 / 235500, 1 - 100 / 235500] },
      { name: 'fc2', sparsity: [1 - 6000 / 30100, null] },
    ]);
    // Class 7 is the worst in run b (−75), so it comes before class 8 (−50 in a).
    expect(classRows([a, b])).toEqual([
      { cls: 7, change: [0, -0.75] },
      { cls: 8, change: [-0.5, null] },
    ]);
  });

  it('the samples two runs on the same files disagree on; refused across models', () => {
    expect(disagreement(a, b)).toEqual({ ok: true, indices: [1, 3], a: [9, 7], b: [8, 1] });
    const other = sampleRecord({ id: 'x', model: { ...a.model, fingerprint: FP_B } });
    const d = disagreement(a, other);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.reason).toMatch(/different models/);
  });
});

describe('per-layer limits in words', () => {
  it('names excluded layers and caps, or none', async () => {
    const { limitWords } = await import('../report/html');
    expect(limitWords(null)).toBe('none');
    expect(limitWords({ exclude: ['fc3'], maxSparsity: { fc1: 0.8 } })).toBe(
      'excluded fc3; fc1 at most 80 %',
    );
  });
});

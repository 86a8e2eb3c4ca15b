// A small but complete run record for unit tests (history, compare, report).
import { RECORD_SCHEMA, type RunRecord } from '../ui/report/types';

export const FP_A = 'a'.repeat(64);
export const FP_B = 'b'.repeat(64);
export const FP_BATCH = 'c'.repeat(64);

export function sampleRecord(patch: Partial<RunRecord> = {}): RunRecord {
  return {
    schema: RECORD_SCHEMA,
    id: 'run-1',
    name: 'SiPP 90 %',
    createdAt: '2026-12-02T10:00:00.000Z',
    toolVersion: '0.1.0',
    model: {
      name: 'lenet-300-100',
      fingerprint: FP_A,
      totalParams: 266610,
      inputShape: [null, 784],
      numClasses: 10,
    },
    batch: {
      source: 'mnist-holdout-1000.npz',
      fingerprint: FP_BATCH,
      samples: 10,
      labelled: true,
      points: 4,
      evalPoints: 6,
      scaled: false,
    },
    settings: {
      method: 'sipp',
      methodLabel: 'SiPP',
      targetSparsity: 0.9,
      seed: 0,
      propagate: false,
      retrained: null,
    },
    metrics: {
      achievedSparsity: 0.9001,
      nonzeroParams: 26650,
      totalParams: 266610,
      accuracyDense: 0.8333,
      accuracy: 0.6667,
      agreement: 0.6667,
      gzipBytes: 123456,
    },
    curves: [
      { method: 'sipp', sparsity: 0.5, achievedSparsity: 0.5, accuracy: 0.83, agreement: 1 },
      { method: 'sipp', sparsity: 0.9, achievedSparsity: 0.9, accuracy: 0.67, agreement: 0.67 },
    ],
    layers: [
      { name: 'fc1', className: 'Dense', params: 235500, nonzero: 20000, prunable: true },
      { name: 'fc2', className: 'Dense', params: 30100, nonzero: 6000, prunable: true },
    ],
    classes: {
      labelled: true,
      numClasses: 10,
      rows: [
        { cls: 8, samples: 2, dense: 1, pruned: 0.5, change: -0.5 },
        { cls: 7, samples: 4, dense: 0.75, pruned: 0.75, change: 0 },
      ],
      shifts: [{ from: 8, to: 9, count: 1 }],
      lost: 1,
      gained: 0,
      changed: 2,
    },
    flips: [
      { index: 1, label: 8, dense: 8, denseConf: 0.9, pruned: 9, prunedConf: 0.6, kind: 'lost' },
      { index: 4, label: 7, dense: 1, denseConf: 0.5, pruned: 2, prunedConf: 0.4, kind: 'changed' },
    ],
    predictions: [7, 9, 7, 7, 2, 8],
    weights: null,
    ...patch,
  };
}

// The CLI's `report` as a run record, so that `--html` writes the same self-contained report the
// app writes for a kept run (src/ui/report/html.ts, pure TS). Fingerprints are SHA-256 of the files' bytes,
// in the app's order (model.json first, then the shards by name), so the two agree.
import { createHash } from 'node:crypto';
import type * as tf from '@tensorflow/tfjs';
import { METHODS, TOOL_VERSION, type MethodKey } from '../core';
import type { FlipRow } from '../core/evaluate/flips';
import type { ClassReport } from '../core/evaluate/per-class';
import { analyzeModel, isParameter } from '../core/model/prunable';
import { RECORD_SCHEMA, type RunLayer, type RunRecord } from '../ui/report/types';
import type { NamedBytes } from '../core/types';

export function fingerprint(files: NamedBytes[]): string {
  const sorted = [...files].sort(
    (a, b) =>
      Number(!a.name.endsWith('.json')) - Number(!b.name.endsWith('.json')) || (a.name < b.name ? -1 : 1),
  );
  const h = createHash('sha256');
  for (const f of sorted) h.update(f.data);
  return h.digest('hex');
}

/** Parameters and non-zero parameters per layer (BN moving statistics are not parameters). */
export function layerCounts(model: tf.LayersModel): RunLayer[] {
  const info = analyzeModel(model);
  return info.layers.map((l, i) => {
    let nonzero = 0;
    for (const w of info.refs[i].weights.filter(isParameter)) {
      const v = w.read().dataSync();
      for (let j = 0; j < v.length; j++) if (v[j] !== 0) nonzero++;
    }
    return { name: l.key, className: l.className, params: l.params, nonzero, prunable: l.prunable };
  });
}

/** What the pruned model.json's metadata block says about how it was made, if anything. */
export function madeBy(modelJson: NamedBytes): {
  method?: string;
  targetSparsity?: number;
  seed?: number;
  propagated?: boolean;
} {
  let s: Record<string, unknown> = {};
  try {
    const j = JSON.parse(new TextDecoder().decode(modelJson.data)) as {
      userDefinedMetadata?: { sippStudio?: Record<string, unknown> };
    };
    s = j.userDefinedMetadata?.sippStudio ?? {};
  } catch {
    // not JSON: the loader has already said so
  }
  return {
    method: typeof s.method === 'string' ? s.method : undefined,
    targetSparsity: typeof s.targetSparsity === 'number' ? s.targetSparsity : undefined,
    seed: typeof s.seed === 'number' ? s.seed : undefined,
    propagated: typeof s.propagated === 'boolean' ? s.propagated : undefined,
  };
}

export function cliRecord(p: {
  modelPath: string;
  prunedPath: string;
  prunedFiles: NamedBytes[];
  modelFiles: NamedBytes[];
  batchFiles: NamedBytes[];
  batchSource: string;
  pruned: tf.LayersModel;
  dense: tf.LayersModel;
  points: number;
  evalPoints: number;
  labelled: boolean;
  numClasses: number;
  accuracyDense: number | null;
  accuracyPruned: number | null;
  agreement: number;
  report: ClassReport;
  flips: FlipRow[];
  predictions: Int32Array;
}): RunRecord {
  const layers = layerCounts(p.pruned);
  const total = layers.reduce((s, l) => s + l.params, 0);
  const nonzero = layers.reduce((s, l) => s + l.nonzero, 0);
  const made = madeBy(p.prunedFiles[0]);
  const method = made.method ?? 'unknown';
  const label = METHODS[method as MethodKey]?.label ?? (made.method ? method : 'unknown method');
  const inShape = p.dense.inputs[0].shape;
  return {
    schema: RECORD_SCHEMA,
    id: `cli-${Date.now().toString(36)}`,
    name: `${p.prunedPath} against ${p.modelPath}`,
    createdAt: new Date().toISOString(),
    toolVersion: TOOL_VERSION,
    model: {
      name: p.modelPath,
      fingerprint: fingerprint(p.modelFiles),
      totalParams: total,
      inputShape: inShape,
      numClasses: p.numClasses,
    },
    batch: {
      source: p.batchSource,
      fingerprint: fingerprint(p.batchFiles),
      samples: p.points + p.evalPoints,
      labelled: p.labelled,
      points: p.points,
      evalPoints: p.evalPoints,
      scaled: false,
    },
    settings: {
      method,
      methodLabel: label,
      targetSparsity: made.targetSparsity ?? 1 - nonzero / total,
      seed: made.seed ?? 0,
      propagate: made.propagated ?? false,
      retrained: null,
    },
    metrics: {
      achievedSparsity: 1 - nonzero / total,
      nonzeroParams: nonzero,
      totalParams: total,
      accuracyDense: p.accuracyDense,
      accuracy: p.accuracyPruned,
      agreement: p.agreement,
      gzipBytes: null,
    },
    curves: [],
    layers,
    classes: {
      labelled: p.labelled,
      numClasses: p.numClasses,
      rows: p.report.classes,
      shifts: p.report.shifts,
      lost: p.report.lost.length,
      gained: p.report.gained.length,
      changed: p.report.changed.length,
    },
    flips: p.flips,
    predictions: [...p.predictions],
    weights: null,
  };
}

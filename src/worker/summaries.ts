// Turning core results into the small plain summaries the page draws. Sensitivity maps can hold
// millions of numbers: they leave the worker as histograms only.
import type { Evaluation, LoadedModel, ModelInfo, PruneResult } from '../core';
import type { EvalSummary, Histogram, LayerRow, ModelSummary, PruneSummary } from './protocol';

export function modelSummary(loaded: LoadedModel, info: ModelInfo): ModelSummary {
  const f = loaded.format;
  const parts: string[] = [];
  if (f.kerasVersion) parts.push(/^\d/.test(f.kerasVersion) ? `Keras ${f.kerasVersion}` : f.kerasVersion);
  if (f.convertedBy) parts.push(`converted by ${f.convertedBy}`);
  else if (f.generatedBy) parts.push(`written by ${f.generatedBy}`);
  if (f.quantized?.length) parts.push(`quantised (${f.quantized.join(', ')})`);
  const layers: LayerRow[] = info.layers.map((l) => {
    const row: LayerRow = { name: l.key, className: l.className, params: l.params, prunable: l.prunable };
    if (l.skippedReason) row.skippedReason = l.skippedReason;
    return row;
  });
  return {
    name: loaded.name,
    format: parts.join(', ') || 'TensorFlow.js layers model',
    layers,
    totalParams: info.totalParams,
    prunableParams: info.prunableParams,
    inputShape: info.inputShape,
    numClasses: info.numClasses,
    notices: [...loaded.notices],
  };
}

export function evalSummary(e: Evaluation): EvalSummary {
  return { accuracy: e.accuracy, agreement: e.agreement, evalPoints: e.evalPoints };
}

export function pruneSummary(r: PruneResult, e: Evaluation, ms: number): PruneSummary {
  return {
    method: r.method,
    targetSparsity: r.targetSparsity,
    seed: r.seed,
    achievedSparsity: r.achievedSparsity,
    nonzeroParams: r.nonzeroParams,
    totalParams: r.totalParams,
    withinTolerance: r.withinTolerance,
    unreachable: r.unreachable ?? null,
    layers: r.layers.map((l) => ({ ...l })),
    eval: evalSummary(e),
    ms,
  };
}

/**
 * Histograms of log10(sensitivity) per layer on shared bin edges, so layers compare at a glance.
 * Zeros (weights that never mattered on the sensitivity points) are counted apart: no log.
 */
export function sensitivityHistograms(layers: string[], sens: Float32Array[], bins = 24): Histogram[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of sens)
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      if (v > 0 && Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  if (!(lo <= hi)) {
    lo = 1;
    hi = 1;
  }
  const a = Math.floor(Math.log10(lo) * 2) / 2;
  const b = Math.max(a + 0.5, Math.ceil(Math.log10(hi) * 2) / 2);
  const width = (b - a) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => a + i * width);
  return sens.map((s, li) => {
    const counts = new Array<number>(bins).fill(0);
    let zeros = 0;
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      if (!(v > 0)) {
        zeros++;
        continue;
      }
      const k = Math.min(bins - 1, Math.max(0, Math.floor((Math.log10(v) - a) / width)));
      counts[k]++;
    }
    return { layer: layers[li], edges, counts, zeros, total: s.length };
  });
}

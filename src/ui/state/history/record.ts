// The run on screen as a record to keep or report: the slider's pruned model (or the retrained
// one that goes with it), with the per-class summary the worker sent for exactly that model and
// the fingerprints of the files it was made from. Refuses (with a sentence) whenever any part
// belongs to another view, rather than store a mix.
import { RECORD_SCHEMA, type RunRecord } from '../../report/types';
import { METHODS, type ClassesSummary, type Fingerprints } from '../../../worker/protocol';
import { exportedTrained, modelName } from '../exporter';
import { pruneParams } from '../limits';
import { describeTrained } from '../retrain';
import type { StudioState } from '../types';

/** Flips kept per record: the evaluation sets here are hundreds to a few thousand samples. */
const MAX_FLIPS = 5000;

const pctWords = (x: number) => `${+(100 * x).toFixed(1)} %`;

export function defaultRunName(state: StudioState): string {
  const t = exportedTrained(state);
  const method = METHODS[state.pruned?.method ?? state.method].label;
  const target = t ? t.targetSparsity : (state.pruned?.targetSparsity ?? state.sparsity);
  return `${modelName(state)} · ${method} ${pctWords(target)}${t ? ` · ${t.protocol} retrained` : ''}`;
}

export function buildRecord(
  state: StudioState,
  classes: ClassesSummary | null,
  prints: Fingerprints | null,
  opts: { id: string; createdAt: string; toolVersion: string; name?: string },
): RunRecord | string {
  const ws = state.workspace;
  const pruned = state.pruned;
  if (!ws?.model || !ws.batch || !ws.session || !state.prepared || !pruned)
    return 'Nothing to keep yet: load a model and a batch and wait for the first result.';
  if (!prints?.model || !prints.batch)
    return 'The files are still being fingerprinted: try again in a moment.';
  const t = exportedTrained(state);
  if (!classes) return 'The per-class summary of this result is still being computed: try again in a moment.';
  const same = t
    ? classes.resultId === t.resultId
    : classes.resultId === null &&
      classes.method === pruned.method &&
      classes.targetSparsity === pruned.targetSparsity &&
      classes.seed === pruned.seed;
  if (!same) return 'The per-class summary is for another setting: wait until it catches up with the slider.';
  const size =
    !t &&
    state.size &&
    state.size.method === pruned.method &&
    state.size.targetSparsity === pruned.targetSparsity
      ? state.size.gzipBytes
      : null;
  const evalOf = t ? t.retrained : pruned.eval;
  return {
    schema: RECORD_SCHEMA,
    id: opts.id,
    name: opts.name?.trim() || defaultRunName(state),
    createdAt: opts.createdAt,
    toolVersion: opts.toolVersion,
    model: {
      name: modelName(state),
      fingerprint: prints.model,
      totalParams: ws.model.totalParams,
      inputShape: [null, ...ws.model.inputShape],
      numClasses: ws.model.numClasses,
    },
    batch: {
      source: ws.batch.source,
      fingerprint: prints.batch,
      samples: ws.batch.samples,
      labelled: ws.batch.labelled,
      points: ws.session.points,
      evalPoints: ws.session.evalPoints,
      scaled: ws.batch.scaled,
    },
    settings: {
      method: t ? t.method : pruned.method,
      methodLabel: METHODS[t ? t.method : pruned.method].label,
      targetSparsity: t ? t.targetSparsity : pruned.targetSparsity,
      seed: pruned.seed,
      propagate: t ? false : classes.propagate,
      limits: t ? null : (pruneParams(state).limits ?? null),
      retrained: t
        ? { description: describeTrained(t), protocol: t.protocol, settings: { ...t.settings, loss: t.loss } }
        : null,
    },
    metrics: {
      achievedSparsity: t ? t.achievedSparsity : pruned.achievedSparsity,
      nonzeroParams: t ? t.nonzeroParams : pruned.nonzeroParams,
      totalParams: t ? t.totalParams : pruned.totalParams,
      accuracyDense: state.prepared.dense.accuracy,
      accuracy: evalOf.accuracy,
      agreement: evalOf.agreement,
      gzipBytes: size,
    },
    curves: state.curves.points.map((p) => ({
      method: p.method,
      sparsity: p.sparsity,
      achievedSparsity: p.achievedSparsity,
      accuracy: p.accuracy,
      agreement: p.agreement,
    })),
    layers: (t ? t.layers : pruned.layers).map((l) => ({
      name: l.name,
      className: l.className,
      params: l.params,
      nonzero: l.nonzero,
      prunable: l.prunable,
    })),
    classes: {
      labelled: classes.labelled,
      numClasses: classes.numClasses,
      rows: classes.classes,
      shifts: classes.shifts,
      lost: classes.flips.filter((f) => f.kind === 'lost').length,
      gained: classes.flips.filter((f) => f.kind === 'gained').length,
      changed: classes.flips.length,
    },
    flips: classes.flips.slice(0, MAX_FLIPS),
    predictions: classes.predictions,
    weights: null,
  };
}

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

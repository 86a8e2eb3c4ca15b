// Downloading the pruned model: the worker writes model.json and one weight shard; the page
// names them after the original model, the method and the sparsity (and, for a retrained model,
// how it was retrained), and a quantised download after its weight format too.
import { zipSync } from 'fflate';
import type { TrainedSummary, UserError, WeightFormat } from '../../worker/protocol';
import { sparsityTag } from './format';
import { pruneParams } from './limits';
import { currentTrained, describeTrained, SHORT_METHOD, trainedTag } from './retrain';
import type { Studio } from './studio';
import type { StudioState } from './types';

/** The retrained model that goes with the slider, or null (none, or prune-only asked for). */
export function exportedTrained(state: StudioState): TrainedSummary | null {
  const { retrain } = state;
  if (!retrain.useRetrained) return null;
  return currentTrained(retrain.results, state.method, state.sparsity, retrain.selectedId);
}

/** File-system-safe stem, as the worker's safeName writes the weights file (core/export/model.ts). */
export function safeStem(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return s || 'model';
}

/**
 * The model's name: the user's, when they renamed this model (a rename belongs to the model it
 * was typed for and is dropped with it), else the one the worker derived from the files.
 */
export function modelName(state: StudioState): string {
  const derived = state.workspace?.model?.name ?? 'model';
  const r = state.rename;
  if (r && r.for === derived && r.name.trim()) return safeStem(r.name.trim());
  return derived;
}

/** How the download is packed: one .zip holding both files (default), or the two loose files. */
export type Packaging = 'zip' | 'loose';

export function exportName(state: StudioState): string {
  const name = modelName(state);
  const t = exportedTrained(state);
  if (t) return `${name}.${trainedTag(t)}`;
  return `${name}.${state.method}-${sparsityTag(state.sparsity)}`;
}

/**
 * The download's name: float32 keeps exportName's; the slim model and quantised files say so
 * (`lenet.pfp-50.0pct.slim.uint8`).
 */
export function exportFileName(state: StudioState, weights: WeightFormat = 'float32', slim = false): string {
  const name = slim ? `${exportName(state)}.slim` : exportName(state);
  return weights === 'float32' ? name : `${name}.${weights}`;
}

/** The weight formats offered for download, in words (the worker takes the key). */
export const WEIGHT_CHOICES: { key: WeightFormat; label: string }[] = [
  { key: 'float32', label: 'float32 (as trained)' },
  { key: 'float16', label: 'float16 (half the size)' },
  { key: 'uint8', label: 'uint8 (a quarter of the size)' },
  { key: 'uint16', label: 'uint16 (half the size; finer steps)' },
];

/** Raw (sum of the files) and gzipped bytes of the last download. */
export function exportedSizes(state: StudioState): { raw: number; gzip: number } | null {
  const ex = state.exported;
  if (ex.files.length === 0 || ex.gzipBytes === null) return null;
  return { raw: ex.files.reduce((s, f) => s + f.bytes, 0), gzip: ex.gzipBytes };
}

/** What the download holds, in words. */
export function exportWords(state: StudioState): string {
  const t = exportedTrained(state);
  if (t) return describeTrained(t);
  return `${SHORT_METHOD[state.method]} ${+(100 * state.sparsity).toFixed(1)} %, pruned only (no retraining)`;
}

/**
 * Asks the worker for the files of the current setting, with the float32 weights written as
 * `weights`, and (`slim`) with the zeroed channels removed; also keeps links to them in the state.
 */
/** What a download depends on: a check of other settings does not describe it. */
export function exportKey(state: StudioState, weights: WeightFormat, slim: boolean): string {
  const t = exportedTrained(state);
  const what = t
    ? `trained:${t.resultId}`
    : `${state.method}|${state.sparsity}|${state.seed}|${state.propagate}|${JSON.stringify(state.limits)}`;
  return `${what}|${weights}|${slim}`;
}

function exportRequest(state: StudioState, weights: WeightFormat, slim: boolean, name: string) {
  const trained = exportedTrained(state);
  return {
    type: 'export' as const,
    ...pruneParams(state),
    name,
    weights,
    slim,
    ...(trained
      ? {
          resultId: trained.resultId,
          retraining: { tag: trainedTag(trained), description: describeTrained(trained) },
        }
      : {}),
  };
}

/**
 * "Check before download": the worker writes the files as the download would, loads them back as
 * stock tfjs does and evaluates them; only the sizes and the accuracy come back.
 */
export async function checkExport(studio: Studio, weights: WeightFormat, slim: boolean): Promise<void> {
  const state = studio.getState();
  const key = exportKey(state, weights, slim);
  const setCheck = (c: NonNullable<StudioState['exported']['check']>) =>
    studio.set({ exported: { ...studio.getState().exported, check: c } });
  setCheck({ key, busy: true, error: null });
  const req = { ...exportRequest(state, weights, slim, exportFileName(state, weights, slim)), check: true };
  const r = await studio.client.call<'export'>(req).done;
  if (studio.getState().exported.check?.key !== key) return;
  if (r.kind !== 'ok') {
    const error: UserError =
      r.kind === 'error'
        ? r.error
        : { where: 'export', code: 'cancelled', message: 'The check was interrupted; try again.' };
    setCheck({ key, busy: false, error });
    return;
  }
  const res = r.event.result;
  setCheck({
    key,
    busy: false,
    error: null,
    rawBytes: res.rawBytes,
    gzipBytes: res.gzipBytes,
    totalParams: res.totalParams,
    written: res.written,
  });
}

export async function exportPruned(
  studio: Studio,
  weights: WeightFormat = 'float32',
  slim = false,
  packaging: Packaging = 'loose',
): Promise<{ name: string; blob: Blob }[] | null> {
  const state = studio.getState();
  for (const f of state.exported.files) URL.revokeObjectURL(f.url);
  studio.set({ exported: { ...state.exported, files: [], busy: true, error: null } });
  const name = exportFileName(state, weights, slim);
  const r = await studio.client.call<'export'>(exportRequest(state, weights, slim, name)).done;
  if (r.kind !== 'ok') {
    const error: UserError =
      r.kind === 'error'
        ? r.error
        : { where: 'export', code: 'cancelled', message: 'The export was interrupted; try again.' };
    studio.set({ exported: { ...studio.getState().exported, busy: false, error } });
    return null;
  }
  const res = r.event.result;
  // model.json takes the export's name; the shard keeps the name model.json refers to.
  const loose = res.files.map((f) => ({
    name: f.name === 'model.json' ? `${name}.json` : f.name,
    data: new Uint8Array(f.data),
  }));
  // One .zip holding both: a browser that renames a download ("(1)") cannot separate them.
  const files =
    packaging === 'zip'
      ? [
          {
            name: `${name}.zip`,
            blob: new Blob([zipSync(Object.fromEntries(loose.map((f) => [f.name, f.data])), { level: 0 })], {
              type: 'application/zip',
            }),
          },
        ]
      : loose.map((f) => ({
          name: f.name,
          blob: new Blob([f.data], {
            type: f.name.endsWith('.json') ? 'application/json' : 'application/octet-stream',
          }),
        }));
  studio.set({
    exported: {
      ...studio.getState().exported,
      busy: false,
      error: null,
      files: files.map((f) => ({ name: f.name, url: URL.createObjectURL(f.blob), bytes: f.blob.size })),
      gzipBytes: res.gzipBytes,
      achievedSparsity: res.achievedSparsity,
      totalParams: res.totalParams,
      slim: res.slim,
      written: res.written,
    },
  });
  return files;
}

// The run history's rules, independent of where records live: quota checked before any write
// (so a full disk refuses the new run and never costs an old one), rename, delete, export as one
// JSON file and import it again with every record validated, and the fingerprint check that
// keeps a run from being shown against another model or batch.
import { RECORD_SCHEMA, type RunRecord } from '../../report/types';

/** Where records live: IndexedDB in the page (idb.ts), a Map in tests. */
export interface RunBackend {
  all(): Promise<RunRecord[]>;
  /** Adds or replaces one record, atomically: a failed write leaves every stored record as it was. */
  put(record: RunRecord): Promise<void>;
  delete(id: string): Promise<void>;
}

/** navigator.storage.estimate(), or null where the browser cannot say. */
export type Estimate = () => Promise<{ usage?: number; quota?: number } | null>;

export type KeepOutcome =
  { ok: true; record: RunRecord } | { ok: false; code: 'quota' | 'storage'; message: string };

/** What is left free is never filled to the last byte: the browser needs room to write. */
const QUOTA_MARGIN = 0.9;

export const EXPORT_FORMAT = 'sipp-studio-runs';

export function recordBytes(r: RunRecord): number {
  // JSON length in UTF-16 code units: IndexedDB stores strings at up to two bytes each.
  return JSON.stringify(r).length * 2;
}

function mb(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1e3))} kB`;
}

/** Why `need` bytes cannot be written, or null when they fit (or the browser cannot say). */
export function quotaProblem(need: number, est: { usage?: number; quota?: number } | null): string | null {
  if (!est || typeof est.quota !== 'number' || typeof est.usage !== 'number') return null;
  const free = est.quota * QUOTA_MARGIN - est.usage;
  if (need <= free) return null;
  return (
    `Not kept: this run needs about ${mb(need)}, and the browser's storage for this page is nearly full ` +
    `(${mb(est.usage)} of ${mb(est.quota)} used). Your kept runs are unchanged. Delete some runs, ` +
    `or keep this one without its weights.`
  );
}

function isQuotaError(e: unknown): boolean {
  return e instanceof Error && (e.name === 'QuotaExceededError' || /quota/i.test(e.message));
}

export class RunStore {
  constructor(
    private readonly backend: RunBackend,
    private readonly estimate: Estimate,
  ) {}

  /** Newest first. */
  async list(): Promise<RunRecord[]> {
    const all = await this.backend.all();
    return all.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  async keep(record: RunRecord): Promise<KeepOutcome> {
    let est: Awaited<ReturnType<Estimate>> = null;
    try {
      est = await this.estimate();
    } catch {
      est = null;
    }
    const problem = quotaProblem(recordBytes(record), est);
    if (problem) return { ok: false, code: 'quota', message: problem };
    try {
      await this.backend.put(record);
      return { ok: true, record };
    } catch (e) {
      if (isQuotaError(e))
        return {
          ok: false,
          code: 'quota',
          message:
            "Not kept: the browser's storage for this page is full. Your kept runs are unchanged. " +
            'Delete some runs, or keep this one without its weights.',
        };
      const why = e instanceof Error ? e.message : String(e);
      return { ok: false, code: 'storage', message: `Not kept: the browser refused to store it (${why}).` };
    }
  }

  async rename(id: string, name: string): Promise<RunRecord | null> {
    const r = (await this.backend.all()).find((x) => x.id === id);
    const clean = name.trim();
    if (!r || !clean) return null;
    const next = { ...r, name: clean.slice(0, 120) };
    await this.backend.put(next);
    return next;
  }

  remove(id: string): Promise<void> {
    return this.backend.delete(id);
  }

  /** Adds the valid records of an export (ids already stored are kept as they are). */
  async import(text: string): Promise<{ added: RunRecord[]; skipped: string[] }> {
    const parsed = parseExport(text);
    const have = new Set((await this.backend.all()).map((r) => r.id));
    const added: RunRecord[] = [];
    const skipped = [...parsed.refused];
    for (const r of parsed.records) {
      if (have.has(r.id)) {
        skipped.push(`"${r.name}" is already kept.`);
        continue;
      }
      const out = await this.keep(r);
      if (!out.ok) {
        skipped.push(`"${r.name}": ${out.message}`);
        break;
      }
      added.push(r);
    }
    return { added, skipped };
  }
}

/** One JSON file holding the given runs. */
export function exportRuns(records: RunRecord[]): string {
  return JSON.stringify({ format: EXPORT_FORMAT, schema: RECORD_SCHEMA, runs: records }, null, 1);
}

const HEX64 = /^[0-9a-f]{64}$/;
const num = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
const numOrNull = (x: unknown) => x === null || num(x);

/** The record, or why it cannot be one (in words, naming the run where possible). */
export function validateRecord(x: unknown): RunRecord | string {
  if (!x || typeof x !== 'object') return 'an entry is not a run';
  const r = x as Partial<RunRecord>;
  const name = typeof r.name === 'string' ? `"${r.name}"` : 'a run';
  if (r.schema !== RECORD_SCHEMA)
    return `${name} has schema ${String(r.schema)}; this version reads ${RECORD_SCHEMA}`;
  if (typeof r.id !== 'string' || !r.id || typeof r.name !== 'string') return `${name} has no id or name`;
  if (!r.model || !HEX64.test(String(r.model.fingerprint))) return `${name} has no model fingerprint`;
  if (!r.batch || !HEX64.test(String(r.batch.fingerprint))) return `${name} has no batch fingerprint`;
  const m = r.metrics;
  if (!m || !num(m.achievedSparsity) || !numOrNull(m.accuracy) || !num(m.agreement))
    return `${name} has no metrics`;
  if (!r.settings || typeof r.settings.method !== 'string' || !num(r.settings.targetSparsity))
    return `${name} has no settings`;
  if (!Array.isArray(r.curves) || !Array.isArray(r.layers) || !Array.isArray(r.flips))
    return `${name} is incomplete`;
  if (!r.classes || !Array.isArray(r.classes.rows)) return `${name} has no per-class summary`;
  if (!Array.isArray(r.predictions) || r.predictions.length !== r.batch.evalPoints)
    return `${name}: its predictions do not match its ${r.batch.evalPoints} evaluation points`;
  return r as RunRecord;
}

export function parseExport(text: string): { records: RunRecord[]; refused: string[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { records: [], refused: ['The file is not JSON: nothing was imported.'] };
  }
  const d = data as { format?: unknown; runs?: unknown };
  if (!d || d.format !== EXPORT_FORMAT || !Array.isArray(d.runs))
    return { records: [], refused: ['The file is not a SiPP Studio run export: nothing was imported.'] };
  const records: RunRecord[] = [];
  const refused: string[] = [];
  for (const x of d.runs) {
    const v = validateRecord(x);
    if (typeof v === 'string') refused.push(`Refused: ${v}.`);
    else records.push(v);
  }
  return { records, refused };
}

/** The files now loaded, as the worker fingerprinted them. */
export interface LoadedPrints {
  model: string | null;
  batch: string | null;
  points: number | null;
}

const short = (h: string | null) => (h ? h.slice(0, 8) : 'none');

/**
 * Why `r` must not be shown against the files now loaded (its samples, its predictions, its
 * settings applied to this model), or null when they are the same model, batch and split.
 */
export function mismatch(r: RunRecord, now: LoadedPrints, needBatch = true): string | null {
  if (now.model !== r.model.fingerprint)
    return (
      `"${r.name}" was made on model ${r.model.name} (fingerprint ${short(r.model.fingerprint)}), ` +
      `but the model loaded now has fingerprint ${short(now.model)}. Load the same model files to use it here.`
    );
  if (!needBatch) return null;
  if (now.batch !== r.batch.fingerprint)
    return (
      `"${r.name}" was evaluated on ${r.batch.source} (fingerprint ${short(r.batch.fingerprint)}), ` +
      `but the batch loaded now has fingerprint ${short(now.batch)}. Load the same batch to see its samples.`
    );
  if (now.points !== r.batch.points)
    return `"${r.name}" used ${r.batch.points} sensitivity points, the page uses ${now.points ?? 'none'}: its evaluation points are other samples.`;
  return null;
}

/** Two runs whose per-sample predictions can be compared: same model, batch and split. */
export function sameEvaluation(a: RunRecord, b: RunRecord): string | null {
  if (a.model.fingerprint !== b.model.fingerprint)
    return `"${a.name}" and "${b.name}" are runs of different models.`;
  if (a.batch.fingerprint !== b.batch.fingerprint || a.batch.points !== b.batch.points)
    return `"${a.name}" and "${b.name}" were evaluated on different samples.`;
  return null;
}

// Retraining on the page, as plain functions: the form and what it asks for, the words that name a
// retrained model, which retrained model goes with the slider, which ones the worker still keeps,
// and the points they add to the accuracy-versus-sparsity chart.
import {
  DEFAULT_CASCADE,
  DEFAULT_TRAIN_SETTINGS,
  MAX_KEPT_RESULTS,
  type CurvePoint,
  type DistillMode,
  type MethodKey,
  type OptimizerKind,
  type Protocol,
  type ScheduleKind,
  type TrainedSummary,
  type TrainParams,
  type TrainSettings,
} from '../../worker/protocol';
import { sparsityPct, sparsityTag } from './format';

/** What the user typed, as typed: parsed (and refused with a sentence) only on Start. */
export interface RetrainForm {
  protocol: Protocol;
  /** null: the Prune panel's method. */
  method: MethodKey | null;
  /** Percent; null: the slider's sparsity (one-shot and lottery). */
  sparsity: string | null;
  /** The cascade's targets in percent, comma separated. */
  cascade: string;
  epochs: string;
  optimizer: OptimizerKind;
  lr: string;
  batchSize: string;
  schedule: ScheduleKind;
  seed: string;
  momentum: string;
  weightDecay: string;
  distill: DistillMode;
}

const percentList = (xs: readonly number[]) => xs.map((x) => +(100 * x).toFixed(2)).join(', ');

export function initialForm(): RetrainForm {
  const d = DEFAULT_TRAIN_SETTINGS;
  return {
    protocol: 'one-shot',
    method: null,
    sparsity: null,
    cascade: percentList(DEFAULT_CASCADE),
    epochs: String(d.epochs),
    optimizer: d.optimizer,
    lr: String(d.lr),
    batchSize: String(d.batchSize),
    schedule: d.schedule,
    seed: String(d.seed),
    momentum: String(d.momentum),
    weightDecay: String(d.weightDecay),
    distill: d.distill,
  };
}

/** "50, 70, 90" or "50 70 90 %" -> [0.5, 0.7, 0.9]; a sentence when it is not an increasing list in [0, 100). */
export function parseCascade(text: string): number[] | string {
  const parts = text
    .replace(/%/g, ' ')
    .split(/[\s,;]+/)
    .filter(Boolean);
  if (parts.length === 0) return 'Give the cascade at least one target sparsity (in %).';
  const out: number[] = [];
  for (const p of parts) {
    const v = Number(p);
    if (!Number.isFinite(v) || v < 0 || v >= 100)
      return `Cascade target "${p}" is not a percentage from 0 to below 100.`;
    const s = Math.round(v * 10) / 1000;
    if (out.length > 0 && s <= out[out.length - 1])
      return `Cascade targets must increase: ${+(100 * out[out.length - 1]).toFixed(1)} % then ${p} %.`;
    out.push(s);
  }
  return out;
}

function num(text: string, what: string, check: (v: number) => boolean, rule: string): number | string {
  const v = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(v) || !check(v))
    return `${what} must be ${rule}; got "${text}".`;
  return v;
}

const whole = (v: number) => Number.isInteger(v);

export type FormOutcome = { ok: true; params: TrainParams } | { ok: false; error: string };

/** The request the form asks for, with the slider's sparsity and method where the form follows them. */
export function parseForm(
  form: RetrainForm,
  ctx: { sparsity: number; method: MethodKey; seed: number },
): FormOutcome {
  const fail = (error: string): FormOutcome => ({ ok: false, error });
  const epochs = num(
    form.epochs,
    'Epochs',
    (v) => whole(v) && v >= 1 && v <= 10000,
    'a whole number from 1 to 10000',
  );
  if (typeof epochs === 'string') return fail(epochs);
  const batchSize = num(
    form.batchSize,
    'Batch size',
    (v) => whole(v) && v >= 1 && v <= 65536,
    'a whole number from 1 to 65536',
  );
  if (typeof batchSize === 'string') return fail(batchSize);
  const lr = num(
    form.lr,
    'Learning rate',
    (v) => v > 0 && v < 10,
    'a number above 0 and below 10 (e.g. 0.001)',
  );
  if (typeof lr === 'string') return fail(lr);
  const seed = num(form.seed, 'Seed', whole, 'a whole number');
  if (typeof seed === 'string') return fail(seed);
  const settings: Partial<TrainSettings> = {
    epochs,
    batchSize,
    optimizer: form.optimizer,
    lr,
    schedule: form.schedule,
    seed,
    distill: form.distill,
  };
  if (form.optimizer === 'sgd') {
    const momentum = num(form.momentum, 'Momentum', (v) => v >= 0 && v < 1, 'from 0 to below 1');
    if (typeof momentum === 'string') return fail(momentum);
    const wd = num(form.weightDecay, 'Weight decay', (v) => v >= 0 && v < 1, 'from 0 to below 1');
    if (typeof wd === 'string') return fail(wd);
    settings.momentum = momentum;
    settings.weightDecay = wd;
  }
  let sparsities: number[];
  if (form.protocol === 'cascade') {
    const c = parseCascade(form.cascade);
    if (typeof c === 'string') return fail(c);
    sparsities = c;
  } else if (form.sparsity === null) {
    sparsities = [ctx.sparsity];
  } else {
    const v = num(
      form.sparsity,
      'Target sparsity',
      (x) => x >= 0 && x < 100,
      'a percentage from 0 to below 100',
    );
    if (typeof v === 'string') return fail(v);
    sparsities = [Math.round(v * 10) / 1000];
  }
  return {
    ok: true,
    params: {
      protocol: form.protocol,
      method: form.method ?? ctx.method,
      sparsities,
      settings,
      pruneSeed: ctx.seed,
    },
  };
}

/** Short method names for sentences ("SiPP 90 %, ..."). */
export const SHORT_METHOD: Record<MethodKey, string> = {
  sipp: 'SiPP',
  'sipp-det': 'SiPP-Det',
  'sipp-rand': 'SiPP-Rand',
  wt: 'WT',
  snip: 'SNIP',
  uniform: 'Uniform',
  random: 'Random',
  pfp: 'PFP',
  'pfp-rand': 'PFP-Rand',
  'pfp-top': 'PFP-Top',
  'filter-norm': 'FT',
  softnet: 'SoftNet',
  'filter-uniform': 'Uniform filters',
};

const OPTIMIZER_NAME: Record<OptimizerKind, string> = { adam: 'Adam', sgd: 'SGD' };

/** Learning rates as people write them: 0.01, 1e-3, 5e-4. */
export function lrWords(lr: number): string {
  return lr >= 0.01 ? String(+lr.toPrecision(3)) : (+lr.toPrecision(3)).toExponential();
}

export function settingsWords(s: TrainSettings): string {
  const sched = s.schedule === 'constant' ? '' : `, ${s.schedule} schedule`;
  return `${OPTIMIZER_NAME[s.optimizer]} ${lrWords(s.lr)}${sched}`;
}

const epochsWords = (n: number) => `${n} epoch${n === 1 ? '' : 's'}`;

/** "SiPP 90 %, fine-tuned 3 epochs (Adam 0.001)", and the like for cascade steps and lottery arms. */
export function describeTrained(t: TrainedSummary): string {
  const head = `${SHORT_METHOD[t.method]} ${+(100 * t.targetSparsity).toFixed(1)} %`;
  const how = settingsWords(t.settings);
  const e = epochsWords(t.settings.epochs);
  if (t.protocol === 'cascade')
    return `${head}, cascade step ${t.index + 1} of ${t.of}, ${e} per step (${how})`;
  if (t.protocol === 'lottery') {
    const arm =
      t.arm === 'ticket'
        ? 'lottery ticket (initial weights)'
        : t.arm === 'fresh-init'
          ? 'same mask, fresh initialisation'
          : 'random mask, initial weights';
    return `${head}, ${arm}, trained ${e} (${how})`;
  }
  return `${head}, fine-tuned ${e} (${how})`;
}

/** The tag a download of `t` carries: "sipp-90.0pct.finetuned-3ep". */
export function trainedTag(t: TrainedSummary): string {
  const kind =
    t.protocol === 'one-shot' ? 'finetuned' : t.protocol === 'cascade' ? `cascade${t.index + 1}` : t.arm;
  return `${t.method}-${sparsityTag(t.targetSparsity)}.${kind}-${t.settings.epochs}ep`;
}

/** Ids the worker still keeps: the newest MAX_KEPT_RESULTS (it drops the oldest first). */
export function keptIds(results: TrainedSummary[]): Set<string> {
  return new Set(results.slice(-MAX_KEPT_RESULTS).map((r) => r.resultId));
}

const same = (a: number, b: number) => Math.abs(a - b) < 1e-9;

/**
 * The retrained model that goes with the slider at (method, sparsity): the selected one when it
 * matches, else the newest kept one-shot, cascade step or lottery ticket there; null when none.
 */
export function currentTrained(
  results: TrainedSummary[],
  method: MethodKey,
  sparsity: number,
  selectedId: string | null,
): TrainedSummary | null {
  const kept = keptIds(results);
  const here = results.filter(
    (r) => kept.has(r.resultId) && r.method === method && same(r.targetSparsity, sparsity),
  );
  const selected = here.find((r) => r.resultId === selectedId);
  if (selected) return selected;
  for (let i = here.length - 1; i >= 0; i--)
    if (here[i].arm === null || here[i].arm === 'ticket') return here[i];
  return null;
}

/** A retrained point on the chart, in the shape of a prune-only point (plus how it was made). */
export interface RetrainedPoint extends CurvePoint {
  protocol: 'one-shot' | 'cascade';
  resultId: string;
}

/** One point per (protocol, method, target): the newest; lottery arms stay in their own table. */
export function retrainedPoints(results: TrainedSummary[]): RetrainedPoint[] {
  const byKey = new Map<string, RetrainedPoint>();
  for (const r of results) {
    if (r.protocol === 'lottery') continue;
    byKey.set(`${r.protocol}|${r.method}|${r.targetSparsity}`, {
      method: r.method,
      sparsity: r.targetSparsity,
      achievedSparsity: r.achievedSparsity,
      withinTolerance: true,
      accuracy: r.retrained.accuracy,
      agreement: r.retrained.agreement,
      protocol: r.protocol,
      resultId: r.resultId,
    });
  }
  return [...byKey.values()];
}

/**
 * The retrained model the readout (`train.accuracy`) shows: the one the user picked, else the
 * newest finished step; of a lottery run, its ticket (the arm the controls are measured against).
 */
export function latestTrained(
  results: TrainedSummary[],
  selectedId: string | null = null,
): TrainedSummary | null {
  const picked = results.find((r) => r.resultId === selectedId);
  if (picked) return picked;
  const last = results.length > 0 ? results[results.length - 1] : null;
  if (!last || last.protocol !== 'lottery') return last;
  return results.find((r) => r.runId === last.runId && r.arm === 'ticket') ?? last;
}

/** Results of a new run appended; the previous ones stay (the chart compares them). */
export function withResult(results: TrainedSummary[], step: TrainedSummary): TrainedSummary[] {
  return [...results.filter((r) => r.resultId !== step.resultId), step];
}

/** The sentence for a target list ("at 90.0 %", "at 50.0 % → 98.0 % in 6 steps"). */
export function targetsWords(sparsities: number[]): string {
  if (sparsities.length === 1) return `at ${sparsityPct(sparsities[0])}`;
  return `at ${sparsityPct(sparsities[0])} → ${sparsityPct(sparsities[sparsities.length - 1])} in ${sparsities.length} steps`;
}

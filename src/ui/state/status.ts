// What the progress line and the curve status say, as pure functions of the state: each counter
// names what it counts, a failure is named (never "waiting" when the files are there), and the
// time left is estimated from the pace of the current stage once its first chunk is done.
import type { MethodKey, UserError, Workspace } from '../../worker/protocol';
import { SPARSITY_GRID, pointKey } from './curves';
import { seconds } from './format';
import type { CurveView, JobView, StudioState } from './types';

const STAGE_LABEL: Record<string, string> = {
  sensitivities: 'Computing sensitivities',
  snip: 'Computing SNIP scores',
  propagate: 'Propagating zeros',
  loading: 'Loading',
  prune: 'Pruning',
  curves: 'Computing curves',
  starting: 'Starting',
};

export function stageLabel(stage: string | null): string {
  if (!stage) return '';
  return STAGE_LABEL[stage] ?? stage.charAt(0).toUpperCase() + stage.slice(1);
}

/** The page id of an error box, so that a status line can link to it. */
export function errorId(e: UserError): string {
  return `error-${e.where}-${e.code}`.replace(/[^A-Za-z0-9_-]/g, '-');
}

/**
 * "sensitivity points 124 of 152": what `done` and `total` count, for each stage the engine
 * reports. Sensitivities count points once per group of layers computed together (the CNN demo:
 * two groups), so the count says which pass it is in.
 */
export function counter(stage: string | null, done: number, total: number, points: number | null): string {
  if (stage === 'sensitivities' && points && points > 0 && total > points && total % points === 0) {
    const passes = total / points;
    const pass = Math.min(passes, Math.floor(done / points) + 1);
    const within = done - (pass - 1) * points;
    return `sensitivity points ${within} of ${points}, layer group ${pass} of ${passes}`;
  }
  if (stage === 'sensitivities' || stage === 'snip' || stage === 'propagate')
    return `sensitivity points ${done} of ${total}`;
  if (stage === 'curves') return `curve points ${done} of ${total}`;
  if (stage === 'prune') return `step ${done} of ${total}`;
  return `${done} of ${total}`;
}

/** Seconds left now: the last estimate, less the time since it was made; null when unknown. */
export function secondsLeftNow(job: Pick<JobView, 'secondsLeft' | 'updatedAt'>, now: number): number | null {
  if (job.secondsLeft === null) return null;
  return Math.max(0, job.secondsLeft - (now - job.updatedAt) / 1000);
}

function timeLeft(left: number | null, done: number, total: number): string {
  if (total <= 0) return '';
  if (done === 0) return ' · estimating the time left';
  if (done >= total) return ' · finishing';
  if (left === null) return '';
  return left >= 1 ? ` · about ${seconds(left)} left` : ' · almost done';
}

/** Errors that stop pruning (a training-set problem does not). */
export function blockingErrors(ws: Workspace | null): UserError[] {
  return (ws?.errors ?? []).filter((e) => e.where !== 'train' && e.where !== 'train-init');
}

const WHERE_WORDS: Partial<Record<UserError['where'], string>> = {
  files: 'a file could not be read',
  model: 'the model could not be loaded',
  batch: 'the batch cannot be used',
  backend: 'the engine failed',
  sensitivities: 'the sensitivities failed',
  demo: 'the demo could not be loaded',
};

export interface StatusLine {
  text: string;
  /** The error the line names: the link goes to its box. */
  link: { href: string; label: string } | null;
  /** The bar has no fraction to show (nothing counted yet, or the stage is finishing). */
  indeterminate: boolean;
}

/** The progress line above the results. */
export function progressLine(state: StudioState, now: number): StatusLine {
  const { job, workspace: ws } = state;
  const none = { link: null, indeterminate: false };
  if (job.state === 'running') {
    const stage = stageLabel(job.stage);
    if (job.total <= 0) return { ...none, text: `${stage}…`, indeterminate: true };
    const points = ws?.session?.points ?? null;
    const text = `${stage}: ${counter(job.stage, job.done, job.total, points)}${timeLeft(secondsLeftNow(job, now), job.done, job.total)}`;
    return { ...none, text, indeterminate: job.done === 0 || job.done >= job.total };
  }
  if (job.state === 'done')
    return {
      ...none,
      text: `Sensitivities ready${state.prepared ? ` (${seconds(state.prepared.seconds)})` : ''}`,
    };
  if (job.state === 'error' && job.message)
    return {
      ...none,
      text: `Stopped by an error: ${job.message}`,
      link: { href: '#error-job', label: 'Show the error' },
    };
  if (state.fatal) return { ...none, text: `Cannot continue: ${state.fatal.message}` };
  const blocking = blockingErrors(ws);
  const first = blocking[0] ?? (state.demoError && !ws?.model ? state.demoError : undefined);
  if (first) {
    const more = blocking.length > 1 ? ` (and ${blocking.length - 1} more)` : '';
    return {
      ...none,
      text: `Cannot continue: ${WHERE_WORDS[first.where] ?? 'an error stopped the work'}${more}.`,
      link: { href: `#${errorId(first)}`, label: 'Show the error' },
    };
  }
  if (ws?.ready) return { ...none, text: 'Sensitivities not computed' };
  const model = !!ws?.model;
  const batch = !!ws?.batch;
  if (model && batch)
    return {
      ...none,
      text: `Model and batch loaded; still needed: ${ws?.missing.join(', ') || 'a setting that fits them'}`,
    };
  if (model) return { ...none, text: 'Model loaded; waiting for a batch' };
  if (batch) return { ...none, text: 'Batch loaded; waiting for a model' };
  return { ...none, text: 'Waiting for a model and a batch' };
}

/** The line under the chart while the curves compute. */
export function curvesLine(curves: CurveView, points: number | null): string {
  if (curves.stage === 'curves' || (curves.total > 0 && curves.stage === null))
    return `Computing curves: ${counter('curves', curves.done, curves.total, null)}`;
  if (curves.total > 0)
    return `Preparing scores for the curves: ${stageLabel(curves.stage).toLowerCase()}, ${counter(curves.stage, curves.done, curves.total, points)}`;
  return `Preparing scores for the curves (${curves.stage ?? 'starting'})`;
}

/** How many of a method's grid points are in: a "highest sparsity" from fewer is provisional. */
export function curveCompleteness(curves: CurveView, method: MethodKey): { have: number; of: number } {
  const have = new Set(curves.points.map((p) => pointKey(p.method, p.sparsity)));
  const of = SPARSITY_GRID.length;
  return { have: SPARSITY_GRID.filter((s) => have.has(pointKey(method, s))).length, of };
}

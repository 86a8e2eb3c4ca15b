// A training run as the page follows it: a reducer over the worker's events (stage progress,
// minibatch ticks, epochs, finished steps) that keeps the overall fraction (never backwards), the
// time left (from the pace since the first minibatch) and the points of the live charts.
import type { Event, Progress, TrainEpoch, TrainParams, TrainTick, UserError } from '../../worker/protocol';

export type RunState = 'running' | 'done' | 'cancelled' | 'error';

export interface ChartPoint {
  /** Position in epochs (a cascade's steps one after another; lottery arms each from 0). */
  x: number;
  y: number;
  /** 'run', or the lottery arm. */
  series: string;
}

export interface RetrainRun {
  id: number;
  params: TrainParams;
  state: RunState;
  startedAt: number;
  endedAt: number | null;
  stage: string | null;
  stageDone: number;
  stageTotal: number;
  tick: TrainTick | null;
  epochs: TrainEpoch[];
  losses: ChartPoint[];
  accuracies: ChartPoint[];
  /** Trainings in the run: cascade steps, the lottery's three arms, or one. */
  trainings: number;
  /** The training in progress (0-based). */
  current: number;
  stepsDone: number;
  fraction: number;
  secondsLeft: number | null;
  firstTickAt: number | null;
  fractionAtFirstTick: number;
  message: string | null;
  error: UserError | null;
}

/** Live loss points kept: beyond this every other one is dropped (the chart's shape stays). */
export const MAX_LOSS_POINTS = 600;

export function trainingsIn(p: TrainParams): number {
  return p.protocol === 'cascade' ? p.sparsities.length : p.protocol === 'lottery' ? 3 : 1;
}

export function newRun(id: number, params: TrainParams, now: number): RetrainRun {
  return {
    id,
    params,
    state: 'running',
    startedAt: now,
    endedAt: null,
    stage: 'starting',
    stageDone: 0,
    stageTotal: 0,
    tick: null,
    epochs: [],
    losses: [],
    accuracies: [],
    trainings: trainingsIn(params),
    current: 0,
    stepsDone: 0,
    fraction: 0,
    secondsLeft: null,
    firstTickAt: null,
    fractionAtFirstTick: 0,
    message: null,
    error: null,
  };
}

/** "train (step 2 of 6)", "train (3 of 3: random-mask)" -> 1, 2; null for other stages. */
export function trainingIndex(stage: string): number | null {
  if (!stage.startsWith('train')) return null;
  const m = /(\d+) of (\d+)/.exec(stage);
  return m ? Number(m[1]) - 1 : 0;
}

function epochX(run: RetrainRun, step: number, epochPos: number, arm: string | undefined): number {
  const perStep = run.params.settings.epochs ?? 1;
  return run.params.protocol === 'cascade' && !arm ? step * perStep + epochPos : epochPos;
}

function decimate(points: ChartPoint[]): ChartPoint[] {
  return points.length <= MAX_LOSS_POINTS
    ? points
    : points.filter((_, i) => i % 2 === 0 || i === points.length - 1);
}

function withFraction(run: RetrainRun, now: number): RetrainRun {
  const trainIdx = run.stage ? trainingIndex(run.stage) : null;
  const current = Math.min(
    run.trainings - 1,
    Math.max(trainIdx ?? run.current, run.params.protocol === 'cascade' ? run.stepsDone : 0),
  );
  const within = trainIdx !== null && run.stageTotal > 0 ? run.stageDone / run.stageTotal : 0;
  const f = Math.min(
    1,
    Math.max(run.fraction, (Math.min(current, run.trainings - 1) + within) / run.trainings),
  );
  let { firstTickAt, fractionAtFirstTick } = run;
  if (firstTickAt === null && trainIdx !== null && run.stageDone > 0) {
    firstTickAt = now;
    fractionAtFirstTick = f;
  }
  let secondsLeft: number | null = null;
  if (firstTickAt !== null && f > fractionAtFirstTick && now - firstTickAt > 200) {
    const rate = (now - firstTickAt) / 1000 / (f - fractionAtFirstTick);
    secondsLeft = rate * (1 - f);
  }
  return { ...run, current, fraction: f, firstTickAt, fractionAtFirstTick, secondsLeft };
}

/** The run after one of its events (others are returned unchanged). */
export function runEvent(run: RetrainRun, e: Event, now: number): RetrainRun {
  switch (e.type) {
    case 'progress': {
      const p: Progress = e.progress;
      return withFraction({ ...run, stage: p.stage, stageDone: p.done, stageTotal: p.total }, now);
    }
    case 'train-tick': {
      const t = e.tick;
      const x = epochX(run, t.step, t.epoch - 1 + t.batch / t.batches, t.arm);
      const losses = decimate([...run.losses, { x, y: t.loss, series: t.arm ?? 'run' }]);
      return withFraction({ ...run, tick: t, losses }, now);
    }
    case 'train-epoch': {
      const ep = e.epoch;
      const x = epochX(run, ep.step, ep.epoch, ep.arm);
      const q = ep.accuracy ?? ep.agreement;
      return {
        ...run,
        epochs: [...run.epochs, ep],
        accuracies: [...run.accuracies, { x, y: q, series: ep.arm ?? 'run' }],
      };
    }
    case 'train-step-done': {
      // Where the step started (the pruned, or masked initial, network): the chart shows the climb.
      const t = e.step;
      const x = epochX(run, t.index, 0, t.arm ?? undefined);
      const start = { x, y: t.before.accuracy ?? t.before.agreement, series: t.arm ?? 'run' };
      return withFraction(
        { ...run, stepsDone: run.stepsDone + 1, accuracies: [...run.accuracies, start] },
        now,
      );
    }
    default:
      return run;
  }
}

/** The run once its call settled. */
export function endRun(
  run: RetrainRun,
  outcome: { kind: 'ok' } | { kind: 'cancelled' } | { kind: 'error'; error: UserError },
  now: number,
): RetrainRun {
  const base = { ...run, endedAt: now, secondsLeft: null };
  if (outcome.kind === 'ok') return { ...base, state: 'done', fraction: 1, message: null };
  if (outcome.kind === 'cancelled') {
    const kept = run.stepsDone;
    return {
      ...base,
      state: 'cancelled',
      message:
        `Cancelled.${kept > 0 ? ` The ${kept} finished step${kept === 1 ? ' is' : 's are'} kept.` : ''} ` +
        'The model, the batch and earlier results are as they were.',
    };
  }
  return { ...base, state: 'error', error: outcome.error };
}

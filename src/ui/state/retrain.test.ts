import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TRAIN_SETTINGS,
  MAX_KEPT_RESULTS,
  type Event,
  type TrainedSummary,
} from '../../worker/protocol';
import { CSV_HEADER, curvesCsv, curvesJson, maxWithin } from './curves';
import {
  currentTrained,
  describeTrained,
  initialForm,
  keptIds,
  latestTrained,
  lrWords,
  parseCascade,
  parseForm,
  retrainedPoints,
  trainedTag,
  withResult,
} from './retrain';
import { endRun, newRun, runEvent, trainingIndex } from './retrain-progress';

const ctx = { sparsity: 0.9, method: 'sipp' as const, seed: 0 };

function trained(over: Partial<TrainedSummary> = {}): TrainedSummary {
  return {
    resultId: '1.0',
    runId: 1,
    protocol: 'one-shot',
    method: 'sipp',
    index: 0,
    of: 1,
    arm: null,
    armLabel: null,
    targetSparsity: 0.9,
    achievedSparsity: 0.9003,
    nonzeroParams: 100,
    totalParams: 1000,
    before: { accuracy: 0.8, agreement: 0.82, evalPoints: 800 },
    retrained: { accuracy: 0.95, agreement: 0.96, evalPoints: 800 },
    settings: { ...DEFAULT_TRAIN_SETTINGS },
    loss: 'labels',
    history: [],
    diverged: null,
    trainSamples: 8101,
    seconds: 4,
    layers: [],
    ...over,
  };
}

describe('the retrain form', () => {
  it('defaults to the core settings and follows the slider for method and sparsity', () => {
    const r = parseForm(initialForm(), ctx);
    expect(r).toEqual({
      ok: true,
      params: {
        protocol: 'one-shot',
        method: 'sipp',
        sparsities: [0.9],
        settings: {
          epochs: 3,
          batchSize: 64,
          optimizer: 'adam',
          lr: 0.001,
          schedule: 'constant',
          seed: 0,
          distill: 'auto',
        },
        pruneSeed: 0,
      },
    });
  });

  it('reads the typed sparsity, the cascade and SGD fields, and refuses nonsense with a sentence', () => {
    const f = { ...initialForm(), sparsity: '95.5', method: 'wt' as const, optimizer: 'sgd' as const };
    const r = parseForm(f, ctx);
    expect(r.ok && r.params).toMatchObject({
      method: 'wt',
      sparsities: [0.955],
      settings: { momentum: 0.9, weightDecay: 0 },
    });
    const c = parseForm({ ...initialForm(), protocol: 'cascade' }, ctx);
    expect(c.ok && c.params.sparsities).toEqual([0.5, 0.7, 0.8, 0.9, 0.95, 0.98]);
    expect(parseCascade('50 % 90%, 98')).toEqual([0.5, 0.9, 0.98]);
    expect(parseCascade('90, 80')).toMatch(/must increase/);
    expect(parseCascade('')).toMatch(/at least one/);
    expect(parseForm({ ...initialForm(), epochs: '1.5' }, ctx)).toEqual({
      ok: false,
      error: 'Epochs must be a whole number from 1 to 10000; got "1.5".',
    });
    expect(parseForm({ ...initialForm(), lr: 'fast' }, ctx)).toMatchObject({
      ok: false,
      error: /Learning rate/,
    });
    expect(parseForm({ ...initialForm(), sparsity: '100' }, ctx)).toMatchObject({ ok: false });
  });
});

describe('retrained models', () => {
  it('are named in words and in file names', () => {
    expect(describeTrained(trained())).toBe('SiPP 90 %, fine-tuned 3 epochs (Adam 1e-3)');
    expect(trainedTag(trained())).toBe('sipp-90.0pct.finetuned-3ep');
    const step = trained({
      protocol: 'cascade',
      index: 3,
      of: 6,
      settings: { ...DEFAULT_TRAIN_SETTINGS, epochs: 1 },
    });
    expect(describeTrained(step)).toBe('SiPP 90 %, cascade step 4 of 6, 1 epoch per step (Adam 1e-3)');
    expect(trainedTag(step)).toBe('sipp-90.0pct.cascade4-1ep');
    const sgd = trained({
      protocol: 'lottery',
      arm: 'ticket',
      settings: { ...DEFAULT_TRAIN_SETTINGS, optimizer: 'sgd', lr: 0.01, schedule: 'step' },
    });
    expect(describeTrained(sgd)).toBe(
      'SiPP 90 %, lottery ticket (initial weights), trained 3 epochs (SGD 0.01, step schedule)',
    );
    expect(lrWords(5e-4)).toBe('5e-4');
  });

  it('go with the slider: the selected one, else the newest one-shot / cascade / ticket at that point', () => {
    const a = trained({ resultId: '1.0' });
    const b = trained({ resultId: '2.0' });
    const control = trained({ resultId: '3.random-mask', protocol: 'lottery', arm: 'random-mask' });
    const rs = [a, b, control];
    expect(currentTrained(rs, 'sipp', 0.9, null)?.resultId).toBe('2.0');
    expect(currentTrained(rs, 'sipp', 0.9, '1.0')?.resultId).toBe('1.0');
    expect(currentTrained(rs, 'sipp', 0.9, '3.random-mask')?.resultId).toBe('3.random-mask');
    expect(currentTrained(rs, 'wt', 0.9, null)).toBeNull();
    expect(currentTrained(rs, 'sipp', 0.91, null)).toBeNull();
  });

  it('show in the readout: the picked one, else the newest, and of a lottery run its ticket', () => {
    const one = trained();
    const arms = (['ticket', 'fresh-init', 'random-mask'] as const).map((arm, i) =>
      trained({
        resultId: `2.${arm}`,
        runId: 2,
        protocol: 'lottery',
        arm,
        retrained: { accuracy: 0.5 + i / 10, agreement: 0.5, evalPoints: 800 },
      }),
    );
    expect(latestTrained([])).toBeNull();
    expect(latestTrained([one])).toBe(one);
    expect(latestTrained([one, ...arms])?.resultId).toBe('2.ticket');
    expect(latestTrained([one, ...arms], '1.0')).toBe(one);
    expect(latestTrained([one, ...arms], '2.random-mask')?.resultId).toBe('2.random-mask');
  });

  it('are kept for download as the worker keeps them: the newest MAX_KEPT_RESULTS', () => {
    let rs: TrainedSummary[] = [];
    for (let i = 0; i < MAX_KEPT_RESULTS + 5; i++) rs = withResult(rs, trained({ resultId: `${i}.0` }));
    const kept = keptIds(rs);
    expect(kept.size).toBe(MAX_KEPT_RESULTS);
    expect(kept.has('0.0')).toBe(false);
    expect(kept.has(`${MAX_KEPT_RESULTS + 4}.0`)).toBe(true);
    expect(
      currentTrained([trained({ resultId: '0.0' }), ...rs.slice(1)], 'sipp', 0.9, '0.0')?.resultId,
    ).not.toBe('0.0');
  });

  it('add points beside the prune-only curve, with their own prune potential', () => {
    const rs = [
      trained({ resultId: '1.0', targetSparsity: 0.9, achievedSparsity: 0.9 }),
      trained({
        resultId: '2.0',
        targetSparsity: 0.9,
        achievedSparsity: 0.9,
        retrained: { accuracy: 0.96, agreement: 0.97, evalPoints: 800 },
      }),
      trained({
        resultId: '3.0',
        protocol: 'cascade',
        targetSparsity: 0.98,
        achievedSparsity: 0.98,
        retrained: { accuracy: 0.9, agreement: 0.9, evalPoints: 800 },
      }),
      trained({ resultId: '4.ticket', protocol: 'lottery', arm: 'ticket' }),
    ];
    const pts = retrainedPoints(rs);
    expect(pts.map((p) => `${p.protocol}:${p.resultId}`)).toEqual(['one-shot:2.0', 'cascade:3.0']);
    expect(maxWithin(pts, 'sipp', 0.965, 1)).toBe(0.9);
    expect(maxWithin(pts, 'sipp', 0.965, 10)).toBe(0.98);
  });

  it('go into the curves CSV and JSON with their settings', () => {
    const csv = curvesCsv(
      [
        {
          method: 'sipp',
          sparsity: 0.9,
          achievedSparsity: 0.9,
          withinTolerance: true,
          accuracy: 0.8,
          agreement: 0.82,
        },
      ],
      [trained()],
    )
      .trim()
      .split('\n');
    expect(csv[0]).toBe(CSV_HEADER);
    expect(csv[1]).toBe('sipp,0.9,0.900000,true,0.8,0.82,prune,,,,,,,,,,,,,,');
    expect(csv[2]).toBe(
      'sipp,0.9,0.900300,true,0.95,0.96,retrained,one-shot,1,0.8,0.82,3,adam,0.001,64,constant,0.9,0,0,auto,8101',
    );
    expect(csv[1].split(',')).toHaveLength(CSV_HEADER.split(',').length);
    const json = JSON.parse(
      curvesJson(
        { model: 'm', batch: 'b', evalPoints: 800, dense: { accuracy: 0.95, agreement: 1 }, seed: 0 },
        [],
        [trained()],
      ),
    );
    expect(json.retrained[0]).toMatchObject({
      protocol: 'one-shot',
      accuracy: 0.95,
      before: { accuracy: 0.8 },
      settings: { optimizer: 'adam', epochs: 3 },
    });
  });
});

describe('a run in progress', () => {
  const params = {
    protocol: 'cascade' as const,
    method: 'wt' as const,
    sparsities: [0.5, 0.9],
    settings: { epochs: 2 },
    pruneSeed: 0,
  };
  const progress = (stage: string, done: number, total: number): Event => ({
    type: 'progress',
    id: 1,
    progress: { stage, done, total },
  });

  it('reads the training index from the stage', () => {
    expect(trainingIndex('train')).toBe(0);
    expect(trainingIndex('train (step 2 of 6)')).toBe(1);
    expect(trainingIndex('train (3 of 3: random-mask)')).toBe(2);
    expect(trainingIndex('prune')).toBeNull();
  });

  it('moves forward over steps, never back, estimates the time left and ends at 100 %', () => {
    let run = newRun(1, params, 0);
    run = runEvent(run, progress('sensitivities', 1, 2), 10);
    expect(run.fraction).toBe(0);
    run = runEvent(run, progress('train (step 1 of 2)', 1, 20), 100);
    expect(run.fraction).toBeCloseTo(1 / 40);
    expect(run.secondsLeft).toBeNull();
    run = runEvent(
      run,
      { type: 'train-tick', id: 1, tick: { step: 0, epoch: 1, epochs: 2, batch: 1, batches: 10, loss: 2.3 } },
      100,
    );
    run = runEvent(run, progress('train (step 1 of 2)', 11, 20), 1100);
    expect(run.fraction).toBeCloseTo(11 / 40);
    // 10 of 40 steps in 1 s: 29 steps left, about 2.9 s.
    expect(run.secondsLeft).toBeCloseTo(2.9, 5);
    run = runEvent(
      run,
      {
        type: 'train-epoch',
        id: 1,
        epoch: {
          step: 1,
          epoch: 1,
          epochs: 2,
          loss: 0.3,
          lr: 1e-3,
          accuracy: 0.9,
          agreement: 0.9,
          seconds: 1,
        },
      },
      1200,
    );
    expect(run.accuracies).toEqual([{ x: 3, y: 0.9, series: 'run' }]);
    run = runEvent(run, progress('train (step 1 of 2)', 20, 20), 2000);
    run = runEvent(run, progress('prune', 0, 1), 2100);
    expect(run.fraction).toBeCloseTo(0.5);
    run = runEvent(run, { type: 'train-step-done', id: 1, step: trained() }, 2100);
    expect(run.stepsDone).toBe(1);
    // The step's start (prune-only) joins the accuracy chart, at the step's first epoch.
    expect(run.accuracies[run.accuracies.length - 1]).toEqual({ x: 0, y: 0.8, series: 'run' });
    run = runEvent(run, progress('train (step 2 of 2)', 0, 20), 2200);
    expect(run.fraction).toBeCloseTo(0.5);
    run = runEvent(
      run,
      { type: 'train-tick', id: 1, tick: { step: 1, epoch: 2, epochs: 2, batch: 5, batches: 10, loss: 0.2 } },
      2300,
    );
    expect(run.losses[run.losses.length - 1]).toEqual({ x: 3.5, y: 0.2, series: 'run' });
    const cancelled = endRun(run, { kind: 'cancelled' }, 2400);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.message).toMatch(/The 1 finished step is kept/);
    expect(endRun(run, { kind: 'ok' }, 3000)).toMatchObject({ state: 'done', fraction: 1 });
  });
});

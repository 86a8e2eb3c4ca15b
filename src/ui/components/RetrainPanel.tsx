import type { ReactNode } from 'react';
import {
  METHOD_KEYS,
  METHODS,
  OPTIMIZERS,
  PAPER_SGD,
  SCHEDULES,
  type DistillMode,
  type MethodKey,
  type OptimizerKind,
  type Protocol,
  type ScheduleKind,
} from '../../worker/protocol';
import { useStudio } from '../state/context';
import { count } from '../state/format';
import { targetsWords, type RetrainForm } from '../state/retrain';
import { ErrorMessage } from './ErrorMessage';
import { RetrainCharts, RetrainProgress } from './RetrainCharts';
import { RetrainedReadout, RetrainResults } from './RetrainResults';
import { FileSlot } from './TrainingCard';

const PROTOCOL_LABEL: Record<Protocol, string> = {
  'one-shot': 'One-shot: prune, then fine-tune',
  cascade: 'Cascade: prune and retrain, step by step',
  lottery: 'Lottery ticket: the mask, trained from the initial weights',
};
const SCHEDULE_LABEL: Record<ScheduleKind, string> = {
  constant: 'constant',
  step: 'step (×0.1 at 60 % and 90 %)',
  cosine: 'cosine to 0',
};
const DISTILL_LABEL: Record<DistillMode, string> = {
  auto: 'labels (distil if none)',
  off: 'labels only',
  on: 'labels + distillation',
};

function Field({ label, children, hint }: { label: string; children: ReactNode; hint?: string }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
      {hint && <small className="hint">{hint}</small>}
    </label>
  );
}

/** The lottery ticket's initial weights: the demo's, or a model.json + shards dropped here. */
function InitSlot() {
  const [state, studio] = useStudio();
  const t = state.training;
  const errors = [
    ...(t?.errors ?? []).filter((e) => e.where === 'train-init'),
    ...(state.retrain.error?.where === 'train-init' ? [state.retrain.error] : []),
  ];
  return (
    <div className="init-slot">
      <h4>Initial weights</h4>
      <FileSlot
        testId="train.init-drop"
        label="Choose model.json + weights…"
        hint="the same network before it was trained (same layers and shapes)"
        take={(files) => void studio.retrain.setInitFiles(files)}
      />
      {state.retrain.loading === 'train-init' && <p className="hint">Reading the initial weights…</p>}
      {t?.init ? (
        <p data-testid="train.init-summary" className="hint">
          {t.init.demo ? 'The demo’s initial weights: ' : ''}
          {t.init.files.join(', ')}, {count(t.init.params)} parameters.{' '}
          <button type="button" className="link-button" onClick={() => void studio.retrain.removeInit()}>
            Remove
          </button>
        </p>
      ) : (
        t &&
        t.initMissing.length > 0 && (
          <p className="hint" data-testid="train.init-missing">
            Still needed: {t.initMissing.join('; ')}
          </p>
        )
      )}
      {errors.map((e, i) => (
        <ErrorMessage key={i} error={e} title="The initial weights cannot be used." />
      ))}
    </div>
  );
}

export function RetrainPanel() {
  const [state, studio] = useStudio();
  const rv = state.retrain;
  const f = rv.form;
  const r = studio.retrain;
  const set = state.training?.set ?? null;
  const run = rv.run;
  const running = run?.state === 'running';
  const set$ = (patch: Partial<RetrainForm>) => r.setForm(patch);
  const lottery = f.protocol === 'lottery';
  const canStart =
    !!state.prepared && !!set && !running && (!lottery || !!state.training?.init) && rv.loading === null;
  const why = !state.prepared
    ? 'Retraining starts from the computed sensitivities.'
    : !set
      ? 'Add a training set, or split the batch (Model and data).'
      : lottery && !state.training?.init
        ? 'The lottery ticket needs the initial weights.'
        : null;
  const sliderPct = +(100 * state.sparsity).toFixed(1);
  const labelled = state.prepared ? state.prepared.dense.accuracy !== null : true;
  return (
    <section className="panel retrain-panel" aria-labelledby="retrain-title" data-testid="train.panel">
      <h2 id="retrain-title">Retrain</h2>
      <p className="hint">
        Fine-tune the pruned network with its zeros held at zero, so it wins back what pruning cost. Runs in
        the engine; the slider waits while it trains.
      </p>
      <div className="retrain-form">
        <Field label="Protocol">
          <select
            data-testid="train.protocol"
            value={f.protocol}
            disabled={running}
            onChange={(e) => set$({ protocol: e.target.value as Protocol })}
          >
            {(Object.keys(PROTOCOL_LABEL) as Protocol[]).map((p) => (
              <option key={p} value={p}>
                {PROTOCOL_LABEL[p]}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Method">
          <select
            data-testid="train.method"
            value={f.method ?? ''}
            disabled={running}
            onChange={(e) => set$({ method: e.target.value === '' ? null : (e.target.value as MethodKey) })}
          >
            <option value="">As in Prune ({METHODS[state.method].label})</option>
            {METHOD_KEYS.map((k) => (
              <option key={k} value={k}>
                {METHODS[k].label}
              </option>
            ))}
          </select>
        </Field>
        {f.protocol === 'cascade' ? (
          <Field
            label="Cascade targets (%)"
            hint="each relative to the dense model; scores recomputed per step"
          >
            <input
              type="text"
              data-testid="train.cascade"
              value={f.cascade}
              disabled={running}
              onChange={(e) => set$({ cascade: e.target.value })}
            />
          </Field>
        ) : (
          <Field label="Target sparsity (%)" hint={f.sparsity === null ? 'follows the slider' : undefined}>
            <span className="with-link">
              <input
                type="number"
                min={0}
                max={99.9}
                step={0.1}
                data-testid="train.sparsity"
                value={f.sparsity ?? String(sliderPct)}
                disabled={running}
                onChange={(e) => set$({ sparsity: e.target.value })}
              />
              {f.sparsity !== null && (
                <button type="button" className="link-button" onClick={() => set$({ sparsity: null })}>
                  use the slider’s
                </button>
              )}
            </span>
          </Field>
        )}
        <Field label="Epochs">
          <input
            type="number"
            min={1}
            step={1}
            data-testid="train.epochs"
            value={f.epochs}
            disabled={running}
            onChange={(e) => set$({ epochs: e.target.value })}
          />
        </Field>
        <Field label="Optimizer">
          <select
            data-testid="train.optimizer"
            value={f.optimizer}
            disabled={running}
            onChange={(e) => set$({ optimizer: e.target.value as OptimizerKind })}
          >
            {OPTIMIZERS.map((o) => (
              <option key={o} value={o}>
                {o === 'adam' ? 'Adam' : 'SGD (momentum)'}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Learning rate">
          <input
            type="text"
            inputMode="decimal"
            data-testid="train.lr"
            value={f.lr}
            disabled={running}
            onChange={(e) => set$({ lr: e.target.value })}
          />
        </Field>
        {f.optimizer === 'sgd' && (
          <>
            <Field label="Momentum">
              <input
                type="text"
                inputMode="decimal"
                data-testid="train.momentum"
                value={f.momentum}
                disabled={running}
                onChange={(e) => set$({ momentum: e.target.value })}
              />
            </Field>
            <Field label="Weight decay">
              <input
                type="text"
                inputMode="decimal"
                data-testid="train.weight-decay"
                value={f.weightDecay}
                disabled={running}
                onChange={(e) => set$({ weightDecay: e.target.value })}
              />
            </Field>
          </>
        )}
        <Field label="Batch size">
          <input
            type="number"
            min={1}
            step={1}
            data-testid="train.batch-size"
            value={f.batchSize}
            disabled={running}
            onChange={(e) => set$({ batchSize: e.target.value })}
          />
        </Field>
        <Field label="Schedule">
          <select
            data-testid="train.schedule"
            value={f.schedule}
            disabled={running}
            onChange={(e) => set$({ schedule: e.target.value as ScheduleKind })}
          >
            {SCHEDULES.map((s) => (
              <option key={s} value={s}>
                {SCHEDULE_LABEL[s]}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Loss">
          <select
            data-testid="train.distill"
            value={f.distill}
            disabled={running}
            onChange={(e) => set$({ distill: e.target.value as DistillMode })}
          >
            {(Object.keys(DISTILL_LABEL) as DistillMode[]).map((d) => (
              <option key={d} value={d}>
                {DISTILL_LABEL[d]}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Seed">
          <input
            type="number"
            step={1}
            data-testid="train.seed"
            value={f.seed}
            disabled={running}
            onChange={(e) => set$({ seed: e.target.value })}
          />
        </Field>
      </div>
      <button
        type="button"
        className="link-button"
        disabled={running}
        onClick={() =>
          set$({
            optimizer: PAPER_SGD.optimizer,
            lr: String(PAPER_SGD.lr),
            momentum: String(PAPER_SGD.momentum),
            weightDecay: String(PAPER_SGD.weightDecay),
            schedule: PAPER_SGD.schedule,
          })
        }
      >
        Use the paper’s SGD (lr 0.01, momentum 0.9, weight decay 1e-4, step decay)
      </button>
      {lottery && <InitSlot />}
      <div className="retrain-actions">
        <button
          type="button"
          className="button primary"
          data-testid="train.start"
          disabled={!canStart}
          onClick={() => r.start()}
        >
          Start retraining
        </button>
        {running && (
          <button type="button" className="button" data-testid="train.cancel" onClick={() => r.cancel()}>
            Cancel
          </button>
        )}
        <span className="hint">
          {why ??
            (run && running
              ? `${run.params.protocol} ${METHODS[run.params.method].label} ${targetsWords(run.params.sparsities)}`
              : `${count(set?.samples ?? 0)} training samples`)}
        </span>
      </div>
      {rv.error && rv.error.where === 'retrain' && <ErrorMessage error={rv.error} title="Cannot start." />}
      {run && <RetrainProgress run={run} />}
      {run?.error && (
        <div data-testid="train.error">
          <ErrorMessage error={run.error} title="Retraining stopped." />
        </div>
      )}
      <RetrainedReadout />
      {run && <RetrainCharts run={run} labelled={labelled} />}
      <RetrainResults />
    </section>
  );
}

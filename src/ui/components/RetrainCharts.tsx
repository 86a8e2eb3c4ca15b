import { memo } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { TrainParams } from '../../worker/protocol';
import type { ChartPoint, RetrainRun } from '../state/retrain-progress';
import { pct, seconds } from '../state/format';

const SERIES_COLORS: Record<string, string> = {
  run: '#1f6feb',
  ticket: '#1a7f37',
  'fresh-init': '#d9480f',
  'random-mask': '#6b7280',
};
const SERIES_LABEL: Record<string, string> = {
  run: 'this run',
  ticket: 'ticket (initial weights)',
  'fresh-init': 'same mask, fresh init',
  'random-mask': 'random mask',
};

/** Points per series in x order (stable: at a cascade step's start, the drop follows the climb). */
function bySeries(points: ChartPoint[]): [string, ChartPoint[]][] {
  const m = new Map<string, ChartPoint[]>();
  for (const p of points) m.set(p.series, [...(m.get(p.series) ?? []), p]);
  return [...m].map(([k, v]) => [k, [...v].sort((a, b) => a.x - b.x)]);
}

/** Where each cascade step begins, in epochs. */
function stepLines(params: TrainParams): { x: number; label: string }[] {
  if (params.protocol !== 'cascade') return [];
  const per = params.settings.epochs ?? 1;
  return params.sparsities.map((s, i) => ({ x: i * per, label: `${+(100 * s).toFixed(1)} %` }));
}

/** Memoised on its points: a tick redraws the loss chart, not the accuracy one. */
const MiniChart = memo(function MiniChart({
  params,
  running,
  points,
  testId,
  label,
  format,
  domain,
  dots,
}: {
  params: TrainParams;
  running: boolean;
  points: ChartPoint[];
  testId: string;
  label: string;
  format: (v: number) => string;
  domain: [number | 'auto', number | 'auto'];
  dots: boolean;
}) {
  const series = bySeries(points);
  const maxX = Math.max(1, ...points.map((p) => p.x));
  return (
    <div
      className="mini-chart"
      data-testid={testId}
      data-points={points.length}
      role="figure"
      aria-label={label}
      aria-describedby={`${testId}-desc`}
    >
      <h4>{label}</h4>
      <p id={`${testId}-desc`} className="visually-hidden">
        {series
          .map(([name, data]) => {
            const last = data[data.length - 1];
            return `${SERIES_LABEL[name] ?? name}: ${data.length} points${last ? `, last ${format(last.y)} at epoch ${last.x.toFixed(1)}` : ''}.`;
          })
          .join(' ')}
      </p>
      {points.length === 0 ? (
        <p className="placeholder small">{running ? 'after the first steps…' : 'no data'}</p>
      ) : (
        <ResponsiveContainer width="100%" height={180}>
          <LineChart margin={{ top: 8, right: 12, bottom: 14, left: 4 }}>
            <CartesianGrid stroke="#e5e7eb" strokeDasharray="3 3" />
            <XAxis
              type="number"
              dataKey="x"
              domain={[0, Math.ceil(maxX)]}
              allowDecimals={false}
              fontSize={11}
              label={{ value: 'epoch', position: 'insideBottom', offset: -8, fontSize: 11, fill: '#4b5563' }}
            />
            <YAxis type="number" domain={domain} tickFormatter={format} width={48} fontSize={11} />
            <Tooltip
              formatter={(v, name) => [format(Number(v)), String(name)]}
              labelFormatter={(x) => `epoch ${Number(x).toFixed(2)}`}
            />
            {series.length > 1 && <Legend wrapperStyle={{ fontSize: 11 }} />}
            {stepLines(params).map((l) => (
              <ReferenceLine
                key={l.x}
                x={l.x}
                stroke="#cbd5e1"
                label={{ value: l.label, position: 'insideTopLeft', fontSize: 10, fill: '#4b5563' }}
              />
            ))}
            {series.map(([name, data]) => (
              <Line
                key={name}
                data={data}
                dataKey="y"
                name={SERIES_LABEL[name] ?? name}
                stroke={SERIES_COLORS[name] ?? '#1f6feb'}
                strokeWidth={dots ? 2 : 1.25}
                dot={dots ? { r: 3 } : false}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
    </div>
  );
});

// Stable across renders, so that the memoised charts skip unchanged data.
const lossFormat = (v: number) => v.toFixed(2);
const accuracyFormat = (v: number) => pct(v, 0);
const LOSS_DOMAIN: [number, 'auto'] = [0, 'auto'];
const ACCURACY_DOMAIN: ['auto', number] = ['auto', 1];

/** Training loss (every logged minibatch) and evaluation accuracy (every epoch), live. */
export function RetrainCharts({ run, labelled }: { run: RetrainRun; labelled: boolean }) {
  return (
    <div className="mini-charts">
      <MiniChart
        params={run.params}
        running={run.state === 'running'}
        points={run.losses}
        testId="train.loss-chart"
        label="Training loss"
        format={lossFormat}
        domain={LOSS_DOMAIN}
        dots={false}
      />
      <MiniChart
        params={run.params}
        running={run.state === 'running'}
        points={run.accuracies}
        testId="train.accuracy-chart"
        label={labelled ? 'Accuracy after each epoch' : 'Agreement after each epoch'}
        format={accuracyFormat}
        domain={ACCURACY_DOMAIN}
        dots
      />
    </div>
  );
}

const STAGE_WORDS: Record<string, string> = {
  sensitivities: 'Computing sensitivities',
  snip: 'Computing SNIP scores',
  prune: 'Pruning',
  'distillation targets': 'Computing the dense model’s answers',
  starting: 'Starting',
};

function stageWords(stage: string | null): string {
  if (!stage) return '';
  if (stage.startsWith('train')) return 'Training' + stage.slice(5);
  return STAGE_WORDS[stage] ?? stage.charAt(0).toUpperCase() + stage.slice(1);
}

/** Stage, epoch, minibatch, loss and time left of the run; the bar never waits at 0 %. */
export function RetrainProgress({ run }: { run: RetrainRun }) {
  const running = run.state === 'running';
  const t = run.tick;
  const stageFraction = run.stageTotal > 0 ? run.stageDone / run.stageTotal : 0;
  // Before the first minibatch the stage's own progress shows (pruning, sensitivities).
  const shown = run.fraction > 0 || !running ? run.fraction : stageFraction * (0.02 / run.trainings);
  const parts = running
    ? [
        stageWords(run.stage),
        `${Math.round(100 * run.fraction)} %`,
        run.trainings > 1 ? `step ${Math.min(run.current + 1, run.trainings)} of ${run.trainings}` : null,
        t ? `epoch ${t.epoch} of ${t.epochs}` : null,
        t ? `batch ${t.batch} of ${t.batches}` : null,
        t ? `loss ${t.loss.toFixed(3)}` : null,
        run.secondsLeft !== null
          ? `about ${seconds(Math.max(1, run.secondsLeft))} left`
          : 'estimating time left…',
      ]
    : [
        run.state === 'done'
          ? `Done in ${seconds(((run.endedAt ?? run.startedAt) - run.startedAt) / 1000)}`
          : run.state === 'cancelled'
            ? 'Cancelled'
            : 'Stopped by an error',
      ];
  const label = parts.filter(Boolean).join(' · ');
  return (
    <div
      className={`train-progress train-${run.state}`}
      data-testid="train.progress"
      data-state={run.state}
      data-fraction={run.fraction}
      data-step={run.current}
      data-tick-step={t?.step ?? ''}
      data-epoch={t?.epoch ?? ''}
      data-batch={t?.batch ?? ''}
      data-loss={t?.loss ?? ''}
    >
      <div
        className={`progress progress-${running ? 'running' : run.state === 'done' ? 'done' : 'idle'}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(100 * run.fraction)}
        aria-busy={running}
      >
        <div className="progress-fill" style={{ width: `${Math.max(running ? 2 : 0, 100 * shown)}%` }} />
      </div>
      <p className="progress-label" aria-live="polite">
        {label}
      </p>
      {run.message && <p className="progress-message">{run.message}</p>}
    </div>
  );
}

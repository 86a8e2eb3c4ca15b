import { useStudio } from '../state/context';
import { seconds } from '../state/format';
import { ErrorMessage } from './ErrorMessage';

const STAGE_LABEL: Record<string, string> = {
  sensitivities: 'Computing sensitivities',
  snip: 'Computing SNIP scores',
  loading: 'Loading',
  prune: 'Pruning',
  propagate: 'Propagating zeros',
  starting: 'Starting',
};

export function ProgressBar() {
  const [state, studio] = useStudio();
  const { job, workspace } = state;
  const running = job.state === 'running';
  const fraction = job.total > 0 ? job.done / job.total : 0;
  const left = job.secondsLeft;
  const stage = job.stage
    ? (STAGE_LABEL[job.stage] ?? job.stage.charAt(0).toUpperCase() + job.stage.slice(1))
    : '';
  const label = running
    ? `${stage}${job.total > 0 ? ` · ${Math.round(100 * fraction)} %` : ''}${left !== null && left >= 1 ? ` · about ${seconds(left)} left` : ''}`
    : job.state === 'done'
      ? `Sensitivities ready${state.prepared ? ` (${seconds(state.prepared.seconds)})` : ''}`
      : job.state === 'error'
        ? job.message
          ? 'Stopped by an error'
          : 'Cannot continue: see the message by the model or the batch'
        : workspace?.ready
          ? 'Sensitivities not computed'
          : 'Waiting for a model and a batch';
  return (
    <section className="panel progress-panel" aria-label="Progress">
      <div className="progress-row">
        <div
          className={`progress progress-${job.state}`}
          data-testid="progress.bar"
          data-state={job.state}
          role="progressbar"
          aria-label={label}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={running ? Math.round(100 * fraction) : job.state === 'done' ? 100 : 0}
          aria-busy={running}
        >
          <div
            className={`progress-fill${running && job.total === 0 ? ' indeterminate' : ''}`}
            style={{ width: `${running ? Math.max(2, 100 * fraction) : job.state === 'done' ? 100 : 0}%` }}
          />
        </div>
        {running && job.kind === 'sensitivities' && (
          <button
            type="button"
            className="button small"
            data-testid="progress.cancel"
            onClick={() => studio.cancelJob()}
          >
            Cancel
          </button>
        )}
        {!running && job.state !== 'done' && workspace?.ready && (
          <button type="button" className="button small primary" onClick={() => void studio.prepare()}>
            Compute sensitivities
          </button>
        )}
      </div>
      <p className="progress-label" aria-live="polite">
        {label}
      </p>
      {job.message && job.state === 'error' && <ErrorMessage error={job.message} />}
      {job.message && job.state !== 'error' && <p className="progress-message">{job.message}</p>}
    </section>
  );
}

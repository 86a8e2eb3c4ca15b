import { useEffect, useState, type MouseEvent } from 'react';
import { useStudio } from '../state/context';
import { progressLine } from '../state/status';
import { ErrorMessage } from './ErrorMessage';

/** Goes to an error box and gives it focus, so that a screen reader reads it too. */
export function goToError(e: MouseEvent<HTMLAnchorElement>, href: string): void {
  const el = document.getElementById(href.slice(1));
  if (!el) return;
  e.preventDefault();
  el.scrollIntoView({ block: 'center' });
  el.focus({ preventScroll: true });
}

export function ProgressBar() {
  const [state, studio] = useStudio();
  const { job, workspace } = state;
  const running = job.state === 'running';
  // The time left counts down between progress events (a slow chunk can take many seconds).
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(performance.now()), 1000);
    return () => clearInterval(t);
  }, [running]);
  const fraction = job.total > 0 ? job.done / job.total : 0;
  const line = progressLine(state, Math.max(now, job.updatedAt));
  return (
    <section className="panel progress-panel" aria-label="Progress">
      <div className="progress-row">
        <div
          className={`progress progress-${job.state}`}
          data-testid="progress.bar"
          data-state={job.state}
          role="progressbar"
          aria-label={line.text}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={running ? Math.round(100 * fraction) : job.state === 'done' ? 100 : 0}
          aria-busy={running}
        >
          <div
            className={`progress-fill${running && line.indeterminate ? ' indeterminate' : ''}`}
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
      <p className="progress-label" aria-live="polite" data-testid="progress.label">
        {line.text}
        {line.link && (
          <>
            {' '}
            <a
              href={line.link.href}
              className="error-link"
              data-testid="progress.error-link"
              onClick={(e) => goToError(e, line.link!.href)}
            >
              {line.link.label}
            </a>
          </>
        )}
      </p>
      {job.message && job.state === 'error' && <ErrorMessage error={job.message} id="error-job" />}
      {job.message && job.state !== 'error' && <p className="progress-message">{job.message}</p>}
    </section>
  );
}

import { useStudio } from '../state/context';
import { currentSpeed, speedWords } from '../state/speed';
import { ErrorMessage } from './ErrorMessage';

/**
 * "Measure speed": the slider's result with its zeroed channels removed, timed against the dense
 * model in the worker. A measurement of another slider setting stays visible, greyed, as stale.
 */
export function SpeedBox() {
  const [state, studio] = useStudio();
  const { busy, result, error } = state.speed;
  const ready = state.prepared !== null && state.pruned !== null;
  const current = currentSpeed(state);
  const shown = current ?? result;
  return (
    <div className="speed">
      <button
        type="button"
        className="button"
        data-testid="speed.measure"
        disabled={!ready || busy}
        onClick={() => void studio.measureSpeed()}
      >
        {busy ? 'Measuring…' : 'Measure speed'}
      </button>
      {shown ? (
        <span
          className={`speed-readout${current ? '' : ' stale'}`}
          data-testid="speed.readout"
          data-state={current ? 'ready' : 'stale'}
          data-method={shown.method}
          data-target={shown.targetSparsity}
          data-latency-dense={shown.latencyMs.dense}
          data-latency-slim={shown.latencyMs.slim}
          data-macs-dense={shown.macs.dense}
          data-macs-slim={shown.macs.slim}
          data-params-dense={shown.params.dense}
          data-params-slim={shown.params.slim}
          data-backend={shown.backend}
        >
          {speedWords(shown)}
          <span className="hint">
            {' '}
            · zeroed channels removed, median of {shown.runs} runs after {shown.warmup} warm-ups on{' '}
            {shown.backend}
            {current
              ? ''
              : ` · stale: measured at another setting (${shown.method}, ${shown.targetSparsity})`}
          </span>
        </span>
      ) : (
        <span className="hint">
          Builds the physically smaller model (zeroed channels removed) and times it against the dense one on
          this backend; takes a few seconds.
        </span>
      )}
      {error && <ErrorMessage error={error} title="Measuring failed." />}
    </div>
  );
}

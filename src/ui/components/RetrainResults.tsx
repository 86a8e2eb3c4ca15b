import type { TrainedSummary } from '../../worker/protocol';
import { useStudio } from '../state/context';
import { pct, points, seconds, sparsityPct } from '../state/format';
import { describeTrained, keptIds, latestTrained } from '../state/retrain';
import { MAX_KEPT_RESULTS } from '../../worker/protocol';

const q = (e: { accuracy: number | null; agreement: number }) => e.accuracy ?? e.agreement;

/** The newest finished step: its accuracy after retraining beside the prune-only figure. */
export function RetrainedReadout() {
  const [state] = useStudio();
  const t = latestTrained(state.retrain.results, state.retrain.selectedId);
  if (!t) return null;
  const after = q(t.retrained);
  const before = q(t.before);
  const what = t.retrained.accuracy === null ? 'agreement' : 'accuracy';
  return (
    <div className="retrained-readout">
      <div className="readout">
        <span className="readout-label">After retraining ({what})</span>
        <span
          className="readout-value"
          data-testid="train.accuracy"
          data-value={after}
          data-before={before}
          data-result-id={t.resultId}
          data-sparsity={t.achievedSparsity}
        >
          {pct(after)}
        </span>
        <span className="readout-sub">
          {t.protocol === 'lottery' ? 'at the start' : 'prune-only'} {pct(before)} · {points(after - before)}
        </span>
      </div>
      <p className="hint">
        {describeTrained(t)}: {sparsityPct(t.achievedSparsity)} sparse,{' '}
        {t.trainSamples.toLocaleString('en-US')} training samples, {seconds(t.seconds)}.
      </p>
      {t.diverged && (
        <div className="error" role="alert" data-testid="train.error" data-code="diverged">
          <strong>Training diverged. </strong>
          {t.diverged}
        </div>
      )}
    </div>
  );
}

function Row({ t, kept, selected }: { t: TrainedSummary; kept: boolean; selected: boolean }) {
  const [, studio] = useStudio();
  return (
    <tr data-result-id={t.resultId} className={selected ? 'selected' : undefined}>
      <th scope="row">{describeTrained(t)}</th>
      <td className="num">{sparsityPct(t.achievedSparsity)}</td>
      <td className="num">{pct(q(t.before))}</td>
      <td className="num">
        <strong>{pct(q(t.retrained))}</strong>
      </td>
      <td>
        {kept ? (
          <button
            type="button"
            className="link-button"
            aria-pressed={selected}
            onClick={() => studio.retrain.select(t.resultId)}
          >
            {selected ? 'shown' : 'show'}
          </button>
        ) : (
          <span className="hint">no longer kept</span>
        )}
      </td>
    </tr>
  );
}

/** Every retrained model of this model and batch; "show" puts it on the slider and the download. */
export function RetrainResults() {
  const [state] = useStudio();
  const { results, selectedId } = state.retrain;
  if (results.length === 0) return null;
  const kept = keptIds(results);
  return (
    <details className="retrain-results" open>
      <summary>
        Retrained models ({results.length}
        {results.length > MAX_KEPT_RESULTS ? `; the newest ${MAX_KEPT_RESULTS} can be downloaded` : ''})
      </summary>
      <div className="table-wrap">
        <table className="layers" data-testid="train.results">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Sparsity</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
              <th scope="col">
                <span className="visually-hidden">Show</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {[...results].reverse().map((t) => (
              <Row key={t.resultId} t={t} kept={kept.has(t.resultId)} selected={t.resultId === selectedId} />
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

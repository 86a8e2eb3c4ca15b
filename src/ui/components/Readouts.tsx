import { useStudio } from '../state/context';
import { bytes, count, pct, points, seconds, sparsityPct } from '../state/format';
import { currentTrained, describeTrained } from '../state/retrain';
import { targetPct } from '../state/slider';
import { ErrorMessage } from './ErrorMessage';

export function Readouts() {
  const [state] = useStudio();
  const { pruned: r, prepared, size, prunePending, pruneError } = state;
  const dense = prepared?.dense;
  const labelled = dense ? dense.accuracy !== null : (state.workspace?.batch?.labelled ?? true);
  const quality = r ? (r.eval.accuracy ?? r.eval.agreement) : null;
  const denseQuality = dense ? (dense.accuracy ?? dense.agreement) : null;
  const pending =
    prunePending ||
    (!!r && (r.targetSparsity !== state.sparsity || r.method !== state.method || r.seed !== state.seed));
  const common = {
    'data-state': r ? (pending ? 'pending' : 'ready') : 'empty',
    'data-target': r ? String(r.targetSparsity) : undefined,
    'data-method': r?.method,
    'data-seed': r ? String(r.seed) : undefined,
    'aria-busy': pending,
  };
  const sizeMatches = size && r && size.method === r.method && size.targetSparsity === r.targetSparsity;
  // A retrained model at the slider's method and sparsity: its figure beside the prune-only one.
  const trained = currentTrained(
    state.retrain.results,
    state.method,
    state.sparsity,
    state.retrain.selectedId,
  );
  const trainedQ = trained ? (trained.retrained.accuracy ?? trained.retrained.agreement) : null;
  const training = state.retrain.run?.state === 'running';
  return (
    <div className={`readouts${pending ? ' pending' : ''}`} aria-live="polite">
      <div className="readout">
        <span className="readout-label">{labelled ? 'Accuracy' : 'Agreement with original'}</span>
        <span
          className="readout-value"
          data-testid="prune.accuracy"
          data-value={quality ?? undefined}
          {...common}
        >
          {pct(quality)}
        </span>
        <span className="readout-sub">
          {denseQuality !== null
            ? `dense ${pct(denseQuality)}${quality !== null ? ` · ${points(quality - denseQuality)}` : ''}`
            : 'dense: after sensitivities'}
        </span>
      </div>
      {trained && trainedQ !== null && (
        <div
          className="readout retrained"
          data-testid="prune.retrained"
          data-value={trainedQ}
          data-result-id={trained.resultId}
        >
          <span className="readout-label">After retraining</span>
          <span className="readout-value">{pct(trainedQ)}</span>
          <span className="readout-sub">
            {quality !== null && !pending ? `${points(trainedQ - quality)} over prune-only · ` : ''}
            {describeTrained(trained)}
          </span>
        </div>
      )}
      <div className="readout">
        <span className="readout-label">Achieved sparsity</span>
        <span
          className="readout-value"
          data-testid="prune.achieved-sparsity"
          data-value={r ? r.achievedSparsity : undefined}
          {...common}
        >
          {r ? sparsityPct(r.achievedSparsity) : '–'}
        </span>
        <span className="readout-sub">
          {r
            ? `target ${targetPct(r.targetSparsity)}${r.withinTolerance ? '' : ' (not reachable: nearest shown)'}`
            : 'zero weights / all weights'}
        </span>
        {r?.unreachable && (
          <span className="hint" data-testid="prune.unreachable">
            {r.unreachable}
          </span>
        )}
      </div>
      <div className="readout">
        <span className="readout-label">Non-zero parameters</span>
        <span className="readout-value" data-testid="prune.nonzero" data-value={r?.nonzeroParams}>
          {r ? count(r.nonzeroParams) : '–'}
        </span>
        <span className="readout-sub">{r ? `of ${count(r.totalParams)}` : ''}</span>
      </div>
      <div className="readout">
        <span className="readout-label">Gzipped size</span>
        <span
          className="readout-value"
          data-testid="prune.gzip"
          data-value={sizeMatches ? size.gzipBytes : undefined}
        >
          {sizeMatches ? `≈ ${bytes(size.gzipBytes)}` : r ? 'measuring…' : '–'}
        </span>
        <span className="readout-sub">
          {sizeMatches
            ? `dense ≈ ${bytes(size.denseGzipBytes)} · ${(size.denseGzipBytes / size.gzipBytes).toFixed(1)}× smaller`
            : 'weights + model.json'}
        </span>
      </div>
      {r && (
        <p className="readout-foot hint">
          {r.eval.accuracy === null
            ? 'No labels in the batch: agreement with the unpruned model\u2019s answers. '
            : ''}
          Evaluated on {count(r.eval.evalPoints)} held-out samples; pruned and evaluated in{' '}
          {seconds(r.ms / 1000)}. Sizes are a fast estimate (gzip level 1); the download states the exact
          figure.
        </p>
      )}
      {training && prunePending && (
        <p className="readout-foot hint">
          The slider’s result comes once the training run finishes (it holds the model).
        </p>
      )}
      {pruneError && <ErrorMessage error={pruneError} title="Pruning failed." />}
    </div>
  );
}

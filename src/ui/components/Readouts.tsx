import { useStudio } from '../state/context';
import { bytes, count, pct, points, seconds, sparsityPct } from '../state/format';
import { ErrorMessage } from './ErrorMessage';

export function Readouts() {
  const [state] = useStudio();
  const { pruned: r, prepared, size, prunePending, pruneError } = state;
  const dense = prepared?.dense;
  const labelled = dense ? dense.accuracy !== null : (state.workspace?.batch?.labelled ?? true);
  const quality = r ? (r.eval.accuracy ?? r.eval.agreement) : null;
  const denseQuality = dense ? (dense.accuracy ?? dense.agreement) : null;
  const pending = prunePending || (!!r && (r.targetSparsity !== state.sparsity || r.method !== state.method));
  const common = {
    'data-state': r ? (pending ? 'pending' : 'ready') : 'empty',
    'data-target': r ? String(r.targetSparsity) : undefined,
    'data-method': r?.method,
    'aria-busy': pending,
  };
  const sizeMatches = size && r && size.method === r.method && size.targetSparsity === r.targetSparsity;
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
            ? `target ${sparsityPct(r.targetSparsity)}${r.withinTolerance ? '' : ' (not reachable: nearest shown)'}`
            : 'zero weights / all weights'}
        </span>
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
      {pruneError && <ErrorMessage error={pruneError} title="Pruning failed." />}
    </div>
  );
}

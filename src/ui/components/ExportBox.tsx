import { useState } from 'react';
import type { WeightFormat } from '../../worker/protocol';
import { useStudio } from '../state/context';
import {
  exportedSizes,
  exportedTrained,
  exportFileName,
  exportPruned,
  exportWords,
  WEIGHT_CHOICES,
} from '../state/exporter';
import { bytes, sparsityPct } from '../state/format';
import { currentTrained } from '../state/retrain';
import { ErrorMessage } from './ErrorMessage';

function save(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function ExportBox() {
  const [state, studio] = useStudio();
  const ex = state.exported;
  const ready = state.prepared !== null && state.pruned !== null;
  const available = currentTrained(
    state.retrain.results,
    state.method,
    state.sparsity,
    state.retrain.selectedId,
  );
  const trained = exportedTrained(state);
  const [weights, setWeights] = useState<WeightFormat>('float32');
  /** The format of the files last saved (the choice may have moved on since). */
  const [savedAs, setSavedAs] = useState<WeightFormat>('float32');
  const sizes = exportedSizes(state);
  return (
    <div className="export">
      <label className="field inline">
        <span>Weights</span>
        <select
          data-testid="export.weights"
          value={weights}
          disabled={ex.busy}
          onChange={(e) => setWeights(e.target.value as WeightFormat)}
        >
          {WEIGHT_CHOICES.map((c) => (
            <option key={c.key} value={c.key}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        className="button primary"
        data-testid="export.download"
        disabled={!ready || ex.busy}
        onClick={async () => {
          const files = await exportPruned(studio, weights);
          if (files) setSavedAs(weights);
          for (const f of files ?? []) save(f.name, f.blob);
        }}
      >
        {ex.busy ? 'Preparing download…' : trained ? 'Download retrained model' : 'Download pruned model'}
      </button>
      <span className="hint" data-testid="export.which" data-result-id={trained?.resultId ?? ''}>
        {ready
          ? `${exportWords(state)}: ${exportFileName(state, weights)}.json + ${weights} weights`
          : 'available once pruned'}
      </span>
      {available && (
        <label className="check">
          <input
            type="checkbox"
            data-testid="export.use-retrained"
            checked={state.retrain.useRetrained}
            onChange={(e) => studio.retrain.setUseRetrained(e.target.checked)}
          />
          Download the retrained model at this sparsity (off: the prune-only one)
        </label>
      )}
      {sizes && (
        <p
          className="export-done hint"
          data-testid="export.sizes"
          data-raw={sizes.raw}
          data-gzip={sizes.gzip}
          data-weights={savedAs}
        >
          Saved {sparsityPct(ex.achievedSparsity ?? 0)} sparse with {savedAs} weights: {bytes(sizes.raw)} raw,{' '}
          {bytes(sizes.gzip)} gzipped. If the browser held a file back:{' '}
          {ex.files.map((f, i) => (
            <span key={f.name}>
              {i > 0 && ' · '}
              <a href={f.url} download={f.name}>
                {f.name}
              </a>{' '}
              ({bytes(f.bytes)})
            </span>
          ))}
        </p>
      )}
      {ex.error && <ErrorMessage error={ex.error} title="Download failed." />}
    </div>
  );
}

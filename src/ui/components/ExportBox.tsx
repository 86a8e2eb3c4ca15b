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
  type Packaging,
} from '../state/exporter';
import { bytes, count, sparsityPct } from '../state/format';
import { currentTrained } from '../state/retrain';
import { currentSpeed } from '../state/speed';
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
  const [slim, setSlim] = useState(false);
  const [packaging, setPackaging] = useState<Packaging>('zip');
  const sizes = exportedSizes(state);
  const speed = currentSpeed(state);
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
      <label className="check">
        <input
          type="checkbox"
          data-testid="export.slim"
          checked={slim}
          disabled={ex.busy}
          onChange={(e) => setSlim(e.target.checked)}
        />
        Physically smaller model (zeroed channels removed)
        <span className="hint" data-testid="export.slim-params" data-value={speed?.params.slim}>
          {' '}
          {speed
            ? `: ${count(speed.params.slim)} parameters instead of ${count(speed.params.dense)}`
            : ': its parameter count shows after Measure speed or the download'}
        </span>
      </label>
      <label className="field inline">
        <span>Files</span>
        <select
          data-testid="export.packaging"
          value={packaging}
          disabled={ex.busy}
          onChange={(e) => setPackaging(e.target.value as Packaging)}
        >
          <option value="zip">one .zip holding model.json and weights (safest)</option>
          <option value="loose">two loose files (.json + .weights.bin)</option>
        </select>
      </label>
      <button
        type="button"
        className="button primary"
        data-testid="export.download"
        disabled={!ready || ex.busy}
        onClick={async () => {
          const files = await exportPruned(studio, weights, slim, packaging);
          if (files) setSavedAs(weights);
          for (const f of files ?? []) save(f.name, f.blob);
        }}
      >
        {ex.busy ? 'Preparing download…' : trained ? 'Download retrained model' : 'Download pruned model'}
      </button>
      <span className="hint" data-testid="export.which" data-result-id={trained?.resultId ?? ''}>
        {ready
          ? `${exportWords(state)}: ` +
            (packaging === 'zip'
              ? `${exportFileName(state, weights, slim)}.zip (.json + ${weights} weights)`
              : `${exportFileName(state, weights, slim)}.json + ${weights} weights`)
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
          data-params={ex.totalParams}
          data-slim={ex.slim ? 'true' : 'false'}
        >
          Saved {ex.slim ? 'the physically smaller model' : `${sparsityPct(ex.achievedSparsity ?? 0)} sparse`}{' '}
          with {savedAs} weights
          {ex.totalParams !== undefined ? `, ${count(ex.totalParams)} parameters` : ''}: {bytes(sizes.raw)}{' '}
          raw, {bytes(sizes.gzip)} gzipped. If the browser held a file back:{' '}
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

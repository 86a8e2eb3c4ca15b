import { useState } from 'react';
import type { WeightFormat } from '../../worker/protocol';
import { useStudio } from '../state/context';
import {
  checkExport,
  exportKey,
  exportedSizes,
  exportedTrained,
  exportFileName,
  exportPruned,
  exportWords,
  WEIGHT_CHOICES,
  type Packaging,
} from '../state/exporter';
import { bytes, count, pct, points, sparsityPct } from '../state/format';
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

type Quality = { accuracy: number | null; agreement: number };

/** The written files' accuracy in words, against the readout's (float32, zeroed) numbers. */
function writtenWords(written: Quality | null, shown: Quality | null, weights: WeightFormat, slim: boolean) {
  const what = `${weights}${slim ? ', slim' : ''}`;
  if (!written) return `As written (${what}): the readout's model, ${shown ? measureWords(shown) : ''}`;
  const delta =
    shown === null
      ? ''
      : written.accuracy !== null && shown.accuracy !== null
        ? ` (${points(written.accuracy - shown.accuracy)} against the readout)`
        : ` (${points(written.agreement - shown.agreement)} against the readout)`;
  return `As written (${what}), loaded as stock TF.js loads it: ${measureWords(written)}${delta}`;
}

const measureWords = (q: Quality) =>
  q.accuracy !== null
    ? `accuracy ${pct(q.accuracy)}, agreement ${pct(q.agreement)}`
    : `agreement ${pct(q.agreement)}`;

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
  const key = ready ? exportKey(state, weights, slim) : '';
  const check = ex.check && ex.check.key === key ? ex.check : null;
  /** The readout's numbers: what the written files are compared against. */
  const shown = trained ? trained.retrained : (state.pruned?.eval ?? null);
  // A quantised or slim choice is checked at once: its accuracy is what the choice is about.
  const choose = (w: WeightFormat, sl: boolean) => {
    setWeights(w);
    setSlim(sl);
    if (ready && (w !== 'float32' || sl)) {
      const s = studio.getState();
      if (s.exported.check?.key !== exportKey(s, w, sl)) void checkExport(studio, w, sl);
    }
  };
  return (
    <div className="export">
      <label className="field inline">
        <span>Weights</span>
        <select
          data-testid="export.weights"
          value={weights}
          disabled={ex.busy}
          onChange={(e) => choose(e.target.value as WeightFormat, slim)}
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
          onChange={(e) => choose(weights, e.target.checked)}
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
      <div className="export-check">
        <button
          type="button"
          className="button small"
          data-testid="export.check"
          disabled={!ready || ex.busy || !!check?.busy}
          onClick={() => void checkExport(studio, weights, slim)}
        >
          {check?.busy ? 'Checking…' : 'Check before download'}
        </button>
        {check && !check.busy && !check.error && (
          <span
            className="hint"
            data-testid="export.check-result"
            data-accuracy={check.written?.accuracy ?? shown?.accuracy ?? undefined}
            data-agreement={check.written?.agreement ?? shown?.agreement}
            data-raw={check.rawBytes}
            data-gzip={check.gzipBytes}
            data-params={check.totalParams}
          >
            {writtenWords(check.written ?? null, shown, weights, slim)}: {count(check.totalParams ?? 0)}{' '}
            parameters, {bytes(check.rawBytes ?? 0)} raw, {bytes(check.gzipBytes ?? 0)} gzipped.
          </span>
        )}
        {check?.error && <ErrorMessage error={check.error} title="Check failed." />}
      </div>
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
          raw, {bytes(sizes.gzip)} gzipped
          {ex.written
            ? `; as written, ${ex.written.accuracy !== null ? `accuracy ${pct(ex.written.accuracy)}` : `agreement ${pct(ex.written.agreement)}`}`
            : ''}
          . If the browser held a file back:{' '}
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

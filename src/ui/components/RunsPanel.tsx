// Keeping runs: the result on screen kept in the browser (IndexedDB), downloaded as an HTML
// report, renamed, deleted, exported and imported; two or more ticked runs open the comparison.
import { useRef, useState } from 'react';
import { bytes, pct, sparsityPct } from '../state/format';
import { useRuns } from '../state/runs-context';
import type { RunRecord } from '../report/types';
import { ComparePanel } from './ComparePanel';
import './runs.css';

function RunRow({ r, selected }: { r: RunRecord; selected: boolean }) {
  const [, controller] = useRuns();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(r.name);
  const acc = r.metrics.accuracy ?? r.metrics.agreement;
  return (
    <tr data-run-id={r.id} data-name={r.name} data-accuracy={acc} data-sparsity={r.metrics.achievedSparsity}>
      <td>
        <input
          type="checkbox"
          checked={selected}
          aria-label={`Compare ${r.name}`}
          data-testid="history.select"
          onChange={() => controller.toggleSelect(r.id)}
        />
      </td>
      <th scope="row">
        {editing ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              setEditing(false);
              void controller.rename(r.id, name);
            }}
          >
            <input
              type="text"
              value={name}
              aria-label="New name"
              data-testid="history.name-input"
              onChange={(e) => setName(e.target.value)}
              autoFocus
            />{' '}
            <button type="submit" className="button small" data-testid="history.rename-save">
              Save
            </button>
          </form>
        ) : (
          <span className="run-name">{r.name}</span>
        )}
        <div className="hint">
          {r.settings.methodLabel}
          {r.settings.retrained ? ', retrained' : ''}, seed {r.settings.seed} ·{' '}
          {r.createdAt.replace('T', ' ').slice(0, 16)}
          {r.weights ? ` · weights kept (${bytes(r.weights.bytes)})` : ''}
        </div>
      </th>
      <td className="num">{sparsityPct(r.metrics.achievedSparsity)}</td>
      <td className="num">{pct(acc)}</td>
      <td>
        <div className="run-actions">
          <button
            type="button"
            className="button small"
            data-testid="history.restore"
            onClick={() => controller.restore(r.id)}
          >
            Show
          </button>
          <button
            type="button"
            className="button small"
            data-testid="history.rename"
            onClick={() => {
              setName(r.name);
              setEditing(true);
            }}
          >
            Rename
          </button>
          <button
            type="button"
            className="button small"
            data-testid="history.report"
            onClick={() => controller.reportOf(r.id)}
          >
            Report
          </button>
          {r.weights && (
            <button
              type="button"
              className="button small"
              data-testid="history.weights"
              onClick={() => controller.weightsOf(r.id)}
            >
              Weights
            </button>
          )}
          <button
            type="button"
            className="button small"
            data-testid="history.delete"
            aria-label={`Delete ${r.name}`}
            onClick={() => void controller.remove(r.id)}
          >
            Delete
          </button>
        </div>
      </td>
    </tr>
  );
}

export function RunsPanel() {
  const [runs, controller, state] = useRuns();
  const [name, setName] = useState('');
  const file = useRef<HTMLInputElement>(null);
  const ready = controller.isCurrent() && runs.printsFor !== null;
  const canKeep = !!state.pruned && ready && !runs.busy && !runs.historyError;
  return (
    <section className="panel runs-panel" aria-labelledby="runs-title">
      <div className="panel-head">
        <h2 id="runs-title">Kept runs</h2>
        <span className="hint">Stored in this browser only; nothing leaves the machine.</span>
      </div>
      {state.pruned && (
        <div className="keep-row">
          <input
            type="text"
            value={name}
            placeholder="Name (optional)"
            aria-label="Name of the run to keep"
            data-testid="history.keep-name"
            onChange={(e) => setName(e.target.value)}
          />
          <label>
            <input
              type="checkbox"
              checked={runs.keepWeights}
              data-testid="history.keep-weights"
              onChange={(e) => controller.setKeepWeights(e.target.checked)}
            />{' '}
            with the pruned weights
          </label>
          <button
            type="button"
            className="button primary"
            data-testid="history.keep"
            disabled={!canKeep}
            onClick={() => {
              void controller.keep(name);
              setName('');
            }}
          >
            {runs.busy ? 'Keeping…' : 'Keep this run'}
          </button>
          <button
            type="button"
            className="button"
            data-testid="report.download"
            disabled={!ready}
            onClick={() => controller.downloadReport()}
          >
            Download report (HTML)
          </button>
        </div>
      )}
      {runs.notice && (
        <div
          className={`runs-notice ${runs.notice.kind === 'error' ? 'error' : ''}`}
          role={runs.notice.kind === 'error' ? 'alert' : 'status'}
          data-testid="runs.notice"
          data-kind={runs.notice.kind}
        >
          {runs.notice.text}
        </div>
      )}
      {runs.historyError && (
        <div className="runs-notice error" role="alert" data-testid="history.error">
          {runs.historyError}
        </div>
      )}
      <div className="table-wrap">
        <table
          className="runs-list"
          data-testid="history.list"
          data-count={runs.records.length}
          data-ready={runs.historyReady}
        >
          <caption className="visually-hidden">Runs kept in this browser</caption>
          <thead>
            <tr>
              <th scope="col">
                <span className="visually-hidden">Compare</span>
              </th>
              <th scope="col">Run</th>
              <th scope="col" className="num">
                Sparsity
              </th>
              <th scope="col" className="num">
                {runs.records.every((r) => r.batch.labelled) ? 'Accuracy' : 'Acc. / agreement'}
              </th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {runs.records.length === 0 ? (
              <tr>
                <td colSpan={5} className="hint">
                  No runs kept yet. “Keep this run” stores the result on screen.
                </td>
              </tr>
            ) : (
              runs.records.map((r) => <RunRow key={r.id} r={r} selected={runs.selected.includes(r.id)} />)
            )}
          </tbody>
        </table>
      </div>
      <div className="keep-row">
        <button
          type="button"
          className="button primary"
          data-testid="compare.open"
          disabled={runs.selected.length < 2}
          onClick={() => controller.openCompare(!runs.compareOpen)}
        >
          {runs.compareOpen
            ? 'Close comparison'
            : `Compare ${runs.selected.length >= 2 ? runs.selected.length : ''} runs`}
        </button>
        <span className="hint">
          {runs.selected.length < 2 ? 'Tick two or more runs to compare them.' : ''}
        </span>
        <button
          type="button"
          className="button"
          data-testid="history.export"
          disabled={runs.records.length === 0}
          onClick={() => controller.exportFile()}
        >
          Export {runs.selected.length ? 'ticked' : 'all'} (JSON)
        </button>
        <button
          type="button"
          className="button"
          data-testid="history.import"
          onClick={() => file.current?.click()}
        >
          Import…
        </button>
        <input
          ref={file}
          type="file"
          accept=".json,application/json"
          hidden
          data-testid="history.import-file"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void controller.importFile(f);
            e.target.value = '';
          }}
        />
      </div>
      {runs.compareOpen && <ComparePanel />}
    </section>
  );
}

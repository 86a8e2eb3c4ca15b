import { METHOD_KEYS, METHODS, type MethodKey } from '../../worker/protocol';
import { useStudio } from '../state/context';
import { Readouts } from './Readouts';
import { ExportBox } from './ExportBox';
import { SparsitySlider } from './SparsitySlider';

export function PrunePanel() {
  const [state, studio] = useStudio();
  const ready = state.prepared !== null;
  return (
    <section className="panel prune-panel" aria-labelledby="prune-title">
      <h2 id="prune-title">Prune</h2>
      <div className="prune-controls">
        <label className="field">
          <span>Method</span>
          <select
            data-testid="prune.method"
            value={state.method}
            onChange={(e) => studio.setMethod(e.target.value as MethodKey)}
            aria-describedby="method-summary"
          >
            {METHOD_KEYS.map((k) => (
              <option key={k} value={k}>
                {METHODS[k].label}
              </option>
            ))}
          </select>
          <small id="method-summary" className="hint">
            {METHODS[state.method].summary}
          </small>
        </label>
        <SparsitySlider value={state.sparsity} onChange={(v) => studio.setSparsity(v)} disabled={!ready} />
      </div>
      <Readouts />
      <ExportBox />
    </section>
  );
}

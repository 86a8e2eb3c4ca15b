import { useRef } from 'react';
import { METHODS, type MethodKey } from '../../worker/protocol';
import { useStudio } from '../state/context';
import { GRANULARITY, granularityOf, methodsOf, type Granularity } from '../state/granularity';
import { METHOD_HELP } from '../state/method-help';
import { Readouts } from './Readouts';
import { ExportBox } from './ExportBox';
import { SpeedBox } from './SpeedBox';
import { SparsitySlider } from './SparsitySlider';

function MethodHelpText({ method }: { method: MethodKey }) {
  const help = METHOD_HELP[method];
  return (
    <div id="method-help" className="method-help" data-testid="prune.method-help">
      <p>{help.text}</p>
      <p className="hint">
        From:{' '}
        {help.href ? (
          <a href={help.href} target="_blank" rel="noreferrer">
            {help.source}
          </a>
        ) : (
          help.source
        )}
      </p>
    </div>
  );
}

export function PrunePanel() {
  const [state, studio] = useStudio();
  const ready = state.prepared !== null;
  const random = METHODS[state.method].random;
  const granularity = granularityOf(state.method);
  // Switching back restores the method last used at that granularity.
  const lastOf = useRef<Partial<Record<Granularity, MethodKey>>>({});
  const choose = (g: Granularity) => {
    if (g === granularity) return;
    lastOf.current[granularity] = state.method;
    studio.setMethod(lastOf.current[g] ?? methodsOf(g)[0]);
  };
  return (
    <section className="panel prune-panel" aria-labelledby="prune-title">
      <h2 id="prune-title">Prune</h2>
      <fieldset className="granularity" data-testid="prune.granularity" data-value={granularity}>
        <legend>Remove</legend>
        {(['weights', 'channels'] as const).map((g) => (
          <label key={g} className="check">
            <input
              type="radio"
              name="granularity"
              value={g}
              checked={granularity === g}
              onChange={() => choose(g)}
              aria-describedby="granularity-help"
            />
            {GRANULARITY[g].label}
          </label>
        ))}
        <small id="granularity-help" className="hint">
          {GRANULARITY[granularity].help}
        </small>
      </fieldset>
      <div className="prune-controls">
        <div className="field">
          {/* The label names the menu; the help is its description, not part of its name. */}
          <label htmlFor="method-select">Method</label>
          <select
            id="method-select"
            data-testid="prune.method"
            value={state.method}
            onChange={(e) => studio.setMethod(e.target.value as MethodKey)}
            aria-describedby="method-help"
          >
            {methodsOf(granularity).map((k) => (
              <option key={k} value={k}>
                {METHODS[k].label}
              </option>
            ))}
          </select>
          <MethodHelpText method={state.method} />
        </div>
        <SparsitySlider value={state.sparsity} onChange={(v) => studio.setSparsity(v)} disabled={!ready} />
      </div>
      <div className="prune-options">
        <label className="field inline">
          <span>Seed</span>
          <input
            type="number"
            min={0}
            step={1}
            value={state.seed}
            data-testid="prune.seed"
            aria-describedby="seed-hint"
            onChange={(e) => studio.setSeed(Number(e.target.value))}
          />
        </label>
        <small id="seed-hint" className="hint">
          {random
            ? 'This method samples weights: another seed gives another mask (the CLI’s --seed).'
            : 'This method is deterministic: the seed changes nothing.'}
        </small>
        <label className="check">
          <input
            type="checkbox"
            checked={state.propagate}
            data-testid="prune.propagate"
            aria-describedby="propagate-hint"
            onChange={(e) => studio.setPropagate(e.target.checked)}
          />
          Propagate zeros
        </label>
        <small id="propagate-hint" className="hint">
          After pruning, also zero the weights that can no longer change the loss (e.g. those of a neuron
          whose inputs are all gone), as the CLI’s --propagate. The curves are computed without it.
        </small>
      </div>
      <Readouts />
      <ExportBox />
      <SpeedBox />
    </section>
  );
}

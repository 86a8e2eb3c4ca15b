import type { UserError } from '../../worker/protocol';
import { useStudio } from '../state/context';
import { modelName } from '../state/exporter';
import { count, shape } from '../state/format';
import { ErrorMessage, Notices } from './ErrorMessage';

export function ModelCard({ errors }: { errors: UserError[] }) {
  const [state, studio] = useStudio();
  const m = state.workspace?.model;
  if (!m && errors.length === 0) return null;
  const skipped = m?.layers.filter((l) => !l.prunable && l.params > 0) ?? [];
  const prunable = m?.layers.filter((l) => l.prunable) ?? [];
  return (
    <div className="card" aria-label="Model summary">
      <h3>Model{m ? `: ${modelName(state)}` : ''}</h3>
      {m && (
        <label className="field inline">
          <span>Name</span>
          <input
            type="text"
            data-testid="model.name"
            aria-describedby="model-name-hint"
            value={state.rename?.for === m.name ? state.rename.name : m.name}
            spellCheck={false}
            onChange={(e) => studio.renameModel(e.target.value)}
          />
          <span className="hint" id="model-name-hint">
            names the downloads
          </span>
        </label>
      )}
      {errors.map((e, i) => (
        <ErrorMessage key={i} error={e} title="The model could not be loaded." />
      ))}
      {m && (
        <>
          <dl className="facts">
            <dt>Parameters</dt>
            <dd>{count(m.totalParams)}</dd>
            <dt>Prunable</dt>
            <dd>
              {count(m.prunableParams)} in {prunable.length} layer{prunable.length === 1 ? '' : 's'}
            </dd>
            <dt>Input</dt>
            <dd>{shape([null, ...m.inputShape])}</dd>
            <dt>Classes</dt>
            <dd>{m.numClasses}</dd>
            <dt>Format</dt>
            <dd>{m.format}</dd>
          </dl>
          <details className="layer-list" open={skipped.length > 0}>
            <summary>
              {m.layers.length} layers: {prunable.length} pruned, {skipped.length} with weights kept as they
              are
            </summary>
            <ul>
              {m.layers.map((l) => (
                <li
                  key={l.name}
                  className={l.prunable ? 'prunable' : l.params > 0 ? 'skipped' : 'weightless'}
                >
                  <span className="layer-name">{l.name}</span>{' '}
                  <span className="layer-class">{l.className}</span>{' '}
                  <span className="layer-params">
                    {l.params > 0 ? `${count(l.params)} params` : 'no weights'}
                  </span>
                  {l.skippedReason && <div className="layer-why">Not pruned: {l.skippedReason}</div>}
                </li>
              ))}
            </ul>
          </details>
          <Notices items={m.notices} label="Notes from loading" />
        </>
      )}
    </div>
  );
}

import type { UserError } from '../../worker/protocol';
import { useStudio } from '../state/context';
import { bytes } from '../state/format';
import { BatchCard } from './BatchCard';
import { DropZone } from './DropZone';
import { ErrorMessage } from './ErrorMessage';
import { ModelCard } from './ModelCard';
import { TrainingCard } from './TrainingCard';

const ROLE_LABEL = {
  model: 'model',
  shard: 'weights',
  batch: 'batch',
  unused: 'not used',
  unknown: 'waiting',
} as const;

export function DataPanel() {
  const [state, studio] = useStudio();
  const ws = state.workspace;
  const demos = state.demos?.models ?? [];
  const errorsAt = (where: UserError['where'][]) => (ws?.errors ?? []).filter((e) => where.includes(e.where));
  const userFiles = (ws?.files ?? []).filter((f) => !f.demo);
  return (
    <section className="panel" aria-labelledby="data-title">
      <h2 id="data-title">Model and data</h2>
      <div className="demo-buttons" role="group" aria-label="Demo models">
        {demos.length === 0 && !state.demoError && (
          <button type="button" className="button" disabled data-testid="demo.load">
            Loading demo…
          </button>
        )}
        {demos.map((m, i) => (
          <button
            key={m.id}
            type="button"
            className={`button${state.activeDemo === m.id ? ' active' : ''}`}
            data-testid={i === 0 ? 'demo.load' : `demo.load-${m.id}`}
            aria-pressed={state.activeDemo === m.id}
            title={m.description}
            onClick={() => void studio.loadDemo(m.id)}
          >
            Demo: {m.name}
          </button>
        ))}
      </div>
      {state.demoError && <ErrorMessage error={state.demoError} />}
      <DropZone />
      {userFiles.length > 0 && (
        <div className="files">
          <ul aria-label="Files loaded">
            {userFiles.map((f) => (
              <li key={f.name} className={`file role-${f.role}`}>
                <span className="file-name">{f.name}</span>
                <span className="file-role">{ROLE_LABEL[f.role]}</span>
                <span className="file-size">{bytes(f.bytes)}</span>
              </li>
            ))}
          </ul>
          <button type="button" className="link-button" onClick={() => void studio.clearFiles()}>
            Remove all files
          </button>
        </div>
      )}
      {ws && ws.missing.length > 0 && (ws.files.length > 0 || ws.errors.length > 0) && (
        <div className="missing" role="status" data-testid="files.missing">
          <strong>Still needed:</strong>
          <ul>
            {ws.missing.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        </div>
      )}
      {errorsAt(['files']).map((e, i) => (
        <ErrorMessage key={i} error={e} />
      ))}
      <ModelCard errors={errorsAt(['model'])} />
      {/* Keyed by model: a new model resets the points box with the points (to the model's default). */}
      <BatchCard key={state.workspace?.model?.name ?? ''} errors={errorsAt(['batch'])} />
      <TrainingCard />
    </section>
  );
}

import type { BackendChoice } from '../../worker/protocol';
import { useStudio } from '../state/context';
import { ErrorMessage } from './ErrorMessage';

const CHOICES: { value: BackendChoice; label: string }[] = [
  { value: 'auto', label: 'Automatic' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'webgl', label: 'WebGL' },
  { value: 'wasm', label: 'WebAssembly' },
  { value: 'cpu', label: 'CPU (JavaScript)' },
];

export function Header() {
  const [state, studio] = useStudio();
  const b = state.backend;
  return (
    <header className="header">
      <div className="brand">
        <h1>SiPP Studio</h1>
        <p className="tagline">
          Prune a trained TensorFlow.js model with provable sensitivity-based pruning, in your browser.
        </p>
      </div>
      <div className="backend">
        <div
          className={`badge ${b ? `badge-${b.name}` : 'badge-pending'}`}
          data-testid="backend.badge"
          data-backend={b?.name ?? ''}
          title={b ? `${b.reason} Sensitivity kernel: ${b.kernel}.` : 'Starting the compute engine'}
          aria-live="polite"
        >
          <span className="badge-name">{b ? b.name : 'starting…'}</span>
          {b && <span className="badge-adapter">{b.adapter}</span>}
        </div>
        <label className="backend-menu">
          <span className="visually-hidden">Backend</span>
          <select
            aria-label="Compute backend"
            value={state.backendChoice}
            onChange={(e) => void studio.setBackend(e.target.value as BackendChoice)}
          >
            {CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {state.fatal && (
        <div className="fatal">
          <ErrorMessage error={state.fatal} />
          <button
            type="button"
            className="button small"
            onClick={() => void studio.setBackend(state.backendChoice)}
          >
            Restart the engine
          </button>
        </div>
      )}
      {b && (
        <p className="backend-reason">
          {b.reason}
          {state.engineNote && <span className="engine-note"> {state.engineNote}</span>}
        </p>
      )}
    </header>
  );
}

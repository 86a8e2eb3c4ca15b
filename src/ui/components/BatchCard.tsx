import { useState } from 'react';
import type { UserError } from '../../worker/protocol';
import { useStudio } from '../state/context';
import { bytes, count, shape } from '../state/format';
import { ErrorMessage, Notices } from './ErrorMessage';

export function BatchCard({ errors }: { errors: UserError[] }) {
  const [state, studio] = useStudio();
  const b = state.workspace?.batch;
  const s = state.workspace?.session;
  const [points, setPoints] = useState('');
  if (!b && errors.length === 0) return null;
  return (
    <div className="card" aria-label="Batch summary">
      <h3>Batch{b ? `: ${b.source}` : ''}</h3>
      {errors.map((e, i) => (
        <ErrorMessage key={i} error={e} title="The batch cannot be used." />
      ))}
      {b && (
        <>
          <dl className="facts">
            <dt>Samples</dt>
            <dd>
              {count(b.samples)} × {shape(b.shape.slice(1))} ({b.dtype})
            </dd>
            <dt>Labels</dt>
            <dd>
              {b.labelled
                ? 'yes: accuracy is measured'
                : 'none: agreement with the original model is measured'}
            </dd>
            {s && (
              <>
                <dt>Split</dt>
                <dd>
                  {count(s.points)} for sensitivities, {count(s.evalPoints)} for evaluation
                </dd>
              </>
            )}
          </dl>
          {b.looksUint8 && (
            <label className="check">
              <input
                type="checkbox"
                checked={state.options.scaleUint8}
                onChange={(e) => void studio.setOptions({ scaleUint8: e.target.checked })}
              />
              Pixel values are 0–255: divide by 255 (if the model was trained on inputs in [0, 1])
            </label>
          )}
          {s && (
            <form
              className="inline-form"
              onSubmit={(e) => {
                e.preventDefault();
                const n = Number(points);
                void studio.setOptions({ points: Number.isInteger(n) && n > 0 ? n : null });
              }}
            >
              <label>
                Sensitivity points{' '}
                <input
                  type="number"
                  min={1}
                  max={b.samples - 1}
                  step={1}
                  placeholder={String(s.defaultPoints)}
                  value={points}
                  onChange={(e) => setPoints(e.target.value)}
                />
              </label>
              <button type="submit" className="button small">
                Apply
              </button>
              <span className="hint">
                default {s.defaultPoints}: enough samples for the paper’s error guarantee, at most half the
                batch (the rest is for evaluation)
              </span>
              {s.pass && (
                <span
                  className="hint"
                  data-testid="batch.pass-plan"
                  data-bytes={s.pass.workingBytes}
                  data-passes={s.pass.forwardPasses}
                >
                  Sensitivity pass: {count(s.points)} points in {count(s.pass.forwardPasses)} forward pass
                  {s.pass.forwardPasses === 1 ? '' : 'es'} of up to {count(s.pass.chunkPoints)}, about{' '}
                  {bytes(s.pass.workingBytes)} of working memory; the progress bar estimates the time from the
                  first chunk. Fewer points make it faster.
                </span>
              )}
            </form>
          )}
          {s && s.warnings.length > 0 && (
            <div
              className="notices"
              data-testid="batch.warnings"
              role="group"
              aria-label="Warnings about model and batch"
            >
              <ul>
                {s.warnings.map((w) => (
                  <li key={w.code} data-code={w.code} data-level={w.level}>
                    <strong>{w.level === 'warning' ? 'Warning' : 'Notice'}:</strong> {w.message}
                  </li>
                ))}
              </ul>
            </div>
          )}
          <Notices items={b.notices} label="Notes on the batch" />
        </>
      )}
    </div>
  );
}

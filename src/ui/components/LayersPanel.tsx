import { useState } from 'react';
import { useStudio } from '../state/context';
import { count, pct } from '../state/format';
import { hasLimits, limitsWords } from '../state/limits';
import { currentSpeed } from '../state/speed';
import { LimitCell } from './LimitCell';
import { SensitivityHistogram } from './SensitivityHistogram';

export function LayersPanel() {
  const [state, studio] = useStudio();
  const model = state.workspace?.model;
  const r = state.pruned;
  const hist = state.prepared?.histograms ?? [];
  const [picked, setPicked] = useState<string | null>(null);
  if (!model) return null;
  const rows = r?.layers ?? model.layers.map((l) => ({ ...l, nonzero: l.params }));
  const shown = hist.find((h) => h.layer === picked) ?? hist[0];
  // Channels kept per layer, once "Measure speed" ran for the slider's current setting.
  const speed = currentSpeed(state);
  const channels = new Map(speed?.layers.map((l) => [l.name, l]) ?? []);
  return (
    <section className="panel" aria-labelledby="layers-title">
      <h2 id="layers-title">Per layer</h2>
      <div className="table-wrap">
        <table className="layers" data-testid="layers.table">
          <caption className="visually-hidden">Kept and pruned weights per layer</caption>
          <thead>
            <tr>
              <th scope="col">Layer</th>
              <th scope="col" className="num">
                Parameters
              </th>
              <th scope="col" className="num">
                Kept
              </th>
              <th scope="col" className="num">
                Pruned
              </th>
              {speed && (
                <th scope="col" className="num" data-testid="layers.channels-head">
                  Channels kept
                </th>
              )}
              <th scope="col" className="bar-col">
                <span className="visually-hidden">Kept versus pruned</span>
              </th>
              <th scope="col">Limit</th>
            </tr>
          </thead>
          <tbody>
            {rows
              .filter((l) => l.params > 0)
              .map((l) => {
                const kept = l.params > 0 ? l.nonzero / l.params : 1;
                return (
                  <tr
                    key={l.name}
                    className={l.prunable ? '' : 'skipped'}
                    data-layer={l.name}
                    data-nonzero={l.nonzero}
                  >
                    <th scope="row">
                      <span className="layer-name">{l.name}</span>{' '}
                      <span className="layer-class">{l.className}</span>
                      {!l.prunable && <div className="layer-why">{l.skippedReason ?? 'kept as is'}</div>}
                    </th>
                    <td className="num">{count(l.params)}</td>
                    <td className="num">{count(l.nonzero)}</td>
                    <td className="num">{r ? pct(1 - kept) : '–'}</td>
                    {speed && (
                      <td
                        className="num"
                        data-testid="layers.channels"
                        data-before={channels.get(l.name)?.before}
                        data-after={channels.get(l.name)?.after}
                      >
                        {channels.has(l.name)
                          ? `${channels.get(l.name)!.after} of ${channels.get(l.name)!.before}`
                          : '–'}
                      </td>
                    )}
                    <td className="bar-col">
                      <div className="kept-bar" role="img" aria-label={`${pct(kept)} kept`}>
                        <div className="kept-fill" style={{ width: `${100 * kept}%` }} />
                      </div>
                    </td>
                    <td>
                      {l.prunable && (
                        <LimitCell
                          layer={l.name}
                          limits={state.limits}
                          onChange={(x) => studio.setLimits(x)}
                          disabled={!state.prepared}
                        />
                      )}
                    </td>
                  </tr>
                );
              })}
          </tbody>
        </table>
      </div>
      {hasLimits(state.limits) && (
        <p className="hint" data-testid="layers.limits">
          Limits: {limitsWords(state.limits)}. The target sparsity is still of the whole model, so the other
          layers are pruned harder; the curves and the download follow the limits.{' '}
          <button
            type="button"
            className="link-button"
            onClick={() => studio.setLimits({ exclude: [], maxSparsity: {} })}
          >
            Remove all limits
          </button>
        </p>
      )}
      {shown && (
        <div className="histogram">
          <div className="panel-head">
            <h3>Sensitivity distribution</h3>
            <label className="field inline">
              <span>Layer</span>
              <select value={shown.layer} onChange={(e) => setPicked(e.target.value)}>
                {hist.map((h) => (
                  <option key={h.layer} value={h.layer}>
                    {h.layer}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <SensitivityHistogram h={shown} />
        </div>
      )}
    </section>
  );
}

// What pruning did to each class: accuracy (or agreement) of the dense and the pruned model side
// by side, the change sorted by damage, and where the lost samples went.
import { useRuns } from '../state/runs-context';
import { pct, points } from '../state/format';
import { exportedTrained } from '../state/exporter';
import { describeTrained } from '../state/retrain';
import { METHODS } from '../../worker/protocol';
import { FlipsGrid } from './FlipsGrid';
import './runs.css';

export function ClassesPanel() {
  const [runs, controller, state] = useRuns();
  if (!state.workspace?.ready || !state.pruned) return null;
  const c = runs.classes;
  const current = controller.isCurrent();
  const t = exportedTrained(state);
  const what = c
    ? c.resultId && t
      ? describeTrained(t)
      : `${METHODS[c.method].label} at ${pct(c.targetSparsity)}, pruned only`
    : '';
  const maxAbs = Math.max(0.01, ...(c?.classes.map((r) => Math.abs(r.change)) ?? [0]));
  return (
    <section className="panel runs-panel" aria-labelledby="classes-title">
      <div className="panel-head">
        <h2 id="classes-title">Per class</h2>
        <span className="hint" data-testid="classes.status" data-state={current ? 'ready' : 'pending'}>
          {runs.classesError
            ? ''
            : !c
              ? 'Computing…'
              : current
                ? `${what} against the dense model, ${c.evalPoints.toLocaleString('en-US')} evaluation points`
                : `Updating for the slider… (shown: ${what})`}
        </span>
      </div>
      {runs.classesError && (
        <div className="runs-notice error" role="alert">
          {runs.classesError.message}
        </div>
      )}
      {c && (
        <>
          <p className="hint">
            {c.labelled
              ? 'Top-1 accuracy per true class, most damaged class first.'
              : 'No labels: agreement with the dense prediction, per class the dense model predicts.'}
          </p>
          <div className="table-wrap">
            <table
              className="classes"
              data-testid="classes.table"
              data-labelled={c.labelled}
              data-state={current ? 'ready' : 'stale'}
              data-method={c.method}
              data-target={c.targetSparsity}
              data-result-id={c.resultId ?? ''}
            >
              <caption className="visually-hidden">
                Per-class accuracy of the dense and the pruned model
              </caption>
              <thead>
                <tr>
                  <th scope="col">Class</th>
                  <th scope="col" className="num">
                    Samples
                  </th>
                  <th scope="col" className="num">
                    Dense
                  </th>
                  <th scope="col" className="num">
                    {c.labelled ? 'Pruned' : 'Agreement'}
                  </th>
                  <th scope="col" className="num">
                    Change
                  </th>
                  <th scope="col" className="bar-col">
                    <span className="visually-hidden">Change as a bar</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {c.classes.map((r) => (
                  <tr
                    key={r.cls}
                    data-cls={r.cls}
                    data-samples={r.samples}
                    data-dense={r.dense}
                    data-pruned={r.pruned}
                    data-change={r.change}
                  >
                    <th scope="row">{r.cls}</th>
                    <td className="num">{r.samples}</td>
                    <td className="num">{pct(r.dense)}</td>
                    <td className="num">{pct(r.pruned)}</td>
                    <td className={`num ${r.change < 0 ? 'worse' : r.change > 0 ? 'better' : ''}`}>
                      {points(r.change)}
                    </td>
                    <td className="bar-col" aria-hidden="true">
                      <span className="change-bar">
                        <span
                          className={r.change < 0 ? 'neg' : 'pos'}
                          style={{ width: `${(50 * Math.abs(r.change)) / maxAbs}%` }}
                        />
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h3 className="runs-sub">Where the lost samples went</h3>
          {c.shifts.length === 0 ? (
            <p className="hint" data-testid="classes.shifts" data-count={0}>
              No sample the dense model got right is wrong now.
            </p>
          ) : (
            <ul className="shifts" data-testid="classes.shifts" data-count={c.shifts.length}>
              {c.shifts.slice(0, 12).map((s) => (
                <li key={`${s.from}-${s.to}`} data-from={s.from} data-to={s.to} data-count={s.count}>
                  {c.labelled ? `true ${s.from}` : `dense ${s.from}`} → now {s.to}: <strong>{s.count}</strong>{' '}
                  sample{s.count === 1 ? '' : 's'}
                </li>
              ))}
              {c.shifts.length > 12 && <li className="hint">and {c.shifts.length - 12} smaller changes</li>}
            </ul>
          )}
          <FlipsGrid />
        </>
      )}
    </section>
  );
}

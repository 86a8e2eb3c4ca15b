import { METHODS, type CurvePoint, type MethodKey } from '../../worker/protocol';
import { quality } from '../state/curves';
import { count, pct, sparsityPct } from '../state/format';
import { targetPct } from '../state/slider';

/**
 * The chart's text alternative: every point as a table row, each with a button that moves the
 * slider there (the keyboard path to what clicking a dot does).
 */
export function CurveTable({
  points,
  measure,
  onPick,
}: {
  points: CurvePoint[];
  measure: 'accuracy' | 'agreement';
  onPick: (method: MethodKey, sparsity: number) => void;
}) {
  const rows = [...points].sort((a, b) =>
    a.method === b.method ? a.sparsity - b.sparsity : a.method < b.method ? -1 : 1,
  );
  return (
    <details className="curve-table" data-testid="curve.table">
      <summary>The curves as a table ({points.length} points)</summary>
      {rows.length === 0 ? (
        <p className="hint">No points yet.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <caption className="visually-hidden">
              {measure === 'accuracy' ? 'Accuracy' : 'Agreement'} of each method at each target sparsity
            </caption>
            <thead>
              <tr>
                <th scope="col">Method</th>
                <th scope="col">Target</th>
                <th scope="col">Achieved</th>
                <th scope="col">{measure === 'accuracy' ? 'Accuracy' : 'Agreement'}</th>
                <th scope="col">Slim parameters</th>
                <th scope="col">Multiply-adds</th>
                <th scope="col">Latency</th>
                <th scope="col">
                  <span className="visually-hidden">Slider</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((p) => (
                <tr key={`${p.method}@${p.sparsity}`} data-method={p.method} data-target={p.sparsity}>
                  <th scope="row">{METHODS[p.method].label}</th>
                  <td>{targetPct(p.sparsity)}</td>
                  <td>{sparsityPct(p.achievedSparsity)}</td>
                  <td>{pct(quality(p))}</td>
                  <td>{p.cost ? count(p.cost.params) : '–'}</td>
                  <td>{p.cost ? count(p.cost.macs) : '–'}</td>
                  <td>{p.cost ? `${p.cost.latencyMs} ms / ${p.cost.batch}` : '–'}</td>
                  <td>
                    <button
                      type="button"
                      className="link-button"
                      aria-label={`Move the slider to ${METHODS[p.method].label} at ${targetPct(p.sparsity)}`}
                      onClick={() => onPick(p.method, p.sparsity)}
                    >
                      Use
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </details>
  );
}

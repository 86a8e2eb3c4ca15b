import { useMemo, useState } from 'react';
import { METHOD_KEYS, METHODS, type CurvePoint, type MethodKey } from '../../worker/protocol';
import { useStudio } from '../state/context';
import { axisHint, CURVE_AXES, type CurveAxis } from '../state/curve-axis';
import { curvesCsv, curvesJson, maxWithin, pointKey, SPARSITY_GRID } from '../state/curves';
import { pct, sparsityPct } from '../state/format';
import { retrainedPoints } from '../state/retrain';
import { METHOD_COLORS } from './colors';
import { CurveChart } from './CurveChart';
import { CurveTable } from './CurveTable';
import { curveCompleteness, curvesLine } from '../state/status';
import { ErrorMessage } from './ErrorMessage';
import { pageSvg, saveFile, savePng } from '../state/download';

function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The chart in one sentence per method, for its accessible description. */
function curvesSummary(methods: MethodKey[], points: CurvePoint[], dense: number, tolerance: number): string {
  const parts = methods.map((m) => {
    const n = points.filter((p) => p.method === m).length;
    const v = maxWithin(points, m, dense, tolerance);
    return `${METHODS[m].label}: ${n} points${v !== null ? `, highest sparsity within ${tolerance} points of dense ${sparsityPct(v)}` : ''}.`;
  });
  return `Dense ${pct(dense)}. ${parts.join(' ')} The table below lists every point.`;
}

export function CurvesPanel() {
  const [state, studio] = useStudio();
  const [axis, setAxis] = useState<CurveAxis>('sparsity');
  const { curves, prepared, pruned } = state;
  const results = state.retrain.results;
  const retrained = useMemo(() => retrainedPoints(results), [results]);
  const marker = useMemo(
    () =>
      pruned
        ? {
            sparsity: pruned.achievedSparsity,
            target: pruned.targetSparsity,
            quality: pruned.eval.accuracy ?? pruned.eval.agreement,
            method: pruned.method,
          }
        : null,
    [pruned],
  );
  const dense = prepared ? (prepared.dense.accuracy ?? prepared.dense.agreement) : null;
  const labelled = prepared ? prepared.dense.accuracy !== null : true;
  const base = state.workspace?.model?.name ?? 'model';
  const have = new Set(curves.points.map((p) => pointKey(p.method, p.sparsity)));
  const incomplete = curves.methods.some((m) => SPARSITY_GRID.some((s) => !have.has(pointKey(m, s))));
  const legend = curves.methods.map((m) => ({ label: METHODS[m].label, color: METHOD_COLORS[m] }));
  const meta = () => ({
    model: base,
    batch: state.workspace?.batch?.source ?? '',
    evalPoints: prepared?.dense.evalPoints ?? 0,
    dense: { accuracy: prepared?.dense.accuracy ?? null, agreement: prepared?.dense.agreement ?? 1 },
    seed: state.seed,
  });
  return (
    <section className="panel" aria-labelledby="curves-title">
      <div className="panel-head">
        <h2 id="curves-title">
          {labelled ? 'Accuracy' : 'Agreement'} versus{' '}
          {CURVE_AXES.find((a) => a.key === axis)!.label.toLowerCase()}
        </h2>
        <div className="panel-tools">
          <fieldset className="axis-choice" data-testid="curve.axis">
            <legend>Against</legend>
            {CURVE_AXES.map((a) => (
              <label key={a.key} className="check">
                <input
                  type="radio"
                  name="curve-axis"
                  value={a.key}
                  checked={axis === a.key}
                  onChange={() => setAxis(a.key)}
                />
                {a.label}
              </label>
            ))}
          </fieldset>
          <label className="check">
            <input
              type="checkbox"
              checked={state.showDelta}
              onChange={(e) => studio.setShowDelta(e.target.checked)}
            />
            Show change from dense
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={state.stretchX}
              disabled={axis !== 'sparsity'}
              onChange={(e) => studio.setStretchX(e.target.checked)}
            />
            Stretch high sparsity
          </label>
        </div>
      </div>
      <fieldset className="method-picks">
        <legend className="visually-hidden">Methods on the chart</legend>
        {METHOD_KEYS.map((m) => (
          <label key={m} className="pick" style={{ ['--c' as string]: METHOD_COLORS[m] }}>
            <input
              type="checkbox"
              checked={curves.methods.includes(m)}
              onChange={() => studio.curves.toggle(m)}
            />
            <span className="swatch" aria-hidden="true" />
            {METHODS[m].label}
          </label>
        ))}
      </fieldset>
      <div
        className="chart"
        role="figure"
        aria-labelledby="curves-title"
        aria-describedby="curves-alt"
        data-testid="curve.chart"
        data-points={curves.points.length}
        data-retrained={retrained.length}
        data-running={curves.running}
        data-axis={axis}
      >
        {dense === null ? (
          <p className="placeholder">
            Curves appear here, point by point, once the sensitivities are computed.
          </p>
        ) : (
          <CurveChart
            methods={curves.methods}
            points={curves.points}
            dense={dense}
            showDelta={state.showDelta}
            stretchX={state.stretchX}
            axis={axis}
            measure={labelled ? 'accuracy' : 'agreement'}
            retrained={retrained}
            marker={marker}
            onPick={studio.pickPoint}
          />
        )}
      </div>
      {axisHint(axis) && (
        <p className="hint axis-hint" data-testid="curve.axis-hint">
          {axisHint(axis)}
        </p>
      )}
      <div className="curve-status" aria-live="polite">
        {curves.running ? (
          <>
            <span>{curvesLine(curves, state.workspace?.session?.points ?? null)}</span>
            <button type="button" className="link-button" onClick={() => studio.curves.stop()}>
              Stop
            </button>
          </>
        ) : prepared && curves.points.length > 0 ? (
          <span>
            {curves.points.length} curve points, {SPARSITY_GRID.length} target sparsities per method. Click a
            point to move the slider there.{' '}
            {incomplete && (
              <button type="button" className="link-button" onClick={() => studio.curves.start()}>
                Compute the missing points
              </button>
            )}
          </span>
        ) : null}
        {retrained.length > 0 && (
          <span className="hint">
            Lines with dots: pruned only; dashed with ◆: after one-shot fine-tuning; dotted with ▲: cascade
            steps.
          </span>
        )}
        {curves.error && <ErrorMessage error={curves.error} title="Curves stopped." />}
      </div>
      <div className="max-within" data-testid="curve.max-within">
        <label className="tolerance">
          Highest sparsity within{' '}
          <input
            type="number"
            min={0}
            step={0.5}
            value={state.tolerance}
            aria-label="Tolerance in percentage points"
            onChange={(e) => studio.setTolerance(Number(e.target.value))}
          />{' '}
          points of dense:
        </label>
        <ul>
          {curves.methods.map((m) => {
            const v = dense === null ? null : maxWithin(curves.points, m, dense, state.tolerance);
            // From part of a curve, a higher point may still come: say so until the curve is in.
            const got = curveCompleteness(curves, m);
            const provisional = got.have < got.of;
            const has = retrained.some((p) => p.method === m);
            const t = dense === null || !has ? null : maxWithin(retrained, m, dense, state.tolerance);
            return (
              <li
                key={m}
                data-method={m}
                data-value={v ?? undefined}
                data-retrained={t ?? undefined}
                data-provisional={provisional}
              >
                <span className="swatch" style={{ background: METHOD_COLORS[m] }} aria-hidden="true" />
                {METHODS[m].label}:{' '}
                {v !== null ? (
                  <strong>{sparsityPct(v)}</strong>
                ) : (
                  <span className="hint">{curves.running ? 'computing…' : 'no point within'}</span>
                )}
                {provisional && v !== null && (
                  <span className="hint provisional">
                    {' '}
                    (provisional: curve points {got.have} of {got.of})
                  </span>
                )}
                {has && (
                  <>
                    {' '}
                    · retrained:{' '}
                    {t !== null ? (
                      <strong>{sparsityPct(t)}</strong>
                    ) : (
                      <span className="hint">no point within</span>
                    )}
                  </>
                )}
              </li>
            );
          })}
        </ul>
      </div>
      {dense !== null && (
        <p id="curves-alt" className="visually-hidden">
          {curvesSummary(curves.methods, curves.points, dense, state.tolerance)}
        </p>
      )}
      {dense !== null && (
        <CurveTable
          points={curves.points}
          measure={labelled ? 'accuracy' : 'agreement'}
          onPick={studio.pickPoint}
        />
      )}
      <div className="downloads">
        <button
          type="button"
          className="button small"
          disabled={curves.points.length === 0 && results.length === 0}
          onClick={() => download(`${base}.curves.csv`, curvesCsv(curves.points, results), 'text/csv')}
        >
          Curves as CSV
        </button>
        <button
          type="button"
          className="button small"
          disabled={curves.points.length === 0 && results.length === 0}
          onClick={() =>
            download(`${base}.curves.json`, curvesJson(meta(), curves.points, results), 'application/json')
          }
        >
          Curves as JSON
        </button>
        <button
          type="button"
          className="button small"
          data-testid="curve.svg"
          disabled={curves.points.length === 0}
          onClick={() => {
            const svg = document.querySelector<SVGSVGElement>(
              '[data-testid="curve.chart"] svg.recharts-surface',
            );
            if (svg) saveFile(`${base}.curves-${axis}.svg`, pageSvg(svg, legend).text, 'image/svg+xml');
          }}
        >
          Chart as SVG
        </button>
        <button
          type="button"
          className="button small"
          data-testid="curve.png"
          disabled={curves.points.length === 0}
          onClick={() => {
            const svg = document.querySelector<SVGSVGElement>(
              '[data-testid="curve.chart"] svg.recharts-surface',
            );
            if (!svg) return;
            const { text, width, height } = pageSvg(svg, legend);
            void savePng(`${base}.curves-${axis}.png`, text, width, height);
          }}
        >
          Chart as PNG
        </button>
      </div>
    </section>
  );
}

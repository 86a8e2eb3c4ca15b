// Two or more kept runs side by side: settings and metrics, curves overlaid, per-layer sparsity,
// per-class change, and for two runs on the same files the samples they disagree on.
import { useEffect, useMemo } from 'react';
import { classFigure, curvesFigure, layerFigure } from '../report/html';
import { standaloneSvg } from '../report/svg';
import type { RunRecord } from '../report/types';
import { classRows, compareRows, disagreement, layerRows } from '../state/compare';
import { fileStem, savePng, saveFile } from '../state/download';
import { pct, points } from '../state/format';
import { mismatch } from '../state/history/store';
import { useRuns } from '../state/runs-context';
import { SampleCanvas } from './SampleCanvas';

/** Disagreeing samples drawn at once; the rest are listed by index. */
const SHOWN = 24;

function Figure({ svg, name }: { svg: string; name: string }) {
  return (
    <figure className="figure">
      {/* Built by ui/report/svg.ts, which escapes every text it writes. */}
      <div dangerouslySetInnerHTML={{ __html: svg }} />
      <button
        type="button"
        className="button small"
        onClick={() => saveFile(`${fileStem(name)}.svg`, standaloneSvg(svg), 'image/svg+xml')}
      >
        Download SVG
      </button>{' '}
      <button
        type="button"
        className="button small"
        onClick={() => {
          const [, w, h] = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svg) ?? [];
          void savePng(`${fileStem(name)}.png`, standaloneSvg(svg), Number(w) || 560, Number(h) || 300);
        }}
      >
        PNG
      </button>
    </figure>
  );
}

export function ComparePanel() {
  const [runs, controller] = useRuns();
  const { selected, records } = runs;
  const chosen = useMemo(
    () => selected.map((id) => records.find((r) => r.id === id)).filter((r): r is RunRecord => !!r),
    [selected, records],
  );
  const figures = useMemo(
    () => ({ curves: curvesFigure(chosen), classes: classFigure(chosen), layers: layerFigure(chosen) }),
    [chosen],
  );
  const d = chosen.length === 2 ? disagreement(chosen[0], chosen[1]) : null;
  const p = runs.prints;
  const loadedHere =
    d?.ok && chosen[0]
      ? mismatch(chosen[0], {
          model: p?.model ?? null,
          batch: p?.batch ?? null,
          points: runs.classes?.points ?? null,
        })
      : null;
  const shown = d?.ok ? d.indices.slice(0, SHOWN) : [];
  const key = shown.join(',');
  useEffect(() => {
    if (key && loadedHere === null) void controller.ensureSamples(key.split(',').map(Number));
  }, [key, loadedHere, controller]);
  if (chosen.length < 2) return null;
  const rows = compareRows(chosen);
  return (
    <div className="compare" data-testid="compare.view" data-runs={chosen.length}>
      <div className="panel-head">
        <h3>Comparing {chosen.length} runs</h3>
        <button
          type="button"
          className="button small"
          data-testid="compare.report"
          onClick={() => controller.compareReport()}
        >
          Download comparison (HTML)
        </button>
      </div>
      <div className="table-wrap">
        <table className="runs-compare" data-testid="compare.table">
          <caption className="visually-hidden">Settings and metrics of the compared runs</caption>
          <thead>
            <tr>
              <th scope="col">
                <span className="visually-hidden">Setting</span>
              </th>
              {chosen.map((r) => (
                <th scope="col" key={r.id} data-run-id={r.id}>
                  {r.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.label} className={row.differs ? 'differs' : ''} data-row={row.label}>
                <th scope="row">{row.label}</th>
                {row.values.map((v, i) => (
                  <td key={chosen[i].id}>{v}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="compare-figs">
        <Figure svg={figures.curves} name="curves" />
        <Figure svg={figures.layers} name="sparsity-per-layer" />
        <Figure svg={figures.classes} name="change-per-class" />
      </div>
      <h4 className="runs-sub">Sparsity per layer</h4>
      <div className="table-wrap">
        <table data-testid="compare.layers">
          <thead>
            <tr>
              <th scope="col">Layer</th>
              {chosen.map((r) => (
                <th scope="col" className="num" key={r.id}>
                  {r.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {layerRows(chosen).map((l) => (
              <tr key={l.name} data-layer={l.name}>
                <th scope="row">{l.name}</th>
                {l.sparsity.map((s, i) => (
                  <td className="num" key={chosen[i].id}>
                    {pct(s)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h4 className="runs-sub">Change per class (pruned − dense)</h4>
      <div className="table-wrap">
        <table data-testid="compare.classes">
          <thead>
            <tr>
              <th scope="col">Class</th>
              {chosen.map((r) => (
                <th scope="col" className="num" key={r.id}>
                  {r.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {classRows(chosen).map((c) => (
              <tr key={c.cls} data-cls={c.cls}>
                <th scope="row">{c.cls}</th>
                {c.change.map((x, i) => (
                  <td className={`num ${x !== null && x < 0 ? 'worse' : ''}`} key={chosen[i].id}>
                    {x === null ? '–' : points(x)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h4 className="runs-sub">Samples the two runs disagree on</h4>
      {chosen.length > 2 ? (
        <p className="hint">Tick exactly two runs to see the samples they disagree on.</p>
      ) : d && !d.ok ? (
        <p className="hint" data-testid="compare.disagree" data-count="">
          {d.reason}
        </p>
      ) : d && d.ok ? (
        <div data-testid="compare.disagree" data-count={d.indices.length}>
          <p className="hint">
            {d.indices.length} of {chosen[0].batch.evalPoints} evaluation points predicted differently
            {d.indices.length > SHOWN ? ` (the first ${SHOWN} shown)` : ''}. Each shows “{chosen[0].name}” vs
            “{chosen[1].name}”.
            {loadedHere ? ` Pictures need the same files loaded: ${loadedHere}` : ''}
          </p>
          <ol className="flip-cells">
            {shown.map((i, k) => (
              <li key={i} className="flip-cell" data-index={i}>
                {loadedHere === null && (
                  <SampleCanvas sample={runs.samples[i]} layout={runs.layout} label={`Sample ${i}`} />
                )}
                <span className="flip-caption">
                  <span className="flip-index">#{i}</span>
                  <span>
                    {d.a[k]} vs {d.b[k]}
                  </span>
                </span>
              </li>
            ))}
          </ol>
        </div>
      ) : null}
    </div>
  );
}

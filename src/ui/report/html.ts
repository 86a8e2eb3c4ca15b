// One self-contained HTML file per run or comparison: what a user attaches to a pull request or
// a paper draft. Styles inline, figures inline SVG, no script and no URL of any kind, so it opens
// from disk offline and shows the same thing everywhere. Pure TS: the page and the CLI share it.
import type { RunRecord } from './types';
import { barChart, esc, lineChart, type Series } from './svg';

const pct = (x: number | null | undefined, d = 1) =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(100 * x).toFixed(d)} %`;
const pts = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(100 * x).toFixed(1)} pt`;
const int = (n: number) => n.toLocaleString('en-US');

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#111827;margin:2rem auto;max-width:70rem;padding:0 1rem;line-height:1.45}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid #e5e7eb;padding-bottom:.25rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}th,td{padding:.2rem .6rem;border-bottom:1px solid #e5e7eb;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}.bad{color:#b91c1c}.good{color:#047857}
.muted{color:#4b5563}.figs{display:flex;flex-wrap:wrap;gap:1rem}.figs svg{max-width:100%;height:auto;border:1px solid #e5e7eb}
code{font-size:.85em;background:#f3f4f6;padding:0 .2em}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body>${body}</body></html>
`;
}

function table(head: string[], rows: string[][], numeric: boolean[] = []): string {
  const th = head.map((h, i) => `<th scope="col"${numeric[i] ? ' class="num"' : ''}>${esc(h)}</th>`).join('');
  const tr = rows
    .map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`)
    .join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

const changeCell = (x: number) =>
  `<span class="${x < 0 ? 'bad' : x > 0 ? 'good' : ''}">${esc(pts(x))}</span>`;

function what(r: RunRecord): string {
  const s = r.settings;
  const base = `${s.methodLabel} at ${pct(s.targetSparsity)} target`;
  return s.retrained ? `${base}, retrained (${s.retrained.description})` : `${base}, pruned only`;
}

function curvesOf(r: RunRecord): Series[] {
  const by = new Map<string, { x: number; y: number }[]>();
  for (const p of r.curves) {
    const y = p.accuracy ?? p.agreement;
    by.set(p.method, [...(by.get(p.method) ?? []), { x: p.achievedSparsity, y }]);
  }
  return [...by].map(([label, points]) => ({ label, points }));
}

export function curvesFigure(runs: RunRecord[]): string {
  const labelled = runs.every((r) => r.batch.labelled);
  // One run: every method's curve computed with it. Several: each run's own method, named by the run.
  const series: Series[] =
    runs.length === 1
      ? curvesOf(runs[0])
      : runs.flatMap((r, i) =>
          curvesOf(r)
            .filter((s) => s.label === r.settings.method)
            .map((s) => ({ ...s, label: `${r.name} (${s.label})`, dashed: i % 2 === 1 })),
        );
  if (series.length === 0)
    return '<p class="muted">No accuracy-versus-sparsity curve was computed for this run.</p>';
  const dense = runs[0].metrics.accuracyDense;
  return lineChart(series, {
    title: labelled ? 'Accuracy against sparsity (prune only)' : 'Agreement with dense against sparsity',
    xLabel: 'sparsity (zero parameters / all parameters)',
    yLabel: labelled ? 'top-1 accuracy' : 'top-1 agreement',
    reference: dense !== null && labelled ? { y: dense, label: `dense ${pct(dense)}` } : undefined,
    marks: runs.map((r) => ({
      x: r.metrics.achievedSparsity,
      y: (labelled ? r.metrics.accuracy : r.metrics.agreement) ?? 0,
      label: r.name,
    })),
  });
}

export function classFigure(runs: RunRecord[]): string {
  const classes = [...new Set(runs.flatMap((r) => r.classes.rows.map((c) => c.cls)))];
  // Order of the first run (its damage order); classes only others have go last.
  const first = runs[0].classes.rows.map((c) => c.cls);
  classes.sort((a, b) => (first.indexOf(a) + 1 || 1e9) - (first.indexOf(b) + 1 || 1e9) || a - b);
  const changes = runs.flatMap((r) => r.classes.rows.map((c) => c.change));
  const lo = Math.min(-0.05, ...changes);
  const hi = Math.max(0.05, ...changes);
  return barChart(
    classes.map((c) => ({
      label: `class ${c}`,
      values: runs.map((r) => r.classes.rows.find((x) => x.cls === c)?.change ?? null),
    })),
    {
      title: 'Change per class (pruned − dense)',
      groups: runs.map((r) => r.name),
      domain: [lo, hi],
      format: pts,
    },
  );
}

export function layerFigure(runs: RunRecord[]): string {
  const names = [...new Set(runs.flatMap((r) => r.layers.filter((l) => l.params > 0).map((l) => l.name)))];
  return barChart(
    names.map((n) => ({
      label: n,
      values: runs.map((r) => {
        const l = r.layers.find((x) => x.name === n);
        return l ? 1 - l.nonzero / l.params : null;
      }),
    })),
    { title: 'Sparsity per layer', groups: runs.map((r) => r.name), domain: [0, 1], format: (v) => pct(v) },
  );
}

/** "excluded fc3; fc1 at most 80 %", or "none". */
export function limitWords(l: RunRecord['settings']['limits']): string {
  const parts: string[] = [];
  if (l?.exclude?.length) parts.push(`excluded ${l.exclude.join(', ')}`);
  for (const [k, v] of Object.entries(l?.maxSparsity ?? {}))
    parts.push(`${k} at most ${+(100 * v).toFixed(1)} %`);
  return parts.length ? parts.join('; ') : 'none';
}

function runFacts(r: RunRecord): string {
  const m = r.metrics;
  const rows: [string, string][] = [
    [
      'Model',
      `${esc(r.model.name)} <span class="muted">(SHA-256 <code>${esc(r.model.fingerprint)}</code>)</span>`,
    ],
    [
      'Batch',
      `${esc(r.batch.source)}: ${int(r.batch.samples)} samples, ${int(r.batch.points)} sensitivity points, ${int(r.batch.evalPoints)} evaluation points${r.batch.labelled ? '' : ' (no labels: agreement with the dense model)'} <span class="muted">(SHA-256 <code>${esc(r.batch.fingerprint)}</code>)</span>`,
    ],
    ['Run', esc(what(r))],
    ['Method', `${esc(r.settings.methodLabel)} (<code>${esc(r.settings.method)}</code>)`],
    ['Seed', esc(r.settings.seed)],
    ['Propagate zeros', r.settings.propagate ? 'yes' : 'no'],
    ['Per-layer limits', esc(limitWords(r.settings.limits))],
    ['Target sparsity', pct(r.settings.targetSparsity)],
    ['Achieved sparsity', `<span data-metric="achieved">${pct(m.achievedSparsity, 2)}</span>`],
    ['Non-zero parameters', `${int(m.nonzeroParams)} of ${int(m.totalParams)}`],
    ['Accuracy, dense', `<span data-metric="dense">${pct(m.accuracyDense, 2)}</span>`],
    ['Accuracy, this model', `<span data-metric="accuracy">${pct(m.accuracy, 2)}</span>`],
    ['Agreement with dense', `<span data-metric="agreement">${pct(m.agreement, 2)}</span>`],
  ];
  if (m.gzipBytes !== null) rows.push(['Size (float32, gzipped)', `${int(m.gzipBytes)} bytes`]);
  if (r.settings.retrained)
    rows.push(['Retraining settings', `<code>${esc(JSON.stringify(r.settings.retrained.settings))}</code>`]);
  return `<table><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${v}</td></tr>`).join('')}</tbody></table>`;
}

function classTable(r: RunRecord): string {
  const lab = r.classes.labelled;
  return table(
    ['class', 'samples', lab ? 'dense accuracy' : 'dense', lab ? 'pruned accuracy' : 'agreement', 'change'],
    r.classes.rows.map((c) => [
      esc(c.cls),
      int(c.samples),
      pct(c.dense),
      pct(c.pruned),
      changeCell(c.change),
    ]),
    [false, true, true, true, true],
  );
}

/** The flips listed in the report; the rest are counted. */
const REPORT_FLIPS = 60;

function flipTable(r: RunRecord): string {
  const rows = r.flips
    .slice(0, REPORT_FLIPS)
    .map((f) => [
      esc(f.kind),
      int(f.index),
      int(f.index + r.batch.points),
      f.label === null ? '–' : esc(f.label),
      `${esc(f.dense)} (${pct(f.denseConf, 0)})`,
      `${esc(f.pruned)} (${pct(f.prunedConf, 0)})`,
    ]);
  const more =
    r.flips.length > REPORT_FLIPS
      ? `<p class="muted">and ${int(r.flips.length - REPORT_FLIPS)} more.</p>`
      : '';
  return (
    table(
      ['kind', 'evaluation index', 'batch index', 'label', 'dense (confidence)', 'pruned (confidence)'],
      rows,
      [false, true, true, true, false, false],
    ) + more
  );
}

export function runReportHtml(r: RunRecord, generatedAt = new Date().toISOString()): string {
  const c = r.classes;
  const shifts = c.shifts.length
    ? table(
        ['from (true class)', 'to (pruned prediction)', 'samples'],
        c.shifts.slice(0, 20).map((s) => [esc(s.from), esc(s.to), int(s.count)]),
        [false, false, true],
      )
    : '<p>No sample the dense model got right went wrong.</p>';
  const body = `
<h1>${esc(r.name)}</h1>
<p class="muted">SiPP Studio ${esc(r.toolVersion)} · run kept ${esc(r.createdAt)} · report written ${esc(generatedAt)}</p>
<h2>Run</h2>${runFacts(r)}
<h2>Figures</h2><div class="figs">${curvesFigure([r])}${classFigure([r])}${layerFigure([r])}</div>
<h2>Per class</h2>
<p>${c.labelled ? 'Top-1 accuracy per true class' : 'Agreement with the dense prediction, per dense class'} on the ${int(r.batch.evalPoints)} evaluation points, largest damage first.</p>
${classTable(r)}
<h2>Where the lost samples went</h2>${shifts}
<h2>Flipped samples</h2>
<p>${int(c.lost)} lost (dense right, pruned wrong${c.labelled ? '' : '; without labels: any change'}), ${int(c.gained)} gained, ${int(c.changed - c.lost - c.gained)} changed from one wrong class to another.</p>
${flipTable(r)}
<h2>Per layer</h2>
${table(
  ['layer', 'kind', 'parameters', 'kept', 'sparsity'],
  r.layers.map((l) => [
    esc(l.name),
    esc(l.className),
    int(l.params),
    int(l.nonzero),
    pct(l.params ? 1 - l.nonzero / l.params : 0),
  ]),
  [false, false, true, true, true],
)}`;
  return page(`${r.name}: SiPP Studio report`, body);
}

export function compareReportHtml(
  runs: RunRecord[],
  disagree: number[] | null,
  generatedAt = new Date().toISOString(),
): string {
  const head = ['', ...runs.map((r) => esc(r.name))];
  const row = (k: string, f: (r: RunRecord) => string) => [esc(k), ...runs.map(f)];
  const settings = [
    row('model', (r) => `${esc(r.model.name)} <code>${esc(r.model.fingerprint.slice(0, 12))}</code>`),
    row('batch', (r) => `${esc(r.batch.source)} <code>${esc(r.batch.fingerprint.slice(0, 12))}</code>`),
    row('method', (r) => esc(r.settings.methodLabel)),
    row('retrained', (r) => (r.settings.retrained ? esc(r.settings.retrained.description) : 'no')),
    row('seed', (r) => esc(r.settings.seed)),
    row('target sparsity', (r) => pct(r.settings.targetSparsity)),
    row('achieved sparsity', (r) => pct(r.metrics.achievedSparsity, 2)),
    row('accuracy', (r) => pct(r.metrics.accuracy, 2)),
    row('dense accuracy', (r) => pct(r.metrics.accuracyDense, 2)),
    row('agreement with dense', (r) => pct(r.metrics.agreement, 2)),
  ];
  const dis =
    disagree === null
      ? '<p class="muted">The runs were not all made on the same model and batch: their samples are not compared.</p>'
      : `<p>The two runs disagree on ${int(disagree.length)} of ${int(runs[0].batch.evalPoints)} evaluation points${disagree.length ? `: ${disagree.slice(0, 200).map(int).join(', ')}${disagree.length > 200 ? ', …' : ''}` : ''}.</p>`;
  const body = `
<h1>Comparison of ${int(runs.length)} runs</h1>
<p class="muted">SiPP Studio · report written ${esc(generatedAt)}</p>
<h2>Settings and metrics</h2>${table(head, settings)}
<h2>Figures</h2><div class="figs">${curvesFigure(runs)}${classFigure(runs)}${layerFigure(runs)}</div>
<h2>Samples</h2>${dis}`;
  return page(`Comparison: ${runs.map((r) => r.name).join(' vs ')}`, body);
}

// Figures as standalone SVG strings: the same markup goes into the HTML report, the page's
// comparison view and the "download SVG" links. No fonts, images or links to fetch; every text
// is escaped.

export function esc(s: unknown): string {
  return String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Colour-blind-safe categorical palette (Okabe-Ito), one per series in order. */
export const PALETTE = [
  '#0072b2',
  '#d55e00',
  '#009e73',
  '#cc79a7',
  '#e69f00',
  '#56b4e9',
  '#000000',
  '#f0e442',
];

export interface Series {
  label: string;
  points: { x: number; y: number }[];
  /** Draw as a dashed line (e.g. a second run of the same method). */
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** A horizontal reference line (the dense model). */
  reference?: { y: number; label: string };
  /** Marked points (this run). */
  marks?: { x: number; y: number; label: string }[];
  xDomain?: [number, number];
  yDomain?: [number, number];
}

const f = (n: number) => (Math.round(n * 10) / 10).toString();
const pctTick = (v: number) => `${Math.round(v * 100)}%`;

/** Accuracy-versus-sparsity style chart: x and y in [0, 1] shown as percent. */
export function lineChart(series: Series[], o: LineChartOptions): string {
  const W = o.width ?? 560;
  // The legend goes below the plot, one row per series, so that long run names are never cut.
  const legendH = 16 * series.length + 6;
  const plotH = o.height ?? 300;
  const H = plotH + legendH;
  const m = { l: 52, r: 16, t: 28, b: 44 + legendH };
  const [x0, x1] = o.xDomain ?? [0, 1];
  const [y0, y1] = o.yDomain ?? [0, 1];
  const X = (x: number) => m.l + ((x - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
  const Y = (y: number) => H - m.b - ((y - y0) / (y1 - y0 || 1)) * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`);
  for (let i = 0; i <= 5; i++) {
    const vx = x0 + ((x1 - x0) * i) / 5;
    const vy = y0 + ((y1 - y0) * i) / 5;
    parts.push(
      `<line x1="${f(X(vx))}" y1="${f(Y(y0))}" x2="${f(X(vx))}" y2="${f(Y(y1))}" stroke="#e5e7eb"/>`,
      `<line x1="${f(X(x0))}" y1="${f(Y(vy))}" x2="${f(X(x1))}" y2="${f(Y(vy))}" stroke="#e5e7eb"/>`,
      `<text x="${f(X(vx))}" y="${H - m.b + 16}" text-anchor="middle" font-size="11">${pctTick(vx)}</text>`,
      `<text x="${m.l - 6}" y="${f(Y(vy) + 4)}" text-anchor="end" font-size="11">${pctTick(vy)}</text>`,
    );
  }
  parts.push(
    `<text x="${f((m.l + W - m.r) / 2)}" y="${plotH - 8}" text-anchor="middle" font-size="12">${esc(o.xLabel)}</text>`,
    `<text transform="translate(14 ${f((m.t + H - m.b) / 2)}) rotate(-90)" text-anchor="middle" font-size="12">${esc(o.yLabel)}</text>`,
    `<text x="${m.l}" y="16" font-size="13" font-weight="600">${esc(o.title)}</text>`,
  );
  if (o.reference) {
    const y = f(Y(o.reference.y));
    parts.push(
      `<line x1="${f(X(x0))}" y1="${y}" x2="${f(X(x1))}" y2="${y}" stroke="#6b7280" stroke-dasharray="2 3"/>`,
      `<text x="${f(X(x1) - 4)}" y="${f(Y(o.reference.y) - 4)}" text-anchor="end" font-size="11" fill="#374151">${esc(o.reference.label)}</text>`,
    );
  }
  series.forEach((s, i) => {
    const c = PALETTE[i % PALETTE.length];
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    if (pts.length === 0) return;
    const d = pts.map((p, j) => `${j ? 'L' : 'M'}${f(X(p.x))},${f(Y(p.y))}`).join('');
    const dash = s.dashed ? ' stroke-dasharray="6 3"' : '';
    parts.push(
      `<path d="${d}" fill="none" stroke="${c}" stroke-width="2"${dash}><title>${esc(s.label)}</title></path>`,
    );
    for (const p of pts) parts.push(`<circle cx="${f(X(p.x))}" cy="${f(Y(p.y))}" r="2.5" fill="${c}"/>`);
    const ly = plotH + 8 + i * 16;
    parts.push(
      `<line x1="${m.l}" y1="${ly}" x2="${m.l + 22}" y2="${ly}" stroke="${c}" stroke-width="2"${dash}/>`,
      `<text x="${m.l + 28}" y="${ly + 4}" font-size="11">${esc(s.label)}</text>`,
    );
  });
  for (const mk of o.marks ?? []) {
    parts.push(
      `<circle cx="${f(X(mk.x))}" cy="${f(Y(mk.y))}" r="6" fill="none" stroke="#111827" stroke-width="2"><title>${esc(mk.label)}</title></circle>`,
    );
  }
  return svg(W, H, o.title, parts);
}

export interface Bar {
  label: string;
  /** One value per group (e.g. per run); null: no bar. */
  values: (number | null)[];
}

/**
 * Horizontal bars, one row per label and one bar per group: signed values (per-class change)
 * grow left or right of zero; `domain` fixes the scale.
 */
export function barChart(
  bars: Bar[],
  o: {
    title: string;
    groups: string[];
    domain: [number, number];
    format: (v: number) => string;
    width?: number;
  },
): string {
  const W = o.width ?? 560;
  const rowH = Math.max(14, 8 * o.groups.length + 6);
  const m = { l: 110, r: 60, t: 28 + 14 * Math.min(o.groups.length, 6), b: 10 };
  const H = m.t + m.b + rowH * bars.length;
  const [d0, d1] = o.domain;
  const X = (v: number) => m.l + ((v - d0) / (d1 - d0 || 1)) * (W - m.l - m.r);
  const zero = X(Math.min(Math.max(0, d0), d1));
  const parts: string[] = [`<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`];
  parts.push(`<text x="8" y="16" font-size="13" font-weight="600">${esc(o.title)}</text>`);
  if (o.groups.length > 1)
    o.groups.forEach((g, i) => {
      parts.push(
        `<rect x="8" y="${24 + i * 14}" width="10" height="10" fill="${PALETTE[i % PALETTE.length]}"/>`,
        `<text x="22" y="${33 + i * 14}" font-size="11">${esc(g)}</text>`,
      );
    });
  parts.push(`<line x1="${f(zero)}" y1="${m.t - 4}" x2="${f(zero)}" y2="${H - m.b}" stroke="#9ca3af"/>`);
  const barH = Math.max(4, (rowH - 6) / o.groups.length);
  bars.forEach((b, r) => {
    const y = m.t + r * rowH;
    parts.push(
      `<text x="${m.l - 6}" y="${f(y + rowH / 2 + 4)}" text-anchor="end" font-size="11">${esc(b.label)}</text>`,
    );
    b.values.forEach((v, g) => {
      if (v === null || !Number.isFinite(v)) return;
      const x = X(Math.min(Math.max(v, d0), d1));
      const x0 = Math.min(x, zero);
      const by = y + 3 + g * barH;
      parts.push(
        `<rect x="${f(x0)}" y="${f(by)}" width="${f(Math.max(1, Math.abs(x - zero)))}" height="${f(barH - 1)}" fill="${PALETTE[g % PALETTE.length]}"><title>${esc(`${b.label} ${o.groups[g]}: ${o.format(v)}`)}</title></rect>`,
      );
      if (o.groups.length === 1)
        parts.push(
          `<text x="${f(Math.max(x, zero) + 4)}" y="${f(by + barH - 2)}" font-size="10">${esc(o.format(v))}</text>`,
        );
    });
  });
  return svg(W, H, o.title, parts);
}

function svg(w: number, h: number, title: string, parts: string[]): string {
  return (
    `<svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" ` +
    `font-family="system-ui, sans-serif" aria-label="${esc(title)}">${parts.join('')}</svg>`
  );
}

/**
 * The figure as a file of its own. Inline in HTML an SVG needs no namespace (and the report holds
 * no URL at all); a standalone .svg file does.
 */
export function standaloneSvg(figure: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${figure.replace('<svg ', '<svg xmlns="http://www.w3.org/2000/svg" ')}`;
}

// Saving a file from the page (a link click on an object URL; the URL is freed a minute later,
// once the browser has surely read it).
export function saveFile(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A name safe on every file system, from a run's name. */
export function fileStem(name: string): string {
  return (
    name
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^[._]+|_+$/g, '')
      .slice(0, 80) || 'run'
  );
}

/**
 * A figure (standalone SVG text) as a PNG at `scale` times its size: drawn from a blob: URL onto
 * a canvas, so nothing is fetched.
 */
export async function savePng(
  name: string,
  svgText: string,
  width: number,
  height: number,
  scale = 2,
): Promise<void> {
  const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/png'));
    if (!blob) throw new Error('the PNG could not be made');
    saveFile(name, blob, 'image/png');
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * A chart drawn on the page (recharts' <svg>) as standalone SVG text: namespaced, sized, on a white
 * background, with the page's font named and `legend` (drawn outside the chart on the page) above
 * it, so it opens the same outside the page.
 */
export function pageSvg(
  svg: SVGSVGElement,
  legend: { label: string; color: string }[] = [],
): { text: string; width: number; height: number } {
  const NS = 'http://www.w3.org/2000/svg';
  const box = svg.getBoundingClientRect();
  const width = Math.round(box.width) || Number(svg.getAttribute('width')) || 600;
  const chartHeight = Math.round(box.height) || Number(svg.getAttribute('height')) || 300;
  // Legend entries in rows of what fits: about 7 px per character plus the swatch.
  const rows: { label: string; color: string; x: number }[][] = [[]];
  let x = 12;
  for (const item of legend) {
    const w = 28 + 7 * item.label.length;
    if (x + w > width - 12 && rows[rows.length - 1].length > 0) {
      rows.push([]);
      x = 12;
    }
    rows[rows.length - 1].push({ ...item, x });
    x += w;
  }
  const top = legend.length > 0 ? 8 + 18 * rows.length : 0;
  const height = chartHeight + top;
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const chart = document.createElementNS(NS, 'g');
  chart.setAttribute('transform', `translate(0 ${top})`);
  while (copy.firstChild) chart.appendChild(copy.firstChild);
  copy.setAttribute('xmlns', NS);
  copy.setAttribute('width', String(width));
  copy.setAttribute('height', String(height));
  copy.setAttribute('viewBox', `0 0 ${width} ${height}`);
  copy.setAttribute('font-family', getComputedStyle(svg).fontFamily || 'sans-serif');
  const bg = document.createElementNS(NS, 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', '#fff');
  copy.appendChild(bg);
  rows.forEach((row, r) =>
    row.forEach((item) => {
      const y = 14 + 18 * r;
      const line = document.createElementNS(NS, 'line');
      for (const [k, v] of Object.entries({ x1: item.x, x2: item.x + 18, y1: y - 4, y2: y - 4 }))
        line.setAttribute(k, String(v));
      line.setAttribute('stroke', item.color);
      line.setAttribute('stroke-width', '2.5');
      const text = document.createElementNS(NS, 'text');
      text.setAttribute('x', String(item.x + 23));
      text.setAttribute('y', String(y));
      text.setAttribute('font-size', '12');
      text.setAttribute('fill', '#111827');
      text.textContent = item.label;
      copy.append(line, text);
    }),
  );
  copy.appendChild(chart);
  return { text: new XMLSerializer().serializeToString(copy), width, height };
}

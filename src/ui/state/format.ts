// Numbers as people read them: percentages with the precision the slider has, parameter counts
// with separators, sizes in kB/MB (1000-based, as browsers and servers report them).

export function pct(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return `${(100 * x).toFixed(digits)} %`;
}

/** Sparsity with one decimal, two above 99 % (where 99.5 and 99.55 differ by a tenth of the weights left). */
export function sparsityPct(x: number): string {
  return pct(x, x >= 0.99 ? 2 : 1);
}

/** Difference of two fractions in percentage points, signed. */
export function points(delta: number, digits = 1): string {
  const scale = 10 ** digits;
  const v = Math.round(100 * delta * scale) / scale;
  if (v === 0) return `±${(0).toFixed(digits)} pt`;
  return `${v > 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)} pt`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)} kB`;
  return `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)} MB`;
}

export function seconds(s: number): string {
  if (s < 1) return `${Math.max(1, Math.round(s * 1000))} ms`;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - 60 * m)} s`;
}

export function shape(dims: (number | null)[]): string {
  return `[${dims.map((d) => (d === null || d < 0 ? 'N' : d)).join(', ')}]`;
}

/** A file-name-safe tag for a sparsity: 0.905 -> "90.5pct". */
export function sparsityTag(x: number): string {
  return `${(100 * x).toFixed(x >= 0.99 ? 2 : 1)}pct`;
}

/** The readable (non --json) report: a few lines a person scans, then the per-layer table. */
const pct = (v: unknown) => (typeof v === 'number' ? `${(v * 100).toFixed(2)} %` : 'n/a');

export function printReport(r: Record<string, unknown>): void {
  const out: string[] = [];
  const line = (k: string, v: unknown) => out.push(`${k.padEnd(22)} ${v}`);
  line('command', r.command);
  line('model', r.model);
  line('backend', r.backendDetail ?? r.backend);
  line('points (sensitivity)', r.points);
  line(
    'points (evaluation)',
    `${r.evalPoints}${r.labelled ? '' : ' (unlabelled: agreement with the original)'}`,
  );
  for (const n of (r.notices as string[]) ?? []) line('notice', n);
  if (r.command === 'prune') {
    line('method', r.method);
    line('target sparsity', pct(r.targetSparsity));
    line(
      'achieved sparsity',
      `${pct(r.achievedSparsity)}${r.withinTolerance ? '' : '  (nearest achievable)'}`,
    );
    line('prunable sparsity', pct(r.prunableSparsity));
    line('non-zero parameters', `${r.nonzeroParams} of ${r.totalParams}`);
    line('accuracy before', pct(r.accuracyBefore));
    line('accuracy after', pct(r.accuracyAfter));
    line('agreement after', pct(r.agreementAfter));
    const o = r.output as { dir: string; files: string[]; rawBytes: number; gzipBytes: number };
    line('written', `${o.dir}: ${o.files.join(', ')} (${o.rawBytes} bytes, ${o.gzipBytes} gzipped)`);
    out.push(
      '',
      'layer'.padEnd(28) + 'class'.padEnd(20) + 'params'.padStart(10) + 'non-zero'.padStart(10) + '  note',
    );
    for (const L of r.layers as {
      name: string;
      className: string;
      params: number;
      nonzero: number;
      prunable: boolean;
      skippedReason?: string;
    }[])
      out.push(
        L.name.padEnd(28) +
          L.className.padEnd(20) +
          String(L.params).padStart(10) +
          String(L.nonzero).padStart(10) +
          `  ${L.prunable ? 'pruned' : (L.skippedReason ?? '')}`,
      );
  } else if (r.command === 'sweep') {
    const dense = r.dense as { accuracy: number | null };
    line('dense accuracy', pct(dense.accuracy));
    const curves = r.curves as Record<
      string,
      { sparsity: number; achievedSparsity: number; accuracy: number | null; agreement: number }[]
    >;
    out.push(
      '',
      'method'.padEnd(12) +
        'target'.padStart(9) +
        'achieved'.padStart(10) +
        'accuracy'.padStart(10) +
        'agreement'.padStart(11),
    );
    for (const [m, pts] of Object.entries(curves))
      for (const p of pts)
        out.push(
          m.padEnd(12) +
            pct(p.sparsity).padStart(9) +
            pct(p.achievedSparsity).padStart(10) +
            pct(p.accuracy).padStart(10) +
            pct(p.agreement).padStart(11),
        );
  } else {
    line('written', `${r.out} (${r.reduction} over conv positions)`);
    for (const L of r.layers as { name: string; shape: number[] }[])
      line(`  ${L.name}`, `[${L.shape.join(', ')}]`);
  }
  out.push('', `timings (ms): ${JSON.stringify(r.timingsMs)}`);
  process.stdout.write(out.join('\n') + '\n');
}

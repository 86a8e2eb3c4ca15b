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
    const st = r.structured as
      | { method: string; targetSparsity: number; achievedSparsity: number; accuracy: number | null }
      | undefined;
    if (st)
      line(
        'structured step',
        `${st.method}: target ${pct(st.targetSparsity)}, achieved ${pct(st.achievedSparsity)}, accuracy ${pct(st.accuracy)}`,
      );
    line('method', st ? `${r.method} (after ${st.method}; sparsities below are both steps)` : r.method);
    line('target sparsity', pct(r.targetSparsity));
    line(
      'achieved sparsity',
      `${pct(r.achievedSparsity)}${r.withinTolerance ? '' : '  (nearest achievable)'}`,
    );
    if (r.unreachable) line('why', r.unreachable);
    const limits = r.limits as { exclude: string[]; maxSparsity: Record<string, number> } | null;
    const note = (name: string) =>
      limits?.exclude.includes(name)
        ? 'excluded (as trained)'
        : limits && name in limits.maxSparsity
          ? `pruned, at most ${pct(limits.maxSparsity[name])} zero`
          : 'pruned';
    if (limits)
      line(
        'layer limits',
        [
          ...limits.exclude.map((n) => `${n} excluded`),
          ...Object.entries(limits.maxSparsity).map(([n, v]) => `${n} at most ${pct(v)} zero`),
        ].join(', '),
      );
    line('prunable sparsity', pct(r.prunableSparsity));
    line('non-zero parameters', `${r.nonzeroParams} of ${r.totalParams}`);
    line('accuracy before', pct(r.accuracyBefore));
    line('accuracy after', pct(r.accuracyAfter));
    line('agreement after', pct(r.agreementAfter));
    if (r.accuracyQuantized !== undefined) {
      line(`accuracy, ${r.quantize}`, pct(r.accuracyQuantized));
      line(`agreement, ${r.quantize}`, pct(r.agreementQuantized));
    }
    const o = r.output as {
      dir: string;
      files: string[];
      weights: string;
      rawBytes: number;
      gzipBytes: number;
    };
    line(
      'written',
      `${o.dir}: ${o.files.join(', ')} (${o.weights} weights, ${o.rawBytes} bytes, ${o.gzipBytes} gzipped)`,
    );
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
          `  ${L.prunable ? note(L.name) : (L.skippedReason ?? '')}`,
      );
  } else if (r.command === 'report') {
    line('pruned', r.pruned);
    line('accuracy', `${pct(r.accuracyDense)} dense -> ${pct(r.accuracyPruned)} pruned`);
    line('agreement', pct(r.agreement));
    const classes = r.classes as {
      cls: number;
      samples: number;
      dense: number;
      pruned: number;
      change: number;
    }[];
    out.push('class  samples  dense     pruned    change (most damaged first)');
    for (const c of classes)
      out.push(
        `${String(c.cls).padEnd(6)} ${String(c.samples).padEnd(8)} ${pct(c.dense).padEnd(9)} ${pct(c.pruned).padEnd(9)} ${(100 * c.change).toFixed(1)} pt`,
      );
    const shifts = (r.shifts as { from: number; to: number; count: number }[]).slice(0, 10);
    if (shifts.length)
      line('lost samples went', shifts.map((x) => `${x.from}->${x.to} x${x.count}`).join(', '));
    const f = r.flipped as { lost: number[]; gained: number[] };
    line('flipped', `${f.lost.length} lost, ${f.gained.length} gained (indices in --json)`);
    const html = r.html as { path: string; bytes: number } | null;
    if (html) line('html report', `${html.path} (${html.bytes} bytes)`);
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
  } else if (r.command === 'finetune' || r.command === 'cascade' || r.command === 'lottery') {
    retrainReport(r, line, out);
  } else {
    line('written', `${r.out} (${r.reduction} over conv positions)`);
    for (const L of r.layers as { name: string; shape: number[] }[])
      line(`  ${L.name}`, `[${L.shape.join(', ')}]`);
  }
  out.push('', `timings (ms): ${JSON.stringify(r.timingsMs)}`);
  process.stdout.write(out.join('\n') + '\n');
}

interface Facts {
  accuracy: number | null;
  agreement: number;
}
interface Epoch extends Facts {
  epoch: number;
  loss: number;
  seconds: number;
}
interface Trained {
  achievedSparsity: number;
  retrained: Facts;
  history: Epoch[];
  diverged: string | null;
  output: {
    dir: string;
    files: string[];
    weights: string;
    accuracyQuantized?: number | null;
    agreementQuantized?: number;
  } | null;
}
interface Step extends Trained {
  index: number;
  targetSparsity: number;
  pruned: Facts;
}
interface Arm extends Trained {
  arm: string;
  label: string;
  atStart: Facts;
}

/** One short table per step (or lottery arm): before training, every epoch, after. */
function trainTable(title: string, start: string, startFacts: Facts, t: Trained, out: string[]): void {
  out.push('', title);
  const row = (name: string, loss: string, f: Facts, s: string) =>
    out.push(
      '  ' +
        name.padEnd(14) +
        loss.padStart(9) +
        pct(f.accuracy).padStart(11) +
        pct(f.agreement).padStart(11) +
        s.padStart(8),
    );
  out.push(
    '  ' +
      ''.padEnd(14) +
      'loss'.padStart(9) +
      'accuracy'.padStart(11) +
      'agreement'.padStart(11) +
      's'.padStart(8),
  );
  row(start, '', startFacts, '');
  for (const e of t.history) row(`epoch ${e.epoch}`, e.loss.toFixed(4), e, e.seconds.toFixed(1));
  row('retrained', '', t.retrained, '');
  if (t.diverged) out.push(`  diverged: ${t.diverged}`);
  const o = t.output;
  out.push(
    `  written: ${o ? `${o.dir}: ${o.files.join(', ')} (${o.weights} weights)` : 'nothing (no --out)'}`,
  );
  if (o?.agreementQuantized !== undefined)
    out.push(
      `  as written (${o.weights}): accuracy ${pct(o.accuracyQuantized)}, agreement ${pct(o.agreementQuantized)}`,
    );
}

function retrainReport(
  r: Record<string, unknown>,
  line: (k: string, v: unknown) => void,
  out: string[],
): void {
  const s = r.settings as Record<string, unknown>;
  const train = r.train as {
    source: string;
    samples: number;
    labelled: boolean;
    split: string | null;
    notices: string[];
  };
  line('method', r.method);
  line('protocol', r.protocol);
  line('training set', `${train.source}: ${train.samples} samples${train.labelled ? '' : ' (unlabelled)'}`);
  if (train.split) line('split', train.split);
  for (const n of train.notices) if (n !== train.split) line('notice (training)', n);
  line(
    'settings',
    `${s.epochs} epoch${s.epochs === 1 ? '' : 's'}, ${s.optimizer} lr ${s.lr} (${s.schedule}), batch ${s.batchSize}, ` +
      `momentum ${s.momentum}, weight decay ${s.weightDecay}, distill ${s.distill}, seed ${s.seed}`,
  );
  line('accuracy before', pct(r.accuracyBefore));
  if (r.command === 'lottery') {
    line('initial weights', r.init);
    line('target sparsity', pct(r.targetSparsity));
    for (const a of r.arms as Arm[])
      trainTable(`${a.arm}: ${a.label}, sparsity ${pct(a.achievedSparsity)}`, 'at start', a.atStart, a, out);
  } else {
    const steps = r.steps as Step[];
    for (const st of steps)
      trainTable(
        `step ${st.index + 1} of ${steps.length}: target ${pct(st.targetSparsity)}, achieved ${pct(st.achievedSparsity)}`,
        'pruned only',
        st.pruned,
        st,
        out,
      );
  }
}

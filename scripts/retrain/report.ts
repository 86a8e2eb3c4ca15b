// Turns bench/retrain-<model>.json (written by scripts/retrain/results.ts) into the README's
// markdown tables: prune potential (§6.4) prune-only / one-shot / cascade per method, accuracy at
// the high sparsities, and the lottery-ticket table.
//   npx tsx scripts/retrain/report.ts [lenet-300-100 lenet5]
import { existsSync, readFileSync } from 'node:fs';

interface Point {
  sparsity: number;
  accuracy: number;
  pruned?: number;
  seconds?: number;
}
interface MethodResult {
  pruneOnly: Point[];
  /** Prune-only on a finer grid (its own targets), when measured. */
  pruneOnlyFine?: Point[];
  oneShot?: Point[];
  oneShotSeconds?: number;
  cascade?: Point[];
  cascadeSeconds?: number;
}
interface Results {
  model: string;
  date: string;
  backend: string;
  points: number;
  evalPoints: number;
  trainSamples: number;
  dense: number;
  settings: { epochs: number; batchSize: number; optimizer: string; lr: number };
  grid: number[];
  methods: Record<string, MethodResult>;
  lottery?: {
    epochs: number;
    rows: { sparsity: number; arms: { arm: string; achieved: number; accuracy: number }[] }[];
  };
}

const NAMES: Record<string, string> = {
  sipp: 'SiPP (hybrid)',
  'sipp-det': 'SiPP-Det',
  'sipp-rand': 'SiPP-Rand',
  wt: 'WT',
  snip: 'SNIP',
  uniform: 'uniform',
  random: 'random',
};
const pct = (x: number, d = 1) => `${(100 * x).toFixed(d)} %`;

/**
 * §6.4: the highest tested target whose accuracy is within `delta` of dense; '0 %' when none.
 * Targets, not achieved sparsities: they differ by well under 0.1 % here.
 */
export function potential(points: Point[], grid: number[], dense: number, delta: number): string {
  let best = -1;
  points.forEach((p, i) => {
    if (p.accuracy >= dense - delta - 1e-12) best = Math.max(best, grid[i]);
  });
  return best < 0 ? `< ${pct(grid[0], 0)}` : pct(best, 0);
}

/** Prune-only potential: on the fine grid when there is one. */
function prunePotential(x: MethodResult, grid: number[], dense: number, delta: number): string {
  if (!x.pruneOnlyFine) return potential(x.pruneOnly, grid, dense, delta);
  const fine = x.pruneOnlyFine;
  return potential(
    fine,
    fine.map((p) => p.sparsity),
    dense,
    delta,
  );
}

function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function report(r: Results): string {
  const out: string[] = [];
  const s = r.settings;
  out.push(
    `**${r.model}**: dense ${pct(r.dense)} on ${r.evalPoints} evaluation points (${r.points} sensitivity points); ` +
      `${s.optimizer} lr ${s.lr}, batch ${s.batchSize}, ${s.epochs} epoch(s) per fine-tuning (one-shot) and per cascade step, ` +
      `on ${r.trainSamples.toLocaleString('en-US')} training digits; ${r.backend}; targets ${r.grid.map((g) => pct(g, 0)).join(', ')}; measured ${r.date.slice(0, 10)}.`,
    '',
  );
  const fine = Object.values(r.methods).find((m) => m.pruneOnlyFine)?.pruneOnlyFine;
  if (fine)
    out.push(
      `Prune-only potential from a finer grid of ${fine.length} targets (${fine.map((p) => pct(p.sparsity, 0)).join(', ')}); retrained potentials from the targets above. ` +
        `One evaluation sample is ${(100 / r.evalPoints).toFixed(2)} points.`,
      '',
    );
  const methods = Object.keys(r.methods);
  const rows = methods.map((m) => {
    const x = r.methods[m];
    const cell = (pts: Point[] | undefined, d: number) => (pts ? potential(pts, r.grid, r.dense, d) : '-');
    const secs = (v: number | undefined) => (v === undefined ? '-' : `${Math.round(v)} s`);
    return [
      NAMES[m] ?? m,
      prunePotential(x, r.grid, r.dense, 0.005),
      cell(x.oneShot, 0.005),
      cell(x.cascade, 0.005),
      prunePotential(x, r.grid, r.dense, 0.01),
      cell(x.oneShot, 0.01),
      cell(x.cascade, 0.01),
      secs(x.oneShotSeconds),
      secs(x.cascadeSeconds),
    ];
  });
  out.push(
    table(
      [
        'method',
        'prune only, 0.5 pt',
        'one-shot, 0.5 pt',
        'cascade, 0.5 pt',
        'prune only, 1 pt',
        'one-shot, 1 pt',
        'cascade, 1 pt',
        `one-shot wall time (${r.grid.length} runs)`,
        'cascade wall time',
      ],
      rows,
    ),
    '',
  );
  const high = r.grid.map((g, i) => [g, i] as const).filter(([g]) => g >= 0.9);
  const acc = methods.map((m) => {
    const x = r.methods[m];
    const at = (pts: Point[] | undefined, i: number) => (pts ? pct(pts[i].accuracy) : '-');
    return [
      NAMES[m] ?? m,
      ...high.map(([, i]) => `${at(x.pruneOnly, i)} / ${at(x.oneShot, i)} / ${at(x.cascade, i)}`),
    ];
  });
  out.push(
    'Accuracy, prune only / one-shot / cascade:',
    '',
    table(['method', ...high.map(([g]) => `at ${pct(g, 0)}`)], acc),
    '',
  );
  if (r.lottery) {
    const arms = ['ticket', 'fresh-init', 'random-mask'];
    out.push(
      `Lottery ticket (§6.3), SiPP mask, ${r.lottery.epochs} epochs from the start weights:`,
      '',
      table(
        ['sparsity', 'SiPP mask, initial weights', 'same mask, fresh init', 'random mask, initial weights'],
        r.lottery.rows.map((row) => [
          pct(row.sparsity, 0),
          ...arms.map((a) => {
            const arm = row.arms.find((x) => x.arm === a);
            return arm ? pct(arm.accuracy) : '-';
          }),
        ]),
      ),
      '',
    );
  }
  return out.join('\n');
}

const models = process.argv.slice(2).length ? process.argv.slice(2) : ['lenet-300-100', 'lenet5'];
for (const m of models) {
  const path = `bench/retrain-${m}.json`;
  if (!existsSync(path)) {
    console.log(`(${path} not found: run npx tsx scripts/retrain/results.ts --model ${m})\n`);
    continue;
  }
  console.log(report(JSON.parse(readFileSync(path, 'utf8')) as Results));
}

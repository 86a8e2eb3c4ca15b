// Measures the README's retraining tables on the embedded demo: per method, the prune potential
// (§6.4: highest tested sparsity whose accuracy is within Δ points of dense) prune-only, after
// one-shot fine-tuning and after the cascade; and the lottery-ticket table. wasm backend.
//   npx tsx scripts/retrain/results.ts --model lenet-300-100 [--epochs 2] [--methods sipp,wt] [--lottery-epochs 5]
// Writes bench/retrain-<model>.json; `npx tsx scripts/retrain/report.ts` turns them into markdown.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  cascade,
  fineTune,
  fitBatchToModel,
  loadModel,
  lottery,
  METHOD_KEYS,
  parseBatchFiles,
  parseTrainingFiles,
  PruningSession,
  registerWasmTrainingKernels,
  type MethodKey,
} from '../../src/core';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'lenet-300-100' },
    epochs: { type: 'string', default: '2' },
    'lottery-epochs': { type: 'string', default: '5' },
    methods: { type: 'string', default: METHOD_KEYS.join(',') },
    sparsities: { type: 'string', default: '0.5,0.7,0.8,0.9,0.95,0.98' },
    lottery: { type: 'string', default: '0.9,0.95,0.98' },
    // Prune-only is cheap: a finer grid for its prune potential (the low end matters there).
    'prune-grid': {
      type: 'string',
      default: '0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.75,0.8,0.85,0.9,0.92,0.94,0.95,0.96,0.97,0.98',
    },
    skip: { type: 'string', default: '' },
  },
});
const DEMO = 'public/demo';
const file = (p: string) => ({
  name: p.split('/').pop()!,
  data: new Uint8Array(readFileSync(join(DEMO, p))),
});
const epochs = Number(args.epochs);
const lotteryEpochs = Number(args['lottery-epochs']);
const methods = args.methods!.split(',') as MethodKey[];
const grid = args.sparsities!.split(',').map(Number);
const pruneGrid = args['prune-grid']!.split(',').map(Number);
const skip = new Set(args.skip!.split(','));

async function open(dir: string) {
  const json = JSON.parse(readFileSync(join(DEMO, dir, 'model.json'), 'utf8'));
  const shards: string[] = json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths);
  return (await loadModel([file(`${dir}/model.json`), ...shards.map((s) => file(`${dir}/${s}`))])).model;
}

async function main() {
  await tf.setBackend('wasm');
  await tf.ready();
  registerWasmTrainingKernels();
  const model = await open(args.model!);
  const init = await open(`${args.model}/init`);
  const shape = model.inputs[0].shape;
  const classes = model.outputs[0].shape[model.outputs[0].shape.length - 1]!;
  const batch = fitBatchToModel(parseBatchFiles([file('mnist-holdout-1000.npz')]), shape, classes);
  const train = parseTrainingFiles([file('mnist-train-8101.npz')], shape, classes, { scaleUint8: true });
  const session = await PruningSession.create(model, batch);
  const dense = await session.evaluate(null);
  const settings = { epochs, batchSize: 64, optimizer: 'adam' as const, lr: 1e-3 };
  const out: Record<string, unknown> = {
    model: args.model,
    date: new Date().toISOString(),
    backend: tf.getBackend(),
    points: session.points,
    evalPoints: session.evalPoints,
    trainSamples: train.shape[0],
    dense: dense.accuracy,
    settings,
    grid,
    methods: {} as Record<string, unknown>,
  };
  // A run with --skip or --methods adds to what an earlier run measured instead of erasing it.
  const path = `bench/retrain-${args.model}.json`;
  const before = existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>)
    : null;
  const save = () => {
    mkdirSync('bench', { recursive: true });
    const merged: Record<string, unknown> = { ...(before ?? {}), ...out };
    const old = (before?.methods ?? {}) as Record<string, Record<string, unknown>>;
    const now = out.methods as Record<string, Record<string, unknown>>;
    const methods: Record<string, unknown> = { ...old };
    for (const m of Object.keys(now)) methods[m] = { ...(old[m] ?? {}), ...now[m] };
    merged.methods = methods;
    if (!out.lottery && before?.lottery) merged.lottery = before.lottery;
    writeFileSync(path, JSON.stringify(merged, null, 1));
  };
  const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${args.model} ${s}`);
  for (const method of methods) {
    const rec: Record<string, unknown> = {};
    (out.methods as Record<string, unknown>)[method] = rec;
    await session.prepare([method]);
    const pruneOnly = [];
    for (const s of grid) {
      const r = await session.prune(method, s, { seed: 0 });
      const e = await session.evaluate(r);
      pruneOnly.push({ sparsity: r.achievedSparsity, accuracy: e.accuracy });
    }
    rec.pruneOnly = pruneOnly;
    const fine = [];
    for (const s of pruneGrid) {
      const r = await session.prune(method, s, { seed: 0 });
      fine.push({
        sparsity: s,
        achieved: r.achievedSparsity,
        accuracy: (await session.evaluate(r)).accuracy,
      });
    }
    rec.pruneOnlyFine = fine;
    save();
    log(`${method} prune-only ${pruneOnly.map((p) => p.accuracy).join(' ')}`);
    if (!skip.has('one-shot')) {
      const t0 = performance.now();
      const oneShot = [];
      for (const s of grid) {
        const st = await fineTune(session, train, method, s, { seed: 0, settings });
        oneShot.push({
          sparsity: st.achievedSparsity,
          pruned: st.pruned.accuracy,
          accuracy: st.retrained.accuracy,
        });
      }
      rec.oneShot = oneShot;
      rec.oneShotSeconds = (performance.now() - t0) / 1000;
      log(`${method} one-shot ${oneShot.map((p) => p.accuracy).join(' ')}`);
      save();
    }
    if (!skip.has('cascade')) {
      const t0 = performance.now();
      const steps = await cascade(session, train, method, grid, { seed: 0, settings });
      rec.cascade = steps.map((st) => ({
        sparsity: st.achievedSparsity,
        pruned: st.pruned.accuracy,
        accuracy: st.retrained.accuracy,
        seconds: st.seconds,
      }));
      rec.cascadeSeconds = (performance.now() - t0) / 1000;
      log(`${method} cascade ${steps.map((p) => p.retrained.accuracy).join(' ')}`);
      save();
    }
  }
  if (!skip.has('lottery')) {
    const rows = [];
    for (const s of args.lottery!.split(',').map(Number)) {
      const o = await lottery(session, train, init, 'sipp', s, {
        seed: 0,
        initSource: `${args.model}/init/model.json`,
        settings: { ...settings, epochs: lotteryEpochs },
      });
      rows.push({
        sparsity: s,
        arms: o.arms.map((a) => ({
          arm: a.arm,
          achieved: a.achievedSparsity,
          accuracy: a.retrained.accuracy,
        })),
      });
      log(`lottery ${s}: ${o.arms.map((a) => `${a.arm} ${a.retrained.accuracy}`).join(', ')}`);
      out.lottery = { epochs: lotteryEpochs, rows };
      save();
    }
  }
  save();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

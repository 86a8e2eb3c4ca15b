// Structured rows of the benchmark. S1: a CNN with half of each hidden layer's channels zeroed and
// then physically removed (shrinkModel), its forward pass against the dense one on the same batch;
// the target compares the latency ratio with the ratio of multiply-accumulates (<= 1.25x). S2: the
// sensitivity pass plus PFP's channel scores, against the pass alone (<= 1.1).
import * as tf from '@tensorflow/tfjs';
import { macsPerSample, shrinkModel } from '../core/structured/shrink';
import type { Batch, PruningSession as Session } from '../core';
import { PruningSession } from '../core';
import type { BenchCase } from './timing';

const SIDE = 32;

/** The CNN of S1: conv64 -> conv64 -> BN -> pool -> conv128 -> GAP -> dense10, seeded weights. */
function cnn(): tf.LayersModel {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({
      inputShape: [SIDE, SIDE, 3],
      filters: 64,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(1),
    }),
  );
  m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', kernelInitializer: init(2) }));
  m.add(tf.layers.batchNormalization({}));
  m.add(tf.layers.reLU({}));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(
    tf.layers.conv2d({
      filters: 128,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(3),
    }),
  );
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(4) }));
  return m;
}

/**
 * Zeroes every second input channel of each layer after the first (what PFP's "in" mode zeroes),
 * so every second filter of each hidden conv is read by nobody and shrinkModel removes it.
 */
function zeroHalfTheChannels(m: tf.LayersModel): void {
  const weighted = m.layers.filter((l) => ['Conv2D', 'Dense'].includes(l.getClassName()));
  for (const layer of weighted.slice(1)) {
    const [k, ...rest] = layer.getWeights();
    const axis = k.rank - 2;
    const n = k.shape[axis]!;
    const keep = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const shape = k.shape.map((_, i) => (i === axis ? n : 1));
    const mask = tf.tensor(keep, shape);
    const masked = tf.mul(k, mask);
    layer.setWeights([masked, ...rest]);
    tf.dispose([mask, masked]);
  }
}

/** S1 at `batch` samples a pass: the slim model's forward pass / the dense model's. */
export async function slimLatencyCase(batch: number): Promise<BenchCase> {
  const dense = cnn();
  const zeroed = cnn();
  zeroHalfTheChannels(zeroed);
  const { model: slim } = await shrinkModel(zeroed);
  zeroed.dispose();
  const macRatio = macsPerSample(slim) / macsPerSample(dense);
  const x = tf.randomUniform([batch, SIDE, SIDE, 3], 0, 1, 'float32', 7);
  const pass = async (m: tf.LayersModel) => {
    const y = m.predict(x) as tf.Tensor;
    await y.data();
    y.dispose();
  };
  return {
    title: `forward pass of a 32x32x3 CNN with half its hidden filters removed (shrinkModel; MAC ratio ${macRatio.toFixed(3)}) / the dense CNN, ${batch} samples`,
    measured: async () => {
      await pass(slim);
      return { macRatio };
    },
    baseline: () => pass(dense),
    dispose: () => {
      x.dispose();
      dense.dispose();
      slim.dispose();
    },
  };
}

/**
 * S2: in a fresh session, the max-sensitivity pass + PFP's channel scores (prepare computes them)
 * / the same pass alone. A PFP prune is a budget search on top, timed like the other methods' (P3).
 */
export function channelScoreCase(model: tf.LayersModel, batch: Batch): BenchCase {
  let a: Session | null = null;
  let b: Session | null = null;
  return {
    title: 'sensitivity pass (max) + PFP channel scores, fresh session / the sensitivity pass alone',
    setup: async () => {
      a?.dispose();
      b?.dispose();
      a = await PruningSession.create(model, batch);
      b = await PruningSession.create(model, batch);
    },
    measured: async () => {
      await a!.prepare(['sipp-rand', 'pfp']);
    },
    // Runs before each setup (sideBySide's order): the first, warm-up call makes its own session.
    baseline: async () => {
      b ??= await PruningSession.create(model, batch);
      await b.prepare(['sipp-rand']);
    },
    dispose: () => {
      a?.dispose();
      b?.dispose();
    },
  };
}

/**
 * SNIP (issue 12): a fresh session's SNIP scores (gradient of the mean cross-entropy on S) / one
 * forward and backward pass over the same S points, the floor of any gradient-based score.
 */
export function snipCase(model: tf.LayersModel, batch: Batch): BenchCase {
  let a: Session | null = null;
  let floor: { x: tf.Tensor; y: tf.Tensor1D; vars: tf.Variable[] } | null = null;
  const clone = (async () => {
    const { cloneModel } = await import('../core/model/clone');
    return cloneModel(model);
  })();
  return {
    title: 'SNIP scores on S in a fresh session / one forward + backward pass over the same S points',
    setup: async () => {
      a?.dispose();
      a = await PruningSession.create(model, batch);
      if (!floor) {
        const m = await clone;
        const per = batch.xShape.slice(1);
        const size = per.reduce((p, q) => p * q, 1);
        const x = tf.tensor(batch.x.subarray(0, a.points * size), [a.points, ...per]);
        const y = tf.tensor1d(Int32Array.from(batch.y!.subarray(0, a.points)), 'int32');
        floor = { x, y, vars: m.trainableWeights.map((w) => w.read() as tf.Variable) };
      }
    },
    measured: async () => {
      await a!.prepare(['snip']);
    },
    baseline: async () => {
      if (!floor) return; // the first (warm-up) call, before any setup
      const m = await clone;
      const { x, y, vars } = floor;
      const { value, grads } = tf.variableGrads(() => {
        const out = m.apply(x, { training: false }) as tf.Tensor;
        return tf.losses.softmaxCrossEntropy(tf.oneHot(y, out.shape[1]!), out) as tf.Scalar;
      }, vars);
      await value.data();
      await Promise.all(Object.values(grads).map((g) => g.data()));
      tf.dispose([value, ...Object.values(grads)]);
    },
    dispose: () => {
      a?.dispose();
      if (floor) tf.dispose([floor.x, floor.y]);
      void clone.then((m) => m.dispose());
    },
  };
}

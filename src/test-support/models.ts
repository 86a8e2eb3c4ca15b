import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../core/types';
import { rng } from './tf-node';

/** A small MLP with deterministic random weights (biases zero unless asked). */
export function mlp(sizes: number[], seed = 1, biasValue = 0): tf.LayersModel {
  const m = tf.sequential();
  for (let i = 1; i < sizes.length; i++) {
    m.add(
      tf.layers.dense({
        units: sizes[i],
        inputShape: i === 1 ? [sizes[0]] : undefined,
        activation: i === sizes.length - 1 ? 'softmax' : 'relu',
        name: `fc${i}`,
      }),
    );
  }
  const r = rng(seed);
  const values = m.weights.map((w) => {
    const shape = w.shape as number[];
    const size = shape.reduce((a, b) => a * b, 1);
    const isBias = shape.length === 1;
    const vals = Float32Array.from({ length: size }, () =>
      isBias ? biasValue : ((r() * 2 - 1) * 2) / Math.sqrt(shape[0]),
    );
    return tf.tensor(vals, shape);
  });
  m.setWeights(values);
  values.forEach((t) => t.dispose());
  return m;
}

/** A small CNN: conv(same, stride 1) -> maxpool -> conv(valid, stride 2) -> flatten -> dense. */
export function cnn(seed = 2): tf.LayersModel {
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({
      inputShape: [10, 10, 2],
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      name: 'c1',
    }),
  );
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(
    tf.layers.conv2d({
      filters: 6,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      name: 'c2',
    }),
  );
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 5, activation: 'softmax', name: 'out' }));
  const r = rng(seed);
  const values = m.weights.map((w) =>
    tf.tensor(
      Float32Array.from({ length: w.read().size }, () => r() * 2 - 1),
      w.shape as number[],
    ),
  );
  m.setWeights(values);
  values.forEach((t) => t.dispose());
  return m;
}

/** conv -> pool -> conv -> flatten -> dense -> dense: fine enough steps for both kinds of method. */
export function channelCnn(seed = 7): tf.LayersModel {
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({
      inputShape: [10, 10, 3],
      filters: 8,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      name: 'c1',
    }),
  );
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 12, kernelSize: 3, activation: 'relu', name: 'c2' }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 32, activation: 'relu', name: 'fc' }));
  m.add(tf.layers.dense({ units: 5, activation: 'softmax', name: 'out' }));
  const r = rng(seed);
  const values = m.weights.map((w) => {
    const shape = w.shape as number[];
    const fan = shape.length > 1 ? shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
    return tf.tensor(
      Float32Array.from({ length: w.read().size }, () => ((r() * 2 - 1) * 2) / Math.sqrt(fan)),
      shape,
    );
  });
  m.setWeights(values);
  tf.dispose(values);
  return m;
}

/** Random inputs with labels taken from a teacher's argmax (so accuracy is meaningful). */
export function batchFor(model: tf.LayersModel, n: number, seed = 3, negative = false): Batch {
  const shape = model.inputs[0].shape.slice(1) as number[];
  const per = shape.reduce((a, b) => a * b, 1);
  const r = rng(seed);
  const x = Float32Array.from({ length: n * per }, () => (negative ? r() * 2 - 1 : r()));
  const y = tf.tidy(() => (model.predict(tf.tensor(x, [n, ...shape])) as tf.Tensor).argMax(-1).dataSync());
  return {
    x,
    xShape: [n, ...shape],
    y: Int32Array.from(y),
    notices: [],
    source: 'test',
    sourceDtype: 'float32',
  };
}

// A MobileNet-size input (224x224x3) with wide, cheap activations: 48 channels at full resolution
// from a 1x1 conv (19 MB a sample with its ReLU), random weights, and a batch of uint8 pixels as
// x.npy + y.npy. A fixed 256-sample chunk of it is about 5 GB: more than the 4 GB wasm heap.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { exportModel } from '../core/export/model';
import { encodeNpy } from '../core/export/npz';
import { rng } from './tf-node';

export const SIDE = 224;

export function wideModel(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [SIDE, SIDE, 3], filters: 48, kernelSize: 1 }));
  m.add(tf.layers.reLU({}));
  m.add(tf.layers.maxPooling2d({ poolSize: 4 }));
  m.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, activation: 'relu' }));
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return m;
}

/** Writes model.json, wide.weights.bin, x.npy and y.npy (n samples) into `dir`; returns their paths. */
export async function writeWideInput(
  dir: string,
  n: number,
): Promise<{ model: string[]; x: string; y: string }> {
  const model = wideModel();
  const files = (await exportModel(model, { name: 'wide' })).files;
  model.dispose();
  for (const f of files) writeFileSync(join(dir, f.name), f.data);
  const r = rng(3);
  const x = new Uint8Array(n * SIDE * SIDE * 3);
  for (let i = 0; i < x.length; i++) x[i] = (r() * 256) | 0;
  writeFileSync(join(dir, 'x.npy'), encodeNpy({ shape: [n, SIDE, SIDE, 3], data: x }));
  const y = Int32Array.from({ length: n }, () => (r() * 10) | 0);
  writeFileSync(join(dir, 'y.npy'), encodeNpy({ shape: [n], data: y }));
  return { model: files.map((f) => join(dir, f.name)), x: join(dir, 'x.npy'), y: join(dir, 'y.npy') };
}

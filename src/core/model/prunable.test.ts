import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeModel } from './prunable';
import { captureLayerInputs } from './capture';
import { cloneModel, disposeModel } from './clone';
import { useBackend } from '../../test-support/tf-node';

beforeAll(() => useBackend('cpu'));

/** Functional model with a nested Sequential, a depthwise conv, BN and a separable conv. */
function nestedModel(): tf.LayersModel {
  const inner = tf.sequential({ name: 'inner' });
  inner.add(tf.layers.dense({ inputShape: [12], units: 6, activation: 'relu', name: 'in_fc' }));
  inner.add(tf.layers.dense({ units: 4, name: 'in_out' }));
  const x = tf.input({ shape: [6, 6, 2] });
  let h = tf.layers
    .conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'conv' })
    .apply(x) as tf.SymbolicTensor;
  h = tf.layers.depthwiseConv2d({ kernelSize: 3, name: 'dw' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: 'bn' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.separableConv2d({ filters: 3, kernelSize: 3, name: 'sep' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 12, name: 'fc', activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  const y = inner.apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y, name: 'outer' });
}

describe('analyzeModel', () => {
  it('finds prunable layers in order, nested ones included, and says why others are skipped', () => {
    const m = nestedModel();
    const info = analyzeModel(m);
    expect(info.prunable.map((p) => p.key)).toEqual(['conv', 'sep', 'fc', 'inner/in_fc', 'inner/in_out']);
    const skipped = Object.fromEntries(
      info.layers.filter((l) => l.skippedReason).map((l) => [l.key, l.skippedReason]),
    );
    expect(Object.keys(skipped).sort()).toEqual(['bn', 'dw']);
    expect(skipped.dw).toMatch(/depthwise/);
    // Only the pointwise kernel of the separable conv is pruned (weights[1]); its depthwise half is fixed cost.
    const sep = info.prunable[1];
    expect([sep.kind, sep.kernelIndex, sep.kernelShape, sep.fanIn, sep.taps]).toEqual([
      'separable-pointwise',
      1,
      [1, 1, 3, 3],
      3,
      1,
    ]);
    expect(skipped.bn).toMatch(/fixed cost/);
    // BN running statistics are buffers, not parameters (§5.1): 2·3 of its 4·3 entries count.
    expect(info.layers.find((l) => l.key === 'bn')!.params).toBe(6);
    const conv = info.prunable[0];
    expect(conv.geometry).toEqual({ kernelSize: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'same' });
    expect(conv.eta).toBe(3 * 36);
    expect(info.numClasses).toBe(4);
  });
});

describe('captureLayerInputs', () => {
  it('returns the input each prunable layer saw, including inside nested models, and unhooks', async () => {
    const m = nestedModel();
    const clone = await cloneModel(m);
    const info = analyzeModel(clone);
    const x = tf.randomUniform([3, 6, 6, 2]);
    const n0 = tf.memory().numTensors;
    const got = captureLayerInputs(clone, info.prunable, x);
    expect([...got.keys()]).toEqual(['conv', 'sep', 'fc', 'inner/in_fc', 'inner/in_out']);
    expect(got.get('conv')!.shape).toEqual([3, 6, 6, 2]);
    // The pointwise kernel sees the depthwise output inside the separable conv: 4x4 -> 2x2 (valid 3x3).
    expect(got.get('sep')!.shape).toEqual([3, 2, 2, 3]);
    expect(got.get('inner/in_fc')!.shape).toEqual([3, 12]);
    // The nested model's first input is the outer 'fc' output (after its ReLU).
    const fcOut = tf.tidy(() =>
      tf.relu(
        tf.add(
          tf.matMul(got.get('fc')! as tf.Tensor2D, info.prunable[2].layer.getWeights()[0] as tf.Tensor2D),
          info.prunable[2].layer.getWeights()[1],
        ),
      ),
    );
    expect(Array.from(await got.get('inner/in_fc')!.data())).toEqual(
      Array.from(await fcOut.data()).map((v) => expect.closeTo(v, 5)),
    );
    fcOut.dispose();
    got.forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(n0);
    expect(Object.prototype.hasOwnProperty.call(info.prunable[0].layer, 'call')).toBe(false);
    x.dispose();
    disposeModel(clone);
  });
});

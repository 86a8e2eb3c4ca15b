import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { batchWarnings, inputStats, rescalesInput, sanityWarnings, type SanityInputs } from './warnings';

/** A batch that raises nothing: good accuracy, all classes, enough samples, inputs in [0, 1]. */
const clean = (over: Partial<SanityInputs> = {}): SanityInputs => ({
  denseAccuracy: 0.97,
  classes: 10,
  labels: Int32Array.from({ length: 200 }, (_, i) => i % 10),
  evalPoints: 150,
  inputStats: { min: 0, max: 1, integers: false },
  ...over,
});
const codes = (inp: SanityInputs) => sanityWarnings(inp).map((w) => w.code);

describe('sanityWarnings', () => {
  it('says nothing about a batch that fits its model', () => {
    expect(sanityWarnings(clean())).toEqual([]);
  });

  it('near-chance: below 1.5 / classes, with the numbers in the sentence', () => {
    const [w] = sanityWarnings(clean({ denseAccuracy: 0.096 }));
    expect(w.code).toBe('near-chance');
    expect(w.level).toBe('warning');
    expect(w.message).toContain('this model may not be meant for this data'.replace(/^t/, 'T'));
    expect(w.message).toContain('dense accuracy 9.6 % on 10 classes');
    expect(codes(clean({ denseAccuracy: 0.149 }))).toContain('near-chance');
    expect(codes(clean({ denseAccuracy: 0.151 }))).not.toContain('near-chance');
    // No labels, no accuracy: nothing to say.
    expect(codes(clean({ denseAccuracy: null, labels: null }))).toEqual([]);
  });

  it('labels-subset: integer labels 0-9 into a 62-class model is a notice', () => {
    const w = sanityWarnings(clean({ classes: 62 }));
    expect(w.map((x) => x.code)).toEqual(['labels-subset']);
    expect(w[0].level).toBe('notice');
    expect(w[0].message).toContain('10 of the model');
    expect(w[0].message).toContain('62 classes');
    // Too few samples per class to tell a missing class from bad luck: silent.
    expect(codes(clean({ classes: 62, labels: Int32Array.from([0, 1, 2]), evalPoints: 150 }))).toEqual([]);
  });

  it('labels-onehot-narrow: one-hot rows narrower than the class count, read as indices', () => {
    const w = sanityWarnings(clean({ classes: 62, oneHotWidth: 10 }));
    expect(w.map((x) => x.code)).toEqual(['labels-onehot-narrow']);
    expect(w[0].message).toContain('width 10');
    expect(w[0].message).toContain('0..9');
    expect(codes(clean({ oneHotWidth: 10 }))).toEqual([]);
  });

  it('few-samples: says how far one sample moves accuracy', () => {
    const [w] = sanityWarnings(clean({ evalPoints: 2 }));
    expect(w.code).toBe('few-samples');
    expect(w.message).toContain('Accuracy on 2 samples moves in steps of 50 points');
    expect(sanityWarnings(clean({ evalPoints: 40 }))[0].message).toContain('steps of 2.5 points');
    expect(codes(clean({ evalPoints: 100 }))).toEqual([]);
  });

  it('input-range: 0..255 integers suggest divide by 255; a rescaling first layer silences it', () => {
    const [w] = sanityWarnings(clean({ inputStats: { min: 0, max: 255, integers: true } }));
    expect(w.code).toBe('input-range');
    expect(w.message).toContain('Inputs range 0..255');
    expect(w.message).toContain('turn on divide by 255');
    const [other] = sanityWarnings(clean({ inputStats: { min: -3.2, max: 7.5, integers: false } }));
    expect(other.message).toContain('-3.2..7.5');
    expect(other.message).not.toContain('divide by 255');
    expect(codes(clean({ inputStats: { min: 0, max: 255, integers: true }, inputRescaled: true }))).toEqual(
      [],
    );
    expect(codes(clean({ inputStats: { min: -1, max: 1, integers: false } }))).toEqual([]);
    // Standardised inputs (mean near 0, spread near 1) reach ±4 and more: no warning; a spread of 40 is.
    const z = Float32Array.from({ length: 4000 }, (_, i) => 3 * Math.sin(i * 12.9898) * Math.cos(i * 78.233));
    z[7] = 4.6;
    z[9] = -4.4;
    const st = inputStats(z)!;
    expect(Math.abs(st.mean!)).toBeLessThan(0.1);
    expect(st.std).toBeGreaterThan(0.5);
    expect(codes(clean({ inputStats: st }))).toEqual([]);
    expect(codes(clean({ inputStats: inputStats(z.map((v) => 40 * v))! }))).toEqual(['input-range']);
  });
});

describe('batchWarnings', () => {
  it('reads the stats off the batch and the first layer off the model, without leaking tensors', () => {
    const plain = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 5 })] });
    const scaled = tf.sequential({
      layers: [tf.layers.rescaling({ inputShape: [4], scale: 1 / 255 }), tf.layers.dense({ units: 5 })],
    });
    const before = tf.memory().numTensors;
    const x = Float32Array.from({ length: 80 }, (_, i) => i % 256);
    const batch = {
      x,
      xShape: [20, 4],
      y: Int32Array.from({ length: 20 }, (_, i) => i % 2),
      notices: [],
      source: 't',
      sourceDtype: 'uint8',
    };
    expect(inputStats(x)).toMatchObject({ min: 0, max: 79, integers: true });
    expect(rescalesInput(plain)).toBe(false);
    expect(rescalesInput(scaled)).toBe(true);
    expect(batchWarnings(plain, batch, 5, 0.5, 20).map((w) => w.code)).toEqual([
      'labels-subset',
      'few-samples',
      'input-range',
    ]);
    expect(batchWarnings(scaled, batch, 5, 0.1, 20).map((w) => w.code)).toEqual([
      'near-chance',
      'labels-subset',
      'few-samples',
    ]);
    expect(tf.memory().numTensors).toBe(before);
    plain.dispose();
    scaled.dispose();
  });
});

import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  decodeWeight,
  encodeFloat16,
  float16BitsToNumber,
  numberToFloat16Bits,
  quantizeAffine,
  specByteLength,
  type WeightSpec,
} from './quantization';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

/** tfjs's own decoder, the reference for every encoding it supports. */
function tfjsDecode(spec: WeightSpec, bytes: Uint8Array): Float32Array {
  const map = tf.io.decodeWeights(bytes.slice().buffer, [spec as tf.io.WeightsManifestEntry]);
  const out = map[spec.name].dataSync() as Float32Array;
  tf.dispose(Object.values(map));
  return out;
}

describe('float16', () => {
  it('decodes all 65536 half-precision patterns exactly as tf.io.decodeWeights does', () => {
    const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const spec: WeightSpec = {
      name: 'w',
      shape: [65536],
      dtype: 'float32',
      quantization: { dtype: 'float16' },
    };
    const ours = decodeWeight(spec, new Uint8Array(bits.buffer)) as Float32Array;
    const theirs = tfjsDecode(spec, new Uint8Array(bits.buffer));
    let mismatches = 0;
    for (let i = 0; i < 65536; i++) {
      const same = Number.isNaN(ours[i]) ? Number.isNaN(theirs[i]) : Object.is(ours[i], theirs[i]);
      if (!same) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('decodes known values', () => {
    expect(float16BitsToNumber(0x3c00)).toBe(1);
    expect(float16BitsToNumber(0xc000)).toBe(-2);
    expect(float16BitsToNumber(0x7bff)).toBe(65504);
    expect(float16BitsToNumber(0x0001)).toBe(2 ** -24);
    expect(float16BitsToNumber(0x7c00)).toBe(Infinity);
    expect(Number.isNaN(float16BitsToNumber(0x7e00))).toBe(true);
    expect(Object.is(float16BitsToNumber(0x8000), -0)).toBe(true);
  });

  it('encodes every representable half back to its own bits, and rounds to nearest', () => {
    for (let h = 0; h < 0x7c00; h++) {
      if (numberToFloat16Bits(float16BitsToNumber(h)) !== h) throw new Error(`bits ${h.toString(16)}`);
    }
    expect(numberToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway: ties to even
    expect(numberToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(numberToFloat16Bits(1e6)).toBe(0x7c00);
    expect(numberToFloat16Bits(-0)).toBe(0x8000);
  });
});

describe('affine quantisation', () => {
  for (const dtype of ['uint8', 'uint16'] as const) {
    it(`${dtype}: our decoding equals tfjs's, zeros stay exact, error is within half a step`, () => {
      const rng = seedrandom(dtype);
      const values = Float32Array.from({ length: 1000 }, (_, i) => (i % 5 === 0 ? 0 : rng() * 3 - 1));
      const q = quantizeAffine(values, dtype);
      const spec: WeightSpec = {
        name: 'w',
        shape: [10, 100],
        dtype: 'float32',
        quantization: { dtype, min: q.min, scale: q.scale },
      };
      expect(q.bytes.byteLength).toBe(specByteLength(spec));
      const ours = decodeWeight(spec, q.bytes) as Float32Array;
      const theirs = tfjsDecode(spec, q.bytes);
      for (let i = 0; i < values.length; i++) {
        expect(Math.abs(ours[i] - theirs[i])).toBeLessThan(1e-6);
        expect(Math.abs(ours[i] - values[i])).toBeLessThanOrEqual(q.scale / 2 + 1e-6);
        if (values[i] === 0) expect(Math.abs(ours[i])).toBeLessThan(1e-7);
      }
    });
  }

  it('handles a constant tensor (zero range) without dividing by zero', () => {
    const q = quantizeAffine(new Float32Array([0.5, 0.5, 0.5]), 'uint8');
    const out = decodeWeight(
      {
        name: 'c',
        shape: [3],
        dtype: 'float32',
        quantization: { dtype: 'uint8', min: q.min, scale: q.scale },
      },
      q.bytes,
    );
    out.forEach((v) => expect(v).toBeCloseTo(0.5, 2));
  });
});

describe('plain weights', () => {
  it('decodes float32/int32/bool from unaligned offsets', () => {
    const f = new Float32Array([1.5, -2, 3.25]);
    const buf = new Uint8Array(13);
    buf.set(new Uint8Array(f.buffer), 1); // offset 1: not 4-aligned
    const out = decodeWeight({ name: 'f', shape: [3], dtype: 'float32' }, buf.subarray(1));
    expect(Array.from(out)).toEqual([1.5, -2, 3.25]);
    const i = decodeWeight(
      { name: 'i', shape: [2], dtype: 'int32' },
      new Uint8Array(new Int32Array([-7, 9]).buffer),
    );
    expect(out).toBeInstanceOf(Float32Array);
    expect(Array.from(i)).toEqual([-7, 9]);
    expect(specByteLength({ name: 'b', shape: [2, 3], dtype: 'bool' })).toBe(6);
    expect(
      specByteLength({ name: 'h', shape: [5], dtype: 'float32', quantization: { dtype: 'float16' } }),
    ).toBe(10);
  });

  it('encodeFloat16 output decodes to the nearest half of each input', () => {
    const v = new Float32Array([0.1, -3.7, 1000.3, 0]);
    const back = decodeWeight(
      { name: 'h', shape: [4], dtype: 'float32', quantization: { dtype: 'float16' } },
      encodeFloat16(v),
    );
    v.forEach((x, i) => expect(Math.abs(back[i] - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11 + 1e-12));
  });
});

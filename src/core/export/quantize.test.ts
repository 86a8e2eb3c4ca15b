// Quantised exports, checked against stock tfjs: tf.io.decodeWeights (what tf.loadLayersModel
// decodes weights with) and tf.loadLayersModel itself, on a small model with pruned zeros.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NamedBytes } from '../types';
import { SippError } from '../util/errors';
import { loadModel } from '../model/load';
import { rng } from '../../test-support/tf-node';
import { exportModel } from './model';
import {
  affineParams,
  decodeShard,
  dequantizedOverrides,
  dequantizeTensor,
  FLOAT16_MAX,
  quantizeShard,
  quantizeTensor,
  roundTrip,
  type QuantizeMode,
  type WeightEntry,
} from './quantize';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

const MODES: QuantizeMode[] = ['float16', 'uint8', 'uint16'];
const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** One tensor's codes decoded by stock tfjs (io decodeWeights), as tf.loadLayersModel does it. */
function stockDecode(values: Float32Array, mode: QuantizeMode): Float32Array {
  const t = quantizeTensor('w', values, mode);
  const spec = { name: 'w', shape: [values.length], dtype: 'float32' as const, quantization: t.quantization };
  const decoded = tf.io.decodeWeights(t.bytes.slice().buffer, [spec]);
  const out = decoded.w.dataSync() as Float32Array;
  tf.dispose(decoded);
  return out;
}

/** A layers model with pruned zeros in both kernels and a BatchNorm between them. */
function prunedModel(seed = 1): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ units: 16, inputShape: [12], name: 'd1', activation: 'relu' }),
      tf.layers.batchNormalization({ name: 'bn' }),
      tf.layers.dense({ units: 4, name: 'd2' }),
    ],
  });
  const r = rng(seed);
  const weights = m.weights.map((w, i) => {
    const n = w.shape.reduce((a, b) => a! * b!, 1)!;
    const name = w.originalName ?? w.name;
    const v = new Float32Array(n).map(() => {
      if (name.includes('kernel')) return r() < 0.7 ? 0 : (r() - 0.4) * 2;
      if (name.includes('moving_variance')) return 0.5 + r();
      return (r() - 0.5) * (i + 1) * 0.3;
    });
    return tf.tensor(v, w.shape as number[]);
  });
  m.setWeights(weights);
  tf.dispose(weights);
  return m;
}

async function readVars(m: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(m.weights.map(async (w) => Float32Array.from((await w.read().data()) as Float32Array)));
}

async function stockLoad(files: NamedBytes[]): Promise<tf.LayersModel> {
  const json = JSON.parse(new TextDecoder().decode(files.find((f) => f.name === 'model.json')!.data));
  const group = json.weightsManifest[0];
  const shard = files.find((f) => f.name === group.paths[0])!.data;
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: group.weights,
      weightData: shard.slice().buffer,
      format: json.format,
    }),
  );
}

const predict = (m: tf.LayersModel, x: tf.Tensor) =>
  tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync() as Float32Array);

describe('exportModel with quantised weights, through stock tf.loadLayersModel', () => {
  it.each(MODES)('%s: sizes, manifest, zeros, tolerance, and our dequantiser bit for bit', async (mode) => {
    const m = prunedModel();
    const original = await readVars(m);
    const names = m.weights.map((w) => w.originalName ?? w.name);
    const total = original.reduce((s, a) => s + a.length, 0);
    const x = tf.randomNormal([7, 12], 0, 1, 'float32', 3);
    const before = tf.memory().numTensors;

    const ex = await exportModel(m, { name: 'q', quantize: mode });
    expect(tf.memory().numTensors).toBe(before);
    expect(ex.weightFormat).toBe(mode);
    expect(ex.clamped).toEqual([]);
    const json = JSON.parse(new TextDecoder().decode(ex.files[0].data));
    const specs = json.weightsManifest[0].weights as WeightEntry[];
    for (const s of specs) {
      expect(s.dtype).toBe('float32');
      expect(s.quantization?.dtype).toBe(mode);
      expect(s.quantization).toMatchObject({ original_dtype: 'float32' });
      if (mode === 'float16')
        expect(Object.keys(s.quantization!).sort()).toEqual(['dtype', 'original_dtype']);
      else
        expect(typeof s.quantization!.scale === 'number' && typeof s.quantization!.min === 'number').toBe(
          true,
        );
    }
    // One byte (uint8) or two (float16, uint16) per float32 weight, nothing else in the shard.
    expect(ex.files[1].data.byteLength).toBe(total * (mode === 'uint8' ? 1 : 2));
    expect(ex.rawBytes).toBe(ex.files[0].data.byteLength + ex.files[1].data.byteLength);
    expect(ex.totalParams).toBe(total);

    const stock = await stockLoad(ex.files);
    const loaded = await readVars(stock);
    const ours = dequantizedOverrides(original, mode, { names });
    expect(ours.size).toBe(original.length);
    const decoded = decodeShard(specs, ex.files[1].data);
    let nonzero = 0;
    original.forEach((w, i) => {
      // Our dequantiser is what tfjs loads, bit for bit (the shard decoder too).
      expect(bitsOf(ours.get(i)!)).toEqual(bitsOf(loaded[i]));
      expect(bitsOf(decoded[i] as Float32Array)).toEqual(bitsOf(loaded[i]));
      const q = specs[i].quantization!;
      for (let j = 0; j < w.length; j++) {
        if (w[j] === 0) expect(loaded[i][j]).toBe(0);
        if (loaded[i][j] !== 0) nonzero++;
        const err = Math.abs(loaded[i][j] - w[j]);
        // uint: at most half a step (plus the final rounding to float32); float16: 11 bits.
        const bound =
          mode === 'float16'
            ? Math.abs(w[j]) * 2 ** -11 + 2 ** -25
            : q.scale! / 2 + Math.abs(w[j]) * 2 ** -24;
        if (!(err <= bound))
          throw new Error(`${names[i]}[${j}]: ${w[j]} loads as ${loaded[i][j]} (bound ${bound})`);
      }
    });
    expect(ex.nonzeroParams).toBe(nonzero);

    // Predictions: the stock-loaded model is the original with our dequantised weights, exactly,
    // and within the quantisation error of the float32 original.
    const want = predict(m, x);
    const got = predict(stock, x);
    const deq = m.weights.map((w, i) => tf.tensor(ours.get(i)!, w.shape as number[]));
    m.setWeights(deq);
    tf.dispose(deq);
    expect(Array.from(predict(m, x))).toEqual(Array.from(got));
    const tol = { float16: 1e-2, uint16: 1e-3, uint8: 0.2 }[mode];
    got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(tol));

    // The project's own loader reads the quantised files to the same weights.
    const again = await loadModel(ex.files);
    expect((await readVars(again.model)).map(bitsOf)).toEqual(loaded.map(bitsOf));
    [m, stock, again.model].forEach((mm) => mm.dispose());
    x.dispose();
  });

  it('float32 (the default) is unchanged: same shard as before, no quantisation field', async () => {
    const m = prunedModel(2);
    const a = await exportModel(m, { name: 'f' });
    const b = await exportModel(m, { name: 'f', quantize: 'float32' });
    expect(a.weightFormat).toBe('float32');
    expect(b.files[1].data).toEqual(a.files[1].data);
    const json = JSON.parse(new TextDecoder().decode(b.files[0].data));
    expect(json.weightsManifest[0].weights.every((s: WeightEntry) => !('quantization' in s))).toBe(true);
    expect(b.files[1].data.byteLength).toBe(4 * a.totalParams);
    m.dispose();
  });

  it('refuses NaN and Infinity weights, naming the weight, and unknown formats', async () => {
    const m = prunedModel(3);
    const w = m.getWeights();
    const k = w[0].dataSync().slice() as Float32Array;
    k[5] = NaN;
    const nan = tf.tensor(k, w[0].shape);
    m.setWeights([nan, ...w.slice(1)]);
    nan.dispose();
    for (const mode of MODES) {
      const err = await exportModel(m, { name: 'n', quantize: mode }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SippError);
      expect((err as SippError).code).toBe('non-finite-weight');
      expect((err as SippError).message).toContain(
        `weight '${m.weights[0].originalName}' holds NaN at index 5`,
      );
    }
    expect(() => quantizeTensor('b', Float32Array.of(1, -Infinity), 'uint8')).toThrow(
      /weight 'b' holds -Infinity at index 1/,
    );
    const bad = await exportModel(m, { name: 'n', quantize: 'int4' as never }).catch((e: unknown) => e);
    expect((bad as SippError).code).toBe('bad-argument');
    m.dispose();
  });
});

describe('affine parameters: zero is exact', () => {
  it('all zeros: one code, loads as zeros', () => {
    for (const mode of ['uint8', 'uint16'] as const) {
      const v = new Float32Array(9);
      expect(affineParams(v, mode)).toEqual({ min: 0, scale: 1, zeroCode: 0 });
      expect(Array.from(stockDecode(v, mode))).toEqual(Array.from(v));
    }
  });

  it('a constant (or a pruned constant) loads exactly, positive or negative', () => {
    for (const mode of ['uint8', 'uint16'] as const) {
      for (const c of [Math.fround(0.37), -2.5, Math.fround(1e-30)]) {
        const v = Float32Array.of(c, c, 0, c);
        const got = stockDecode(v, mode);
        expect(Array.from(got)).toEqual(Array.from(v));
        expect(Array.from(roundTrip(v, mode))).toEqual(Array.from(v));
      }
    }
  });

  it('only positive values: min = 0, zero code 0; only negative: zero code at the top', () => {
    const pos = Float32Array.of(0.5, 0, 3, 1.25);
    expect(affineParams(pos, 'uint8')).toMatchObject({ min: 0, zeroCode: 0 });
    const neg = Float32Array.of(-0.5, 0, -3, -1.25);
    expect(affineParams(neg, 'uint8').zeroCode).toBe(255);
    expect(affineParams(neg, 'uint16').zeroCode).toBe(65535);
    for (const v of [pos, neg])
      for (const mode of ['uint8', 'uint16'] as const) expect(stockDecode(v, mode)[1]).toBe(0);
  });

  it('random tensors of all shapes of range: zeros exact, |error| <= scale / 2, stock tfjs agrees bit for bit', () => {
    const r = rng(11);
    for (let t = 0; t < 300; t++) {
      const n = 1 + Math.floor(r() * 300);
      const mag = 10 ** (r() * 60 - 30); // 1e-30 .. 1e30
      const skew = [r() * 2 - 1, r() < 0.2 ? 0 : r() * 2 - 1, r() * 1e-3, -r() * 1e-3][t % 4];
      const v = new Float32Array(n).map(() => (r() < 0.5 ? 0 : (r() - 0.5 + skew) * mag));
      for (const mode of ['uint8', 'uint16'] as const) {
        const { scale, min, zeroCode } = affineParams(v, mode);
        expect(zeroCode * scale + min).toBe(0);
        // A reader holding min and scale as float32 and computing in float32 gets 0 as well.
        expect([Math.fround(scale), Math.fround(min)]).toEqual([scale, min]);
        expect(Math.fround(Math.fround(zeroCode * Math.fround(scale)) + Math.fround(min))).toBe(0);
        const got = stockDecode(v, mode);
        expect(bitsOf(roundTrip(v, mode))).toEqual(bitsOf(got));
        for (let i = 0; i < n; i++) {
          if (v[i] === 0) expect(got[i]).toBe(0);
          const bound = scale / 2 + Math.abs(v[i]) * 2 ** -24;
          if (!(Math.abs(got[i] - v[i]) <= bound))
            throw new Error(`tensor ${t} ${mode}: ${v[i]} -> ${got[i]}, scale ${scale}`);
        }
      }
    }
  });
});

describe('float16', () => {
  const half = (h: number) => {
    const out = dequantizeTensor(new Uint8Array(Uint16Array.of(h).buffer), { dtype: 'float16' }, 1);
    return out[0];
  };

  it('our decoder equals stock tfjs on all 65536 bit patterns, bit for bit (NaN payloads too)', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const spec = {
      name: 'h',
      shape: [65536],
      dtype: 'float32' as const,
      quantization: { dtype: 'float16' as const },
    };
    const stock = tf.io.decodeWeights(all.slice().buffer, [spec]);
    const want = stock.h.dataSync() as Float32Array;
    tf.dispose(stock);
    expect(bitsOf(dequantizeTensor(new Uint8Array(all.buffer), { dtype: 'float16' }, 65536))).toEqual(
      bitsOf(want),
    );
  });

  it('rounds to nearest, ties to even, at every finite float16 (normal and subnormal)', () => {
    const vals: number[] = [];
    const expectH: number[] = [];
    for (let h = 0; h < 0x7bff; h++) {
      const a = half(h);
      const b = half(h + 1);
      const mid = (a + b) / 2; // 12 significant bits: exact in float32
      expect(Math.fround(mid)).toBe(mid);
      const below = new Float32Array([mid]);
      const bits = new Uint32Array(below.buffer);
      const lo = new Float32Array(new Uint32Array([mid === 0 ? 0 : bits[0] - 1]).buffer)[0];
      const hi = new Float32Array(new Uint32Array([bits[0] + 1]).buffer)[0];
      vals.push(a, lo, mid, hi, -mid);
      expectH.push(h, h, h % 2 === 0 ? h : h + 1, h + 1, 0x8000 | (h % 2 === 0 ? h : h + 1));
    }
    const t = quantizeTensor('h', Float32Array.from(vals), 'float16');
    expect(t.clamped).toBe(0);
    const got = new Uint16Array(t.bytes.buffer);
    for (let i = 0; i < vals.length; i++)
      if (got[i] !== expectH[i])
        throw new Error(`${vals[i]} -> ${got[i].toString(16)}, want ${expectH[i].toString(16)}`);
  });

  it('zeros stay zero, overflow gives ±65504 (counted), underflow gives 0', () => {
    const v = Float32Array.of(0, 65504, 65519, 65520, 1e6, -1e30, 2 ** -25, 2 ** -25 * 1.0001, 1e-10, -0);
    const t = quantizeTensor('w', v, 'float16');
    const back = dequantizeTensor(t.bytes, t.quantization, v.length);
    expect(Array.from(back)).toEqual([0, 65504, 65504, 65504, 65504, -65504, 0, 2 ** -24, 0, -0]);
    expect(t.clamped).toBe(3);
    expect(FLOAT16_MAX).toBe(65504);
    expect(bitsOf(back)).toEqual(bitsOf(stockDecode(v, 'float16')));
  });

  it('a model with out-of-range weights says which, and loads them as ±65504', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [2], name: 'big' })] });
    const w = [tf.tensor2d([1e5, 0, -2e5, 1], [2, 2]), tf.tensor1d([0, 0])];
    m.setWeights(w);
    tf.dispose(w);
    const ex = await exportModel(m, { name: 'b', quantize: 'float16' });
    expect(ex.clamped).toEqual([{ name: m.weights[0].originalName, count: 2 }]);
    const stock = await stockLoad(ex.files);
    expect(Array.from(stock.getWeights()[0].dataSync())).toEqual([65504, 0, -65504, 1]);
    [m, stock].forEach((x) => x.dispose());
  });
});

describe('quantizeShard', () => {
  it('quantises float32 entries only; int32 and bool bytes are copied unchanged', () => {
    const a = Float32Array.of(0, 1.5, -2);
    const b = Int32Array.of(7, -3);
    const c = Uint8Array.of(1, 0, 1);
    const d = Float32Array.of(0.25, 0);
    const bin = new Uint8Array(12 + 8 + 3 + 8);
    bin.set(new Uint8Array(a.buffer), 0);
    bin.set(new Uint8Array(b.buffer), 12);
    bin.set(c, 20);
    bin.set(new Uint8Array(d.buffer), 23);
    const specs: WeightEntry[] = [
      { name: 'a', shape: [3], dtype: 'float32' },
      { name: 'b', shape: [2], dtype: 'int32' },
      { name: 'c', shape: [3], dtype: 'bool' },
      { name: 'd', shape: [2], dtype: 'float32' },
    ];
    for (const mode of MODES) {
      const q = quantizeShard(specs, bin, mode);
      const per = mode === 'uint8' ? 1 : 2;
      expect(q.data.byteLength).toBe(3 * per + 8 + 3 + 2 * per);
      expect(q.specs.map((s) => s.quantization?.dtype)).toEqual([mode, undefined, undefined, mode]);
      expect(q.specs[1]).toEqual(specs[1]);
      const stock = tf.io.decodeWeights(q.data.slice().buffer, q.specs as tf.io.WeightsManifestEntry[]);
      expect(Array.from(stock.b.dataSync())).toEqual([7, -3]);
      expect(stock.b.dtype).toBe('int32');
      expect(Array.from(stock.c.dataSync())).toEqual([1, 0, 1]);
      expect(Array.from(stock.a.dataSync())).toEqual(Array.from(roundTrip(a, mode)));
      expect(Array.from(stock.d.dataSync())).toEqual(Array.from(roundTrip(d, mode)));
      expect(stock.a.dataSync()[0]).toBe(0);
      const ours = decodeShard(q.specs, q.data);
      expect(Array.from(ours[1])).toEqual([7, -3]);
      tf.dispose(stock);
    }
  });

  it('dequantizedOverrides skips variables that are not float32', () => {
    const o = dequantizedOverrides([Float32Array.of(1, 0), Float32Array.of(3)], 'uint8', {
      dtypes: ['float32', 'int32'],
    });
    expect([...o.keys()]).toEqual([0]);
    expect(Array.from(o.get(0)!)).toEqual([1, 0]);
  });
});

import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { encodeNpy, encodeNpz } from '../export/npz';
import type { Batch, NamedBytes } from '../types';
import { parseBatchFiles } from './batch';
import { fitBatchToModel } from './fit';
import { gatherSamples, parseTrainingFiles, splitForTraining, trainingSetFromBatch } from './training';
import { errorCode } from './test-fixtures';

const MODEL_HW = [null, 28, 28, 1];
const MODEL_FLAT = [null, 784];

/** A .npy of any dtype numpy can write, little endian (or Fortran order), built like encodeNpy does. */
function rawNpy(descr: string, shape: number[], data: ArrayBufferView, fortran = false): Uint8Array {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${dims}, }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** n pseudo-random "pixels" per sample, a repeatable pattern (not all multiples of anything). */
function pixels(n: number, per: number): Uint8Array {
  const x = new Uint8Array(n * per);
  for (let i = 0; i < x.length; i++) x[i] = (i * 37 + ((i / per) | 0) * 11) % 256;
  return x;
}

const labels = (n: number, classes = 10) => Int32Array.from({ length: n }, (_, i) => (i * 7) % classes);

function npz(name: string, arrays: Parameters<typeof encodeNpz>[0]): NamedBytes {
  return { name, data: encodeNpz(arrays) };
}

function threw(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    const err = e as Error & { code?: string };
    return { code: err.code ?? err.name, message: err.message };
  }
  return { code: 'no error', message: '' };
}

describe('parseTrainingFiles keeps uint8 as bytes', () => {
  it('reshapes a [n, 28, 28] uint8 .npz for a [null, 28, 28, 1] model, flags the pixels, does not scale', () => {
    const x = pixels(5, 784);
    const set = parseTrainingFiles(
      [npz('digits.npz', { x: { shape: [5, 28, 28], data: x }, y: { shape: [5], data: labels(5) } })],
      MODEL_HW,
      10,
    );
    expect(set.x).toBeInstanceOf(Uint8Array);
    expect(Array.from(set.x)).toEqual(Array.from(x));
    expect(set.shape).toEqual([5, 28, 28, 1]);
    expect(Array.from(set.y as Int32Array)).toEqual(Array.from(labels(5)));
    expect(set.scale).toBe(1);
    expect(set.sourceDtype).toBe('uint8');
    expect(set.source).toBe('digits.npz');
    const text = set.notices.join('\n');
    expect(text).toContain('reshaped from [5, 28, 28] to [5, 28, 28, 1]');
    expect(text).toContain('0..255');
    expect(text).toContain('scaleUint8');
    expect(text).not.toContain('x was uint8');
    expect(text).toContain('kept as uint8 bytes (3.9 kB)');
  });

  it('with scaleUint8 the scale is 1/255 and the "not rescaled" hint is replaced', () => {
    const file = npz('digits.npz', { x: { shape: [3, 784], data: pixels(3, 784) } });
    const set = parseTrainingFiles([file], MODEL_FLAT, 10, { scaleUint8: true });
    expect(set.x).toBeInstanceOf(Uint8Array);
    expect(set.scale).toBe(1 / 255);
    const text = set.notices.join('\n');
    expect(text).toContain('divided by 255');
    expect(text).not.toContain('not rescaled');
    expect(set.y).toBeNull();
    expect(text).toContain('no labels');
  });

  it('parses all of MNIST training (60,000 x 28 x 28 uint8) as a view on the unpacked x.npy, one copy', () => {
    const n = 60_000;
    const per = 784;
    const x = pixels(n, per);
    const y = labels(n);
    const files = {
      'x.npy': encodeNpy({ shape: [n, 28, 28], data: x }),
      'y.npy': encodeNpy({ shape: [n], data: y }),
    };
    const header = files['x.npy'].length - x.length;
    const data = zipSync(files, { level: 1 });
    const before = process.memoryUsage().arrayBuffers;
    const set = parseTrainingFiles([{ name: 'mnist-train.npz', data }], MODEL_HW, 10, { scaleUint8: true });
    const grew = process.memoryUsage().arrayBuffers - before;
    expect(set.x).toBeInstanceOf(Uint8Array);
    expect(set.shape).toEqual([n, 28, 28, 1]);
    expect(set.x.length).toBe(n * per);
    // x is the unpacked member minus its header: its buffer is exactly the member, not a copy of the data.
    expect(set.x.byteOffset).toBe(header);
    expect(set.x.buffer.byteLength).toBe(header + n * per);
    // Memory grew by about one x (47 MB), not two, and nothing became float32 (188 MB).
    expect(grew).toBeLessThan(1.5 * n * per);
    expect(set.x[12345]).toBe(x[12345]);
    expect(set.x[n * per - 1]).toBe(x[n * per - 1]);
    expect((set.y as Int32Array).length).toBe(n);
    expect(set.scale).toBe(1 / 255);
    const batch = gatherSamples(set, [59_999, 0]);
    expect(batch.length).toBe(2 * per);
    expect(batch[0]).toBeCloseTo(x[59_999 * per] / 255, 7);
    expect(batch[per]).toBeCloseTo(x[0] / 255, 7);
  });

  it('a lone uint8 .npy is viewed in the file bytes themselves', () => {
    const data = encodeNpy({ shape: [4, 784], data: pixels(4, 784) });
    const set = parseTrainingFiles([{ name: 'x.npy', data }], MODEL_FLAT, 10);
    expect(set.x).toBeInstanceOf(Uint8Array);
    expect(set.x.buffer).toBe(data.buffer);
    expect(set.y).toBeNull();
  });

  it('Fortran-order uint8 is reordered to C order and stays uint8', () => {
    // [[0, 1, 2], [3, 4, 5]] stored column by column.
    const data = rawNpy('|u1', [2, 3], Uint8Array.from([0, 3, 1, 4, 2, 5]), true);
    const set = parseTrainingFiles([{ name: 'x.npy', data }], [null, 3], 2);
    expect(set.x).toBeInstanceOf(Uint8Array);
    expect(Array.from(set.x)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('parseTrainingFiles with float and other inputs', () => {
  it('aligned float32 is a view on the file; misaligned float32 is a correct copy', () => {
    const values = Float32Array.from({ length: 2 * 6 }, (_, i) => i / 12);
    const data = encodeNpy({ shape: [2, 6], data: values });
    const set = parseTrainingFiles([{ name: 'x.npy', data }], [null, 6], 3);
    expect(set.x).toBeInstanceOf(Float32Array);
    expect(set.x.buffer).toBe(data.buffer);
    expect(Array.from(set.x)).toEqual(Array.from(values));
    expect(set.notices.join('\n')).not.toContain('0..255');

    const padded = new Uint8Array(data.length + 1);
    padded.set(data, 1);
    const odd = parseTrainingFiles([{ name: 'x.npy', data: padded.subarray(1) }], [null, 6], 3);
    expect(odd.x).toBeInstanceOf(Float32Array);
    expect(odd.x.buffer).not.toBe(padded.buffer);
    expect(Array.from(odd.x)).toEqual(Array.from(values));
  });

  it('float64 becomes float32 in one step, with a notice', () => {
    const values = Float64Array.from({ length: 8 }, (_, i) => i / 8 + 0.01);
    const set = parseTrainingFiles([{ name: 'x.npy', data: rawNpy('<f8', [2, 4], values) }], [null, 4], 2);
    expect(set.x).toBeInstanceOf(Float32Array);
    expect(Array.from(set.x)).toEqual(Array.from(Float32Array.from(values)));
    expect(set.sourceDtype).toBe('float64');
    expect(set.notices.join('\n')).toContain('x was float64; converted to float32');
  });

  it('refuses a float64 value beyond float32, naming it', () => {
    const values = Float64Array.from([0, 1, 1e300, 2]);
    const e = threw(() =>
      parseTrainingFiles([{ name: 'big.npy', data: rawNpy('<f8', [2, 2], values) }], [null, 2], 2),
    );
    expect(e.code).toBe('batch-nonfinite');
    expect(e.message).toContain('big.npy');
    expect(e.message).toContain('1e+300');
    expect(e.message).toContain('[1, 0]');
  });

  it('float data holding 0..255 integers gets the batch notice, and is scaled only when asked', () => {
    const values = Float32Array.from({ length: 6 }, (_, i) => i * 50);
    const file = { name: 'x.npy', data: encodeNpy({ shape: [2, 3], data: values }) };
    const plain = parseTrainingFiles([file], [null, 3], 2);
    expect(plain.notices.join('\n')).toContain('0..255');
    expect(plain.scale).toBe(1);
    const scaled = parseTrainingFiles([file], [null, 3], 2, { scaleUint8: true });
    expect(scaled.scale).toBe(1 / 255);
    expect(Array.from(gatherSamples(scaled, [1]))).toEqual(
      Array.from(Float32Array.from([150, 200, 250], (v) => v / 255)),
    );
    // The notice a batch gets from the same file, word for word.
    const batchNotice = parseBatchFiles([file]).notices.find((m) => m.includes('0..255'));
    expect(plain.notices).toContain(batchNotice);
  });

  it('scaling asked for on [0, 1] floats is not applied, and says so', () => {
    const file = {
      name: 'x.npy',
      data: encodeNpy({ shape: [2, 2], data: Float32Array.from([0, 0.5, 1, 0.25]) }),
    };
    const set = parseTrainingFiles([file], [null, 2], 2, { scaleUint8: true });
    expect(set.scale).toBe(1);
    expect(set.notices.join('\n')).toContain('not applied');
  });

  it('reads an x.npy + y.npy pair with one-hot labels', () => {
    const onehot = new Int32Array(3 * 4);
    [2, 0, 3].forEach((c, r) => (onehot[r * 4 + c] = 1));
    const set = parseTrainingFiles(
      [
        { name: 'train_y.npy', data: encodeNpy({ shape: [3, 4], data: onehot }) },
        { name: 'train_x.npy', data: encodeNpy({ shape: [3, 5], data: pixels(3, 5) }) },
      ],
      [null, 5],
      4,
    );
    expect(Array.from(set.y as Int32Array)).toEqual([2, 0, 3]);
    expect(set.source).toBe('train_x.npy + train_y.npy');
    expect(set.notices.join('\n')).toContain('one-hot');
  });

  it('reads JSON', () => {
    const text = JSON.stringify({
      x: [
        [0.5, 0.25],
        [1, 0],
      ],
      y: [1, 0],
    });
    const set = parseTrainingFiles([{ name: 't.json', data: new TextEncoder().encode(text) }], [null, 2], 2);
    expect(set.x).toBeInstanceOf(Float32Array);
    expect(Array.from(set.x)).toEqual([0.5, 0.25, 1, 0]);
    expect(Array.from(set.y as Int32Array)).toEqual([1, 0]);
    expect(set.notices.join('\n')).not.toContain('converted');
  });
});

describe('parseTrainingFiles errors name the file and the problem', () => {
  const u8 = (name: string, shape: number[], y?: { shape: number[]; data: Int32Array | Uint8Array }) =>
    npz(name, {
      x: {
        shape,
        data: pixels(
          shape[0],
          shape.slice(1).reduce((a, b) => a * b, 1),
        ),
      },
      ...(y ? { y } : {}),
    });

  it('train-shape: says both shapes', () => {
    const e = threw(() => parseTrainingFiles([u8('cifar.npz', [4, 32, 32, 3])], MODEL_HW, 10));
    expect(e.code).toBe('train-shape');
    expect(e.message).toContain('cifar.npz');
    expect(e.message).toContain('[4, 32, 32, 3]');
    expect(e.message).toContain('[null, 28, 28, 1]');
    const scalar = threw(() =>
      parseTrainingFiles([{ name: 's.npy', data: rawNpy('<f4', [], new Float32Array(1)) }], MODEL_FLAT, 10),
    );
    expect(scalar.code).toBe('train-shape');
    expect(scalar.message).toContain('s.npy');
  });

  it('train-empty', () => {
    const data = encodeNpy({ shape: [0, 784], data: new Uint8Array(0) });
    const e = threw(() => parseTrainingFiles([{ name: 'empty.npy', data }], MODEL_FLAT, 10));
    expect(e.code).toBe('train-empty');
    expect(e.message).toContain('empty.npy');
    expect(e.message).toContain('no samples');
  });

  it('train-labels-range: says the value and the class count', () => {
    const y = Int32Array.from([0, 1, 12, 3]);
    const e = threw(() =>
      parseTrainingFiles([u8('d.npz', [4, 784], { shape: [4], data: y })], MODEL_FLAT, 10),
    );
    expect(e.code).toBe('train-labels-range');
    expect(e.message).toContain('d.npz');
    expect(e.message).toContain('label 12');
    expect(e.message).toContain('10 classes');
    const negative = threw(() =>
      parseTrainingFiles(
        [u8('d.npz', [2, 784], { shape: [2], data: Int32Array.from([0, -1]) })],
        MODEL_FLAT,
        10,
      ),
    );
    expect(negative.code).toBe('train-labels-range');
  });

  it('train-labels-count', () => {
    const e = threw(() =>
      parseTrainingFiles([u8('d.npz', [4, 784], { shape: [3], data: labels(3) })], MODEL_FLAT, 10),
    );
    expect(e.code).toBe('train-labels-count');
    expect(e.message).toContain('d.npz');
    expect(e.message).toContain('4 samples');
    expect(e.message).toContain('3 labels');
  });

  it('train-onehot-width', () => {
    const onehot = new Uint8Array(2 * 5);
    onehot[1] = 1;
    onehot[5 + 4] = 1;
    const e = threw(() =>
      parseTrainingFiles([u8('d.npz', [2, 784], { shape: [2, 5], data: onehot })], MODEL_FLAT, 4),
    );
    expect(e.code).toBe('train-onehot-width');
    expect(e.message).toContain('d.npz');
    expect(e.message).toContain('width 5');
    expect(e.message).toContain('4 classes');
    // Narrower rows than the class count are class indices of a larger model: accepted.
    const narrow = parseTrainingFiles(
      [u8('d.npz', [2, 784], { shape: [2, 5], data: onehot })],
      MODEL_FLAT,
      10,
    );
    expect(Array.from(narrow.y!)).toEqual([1, 4]);
  });

  it('train-too-large: says the size in MB, the limit and what to do; a larger limit passes', () => {
    const file = u8('big.npz', [2000, 784]);
    const bytes = 2000 * 784;
    const e = threw(() => parseTrainingFiles([file], MODEL_FLAT, 10, { maxBytes: 1_000_000 }));
    expect(e.code).toBe('train-too-large');
    expect(e.message).toContain('big.npz');
    expect(e.message).toContain('1.6 MB');
    expect(e.message).toContain('limit of 1.0 MB');
    expect(e.message).toContain('fewer samples');
    expect(parseTrainingFiles([file], MODEL_FLAT, 10, { maxBytes: bytes }).x.length).toBe(bytes);
  });

  it('train-too-large counts float inputs as float32, and suggests uint8', () => {
    const data = rawNpy('<f8', [300, 784], new Float64Array(300 * 784));
    const e = threw(() =>
      parseTrainingFiles([{ name: 'f.npy', data }], MODEL_FLAT, 10, { maxBytes: 900_000 }),
    );
    expect(e.code).toBe('train-too-large');
    expect(e.message).toContain('f.npy');
    expect(e.message).toContain('0.9 MB'); // 300 * 784 * 4 = 940,800 bytes
    expect(e.message).toContain('uint8');
  });

  it('train-too-large refuses an .npz member before unpacking it when it cannot fit', () => {
    const file = u8('huge.npz', [8000, 784]); // 6.3 MB unpacked, any dtype keeps at least half
    const e = threw(() => parseTrainingFiles([file], MODEL_FLAT, 10, { maxBytes: 1_000_000 }));
    expect(e.code).toBe('train-too-large');
    expect(e.message).toContain('huge.npz');
    expect(e.message).toContain('unpacks to 6.3 MB');
  });

  it('file selection errors speak of a training set', () => {
    expect(threw(() => parseTrainingFiles([], MODEL_FLAT, 10)).message).toContain('training set');
    expect(
      threw(() => parseTrainingFiles([{ name: 'a.csv', data: new Uint8Array(1) }], MODEL_FLAT, 10)).message,
    ).toMatch(/a\.csv: unsupported training set file/);
  });
});

describe('gatherSamples', () => {
  const u8set = () =>
    parseTrainingFiles(
      [
        {
          name: 'x.npy',
          data: encodeNpy({
            shape: [4, 3],
            data: Uint8Array.from([0, 1, 2, 10, 11, 12, 20, 21, 22, 255, 128, 3]),
          }),
        },
      ],
      [null, 3],
      2,
      { scaleUint8: true },
    );

  it('returns the samples in the order asked, scaled exactly as a batch divides by 255', () => {
    const out = gatherSamples(u8set(), [3, 0, 3, 1]);
    const expected = [255, 128, 3, 0, 1, 2, 255, 128, 3, 10, 11, 12];
    expect(Array.from(out)).toEqual(Array.from(Float32Array.from(expected, (v) => v / 255)));
  });

  it('without scaling, uint8 values come through as they are', () => {
    const set = { ...u8set(), scale: 1 };
    expect(Array.from(gatherSamples(set, [2]))).toEqual([20, 21, 22]);
  });

  it('float32 sets, with and without a scale', () => {
    const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const set = { x, shape: [3, 2], y: null, scale: 1, source: 's', notices: [], sourceDtype: 'float32' };
    expect(Array.from(gatherSamples(set, [2, 1]))).toEqual([5, 6, 3, 4]);
    expect(Array.from(gatherSamples({ ...set, scale: 0.5 }, [0]))).toEqual([0.5, 1]);
  });

  it('fills a given buffer (a prefix when it is longer) and refuses one too small or a bad index', () => {
    const set = u8set();
    const buf = new Float32Array(6);
    expect(gatherSamples(set, [1, 2], buf)).toBe(buf);
    expect(buf[0]).toBeCloseTo(10 / 255, 7);
    const long = new Float32Array(9).fill(-1);
    const part = gatherSamples(set, [0], long);
    expect(part.length).toBe(3);
    expect(part.buffer).toBe(long.buffer);
    expect(long[3]).toBe(-1);
    expect(() => gatherSamples(set, [0, 1], new Float32Array(5))).toThrow(RangeError);
    expect(() => gatherSamples(set, [4])).toThrow(/index 4/);
    expect(() => gatherSamples(set, [-1])).toThrow(RangeError);
  });
});

function fittedBatch(n: number): Batch {
  const x = Float32Array.from({ length: n * 4 }, (_, i) => Math.floor(i / 4) + (i % 4) / 10);
  return fitBatchToModel(
    { x, xShape: [n, 4], y: labels(n, 3), notices: ['parsed'], source: 'data.npz', sourceDtype: 'float32' },
    [null, 4],
    3,
  );
}

describe('trainingSetFromBatch', () => {
  it('uses the batch as it is (no copy, scale 1)', () => {
    const b = fittedBatch(5);
    const set = trainingSetFromBatch(b, 'eval batch');
    expect(set.x).toBe(b.x);
    expect(set.shape).toEqual([5, 4]);
    expect(set.y).toBe(b.y);
    expect(set.scale).toBe(1);
    expect(set.source).toBe('eval batch');
    expect(trainingSetFromBatch(b).source).toBe('data.npz');
    expect(errorCode(() => trainingSetFromBatch({ ...b, xShape: [0, 4] }))).toBe('train-empty');
  });
});

describe('splitForTraining', () => {
  /** Sample ids: each row of fittedBatch starts with its index. */
  const ids = (x: Float32Array, n: number) => Array.from({ length: n }, (_, i) => Math.round(x[i * 4]));

  it('is repeatable, disjoint, complete and sized by the fraction', () => {
    const b = fittedBatch(10_000);
    const one = splitForTraining(b, 0.8, 0);
    const two = splitForTraining(b, 0.8, 0);
    expect(one.train.shape).toEqual([8000, 4]);
    expect(one.batch.xShape).toEqual([2000, 4]);
    const trainIds = ids(one.train.x as Float32Array, 8000);
    const batchIds = ids(one.batch.x, 2000);
    expect(ids(two.train.x as Float32Array, 8000)).toEqual(trainIds);
    expect(ids(two.batch.x, 2000)).toEqual(batchIds);
    const all = new Set([...trainIds, ...batchIds]);
    expect(all.size).toBe(10_000);
    // Rows and labels travel together.
    trainIds.forEach((id, k) => expect((one.train.y as Int32Array)[k]).toBe((b.y as Int32Array)[id]));
    batchIds.forEach((id, k) => expect((one.batch.y as Int32Array)[k]).toBe((b.y as Int32Array)[id]));
    expect(one.description).toBe('Split data.npz (seed 0): 8,000 samples for training, 2,000 for the batch');
    expect(one.batch.notices).toContain(one.description);
    expect(one.train.scale).toBe(1);
    expect(one.train.x).not.toBe(b.x);
  });

  it('is a random subset, not the first samples, and another seed gives another split', () => {
    const b = fittedBatch(1000);
    const a = ids(splitForTraining(b, 0.5, 0).batch.x, 500);
    const c = ids(splitForTraining(b, 0.5, 1).batch.x, 500);
    expect(a).not.toEqual(c);
    expect(a).not.toEqual(Array.from({ length: 500 }, (_, i) => i + 500));
    expect(Math.max(...a)).toBeGreaterThan(900);
    expect(Math.min(...a)).toBeLessThan(100);
  });

  it('refuses fractions outside (0, 1) and splits that leave a part empty', () => {
    const b = fittedBatch(3);
    for (const f of [0, 1, -0.5, 1.5, NaN])
      expect(errorCode(() => splitForTraining(b, f, 0))).toBe('train-split-fraction');
    expect(errorCode(() => splitForTraining(b, 0.1, 0))).toBe('train-split-too-small');
    expect(errorCode(() => splitForTraining(b, 0.9, 0))).toBe('train-split-too-small');
    expect(threw(() => splitForTraining(b, 0.9, 0)).message).toContain('data.npz');
  });
});

import { describe, expect, it } from 'vitest';
import { parseBatchFiles, pairRole } from './batch';
import { parseNpz } from './npz';
import { errorCode, expected, fixture, type BatchCase } from './test-fixtures';

const good = expected.batches.filter((c) => !c.code);
const bad = expected.batches.filter((c) => c.code);
const label = (c: BatchCase) => c.files.map((f) => f.replace('batch/', '')).join(' + ');

describe('parseBatchFiles on files written by numpy', () => {
  it.each(good.map((c) => [label(c), c]))('%s', (_label, c) => {
    const batch = parseBatchFiles(c.files.map(fixture));
    const x = expected.arrays[c.x as string];
    expect(batch.xShape).toEqual(c.xShape);
    expect(batch.x).toBeInstanceOf(Float32Array);
    // Expected values were written by numpy as float32 (or exact integers), so equality is exact.
    expect(Array.from(batch.x)).toEqual(Array.from(Float32Array.from(x.values)));
    if (c.y === null) expect(batch.y).toBeNull();
    else {
      expect(batch.y).toBeInstanceOf(Int32Array);
      expect(Array.from(batch.y as Int32Array)).toEqual(expected.arrays[c.y as string].values);
    }
    if (c.sourceDtype) expect(batch.sourceDtype).toBe(c.sourceDtype);
    if (c.notice) expect(batch.notices.join('\n')).toContain(c.notice);
    // The raw-pixel notice appears exactly where the script expects it (not for 0/1 masks, not for [0, 1]).
    if (c.notice !== '0..255') expect(batch.notices.join('\n')).not.toContain('0..255');
    for (const f of c.files) expect(batch.source).toContain(f.replace('batch/', ''));
  });

  it('never rescales silently: uint8 inputs keep their 0..255 values and say so', () => {
    const batch = parseBatchFiles([fixture('batch/mnist-hw-u8.npz')]);
    expect(Math.max(...batch.x)).toBeGreaterThan(1);
    expect(batch.notices.join('\n')).toMatch(/scaleUint8/);
  });

  it('no 0..255 notice for inputs already in [0, 1]', () => {
    const batch = parseBatchFiles([fixture('batch/mnist-nhwc.npz')]);
    expect(batch.notices.join('\n')).not.toContain('0..255');
  });

  it('remembers the one-hot width for the later class-count check', () => {
    expect(parseBatchFiles([fixture('batch/mnist-flat-onehot.npz')]).oneHotWidth).toBe(10);
    expect(parseBatchFiles([fixture('batch/mnist-hw-u8.npz')]).oneHotWidth).toBeNull();
  });

  it('lists the members of an .npz', () => {
    expect(parseNpz(fixture('batch/mnist-hw-u8.npz').data, 'a.npz').members).toEqual(['x.npy', 'y.npy']);
  });
});

describe('parseBatchFiles errors', () => {
  it.each(bad.map((c) => [label(c), c]))('%s', (_label, c) => {
    const files = c.files.map(fixture);
    expect(errorCode(() => parseBatchFiles(files))).toBe(c.code);
    if (c.message) expect(() => parseBatchFiles(files)).toThrow(c.message);
  });

  it('names the file in every error message', () => {
    for (const c of bad) {
      const files = c.files.map(fixture);
      expect(() => parseBatchFiles(files)).toThrow(files[0].name);
    }
  });

  it('refuses an empty selection and a lone scalar', () => {
    expect(errorCode(() => parseBatchFiles([]))).toBe('batch-no-files');
    expect(errorCode(() => parseBatchFiles([fixture('npy/scalar-f8.npy')]))).toBe('batch-bad-shape');
  });
});

describe('damaged zip directories', () => {
  // Patches a little-endian u32 in a copy of the compressed fixture's directory.
  function patched(edit: (b: Uint8Array, view: DataView, end: number, dir: number) => void): Uint8Array {
    const b = fixture('batch/mnist-flat-onehot.npz').data.slice();
    const view = new DataView(b.buffer);
    const end = b.length - 22; // no archive comment: the end record is the last 22 bytes
    expect(view.getUint32(end, true)).toBe(0x06054b50);
    edit(b, view, end, view.getUint32(end + 16, true));
    return b;
  }

  it('refuses a member that claims a size deflate cannot produce, before allocating it', () => {
    const data = patched((_b, view, _end, dir) => view.setUint32(dir + 24, 0xfffffff0, true));
    const run = () => parseBatchFiles([{ name: 'big.npz', data }]);
    expect(errorCode(run)).toBe('npz-corrupt-member');
    expect(run).toThrow(/x\.npy .*claims 4294967280 bytes/);
  });

  it('refuses a directory that claims more entries than the file holds', () => {
    const data = patched((_b, view, end) => view.setUint16(end + 8, 0xffff, true));
    expect(errorCode(() => parseBatchFiles([{ name: 'many.npz', data }]))).toBe('npz-corrupt');
  });
});

describe('pairRole', () => {
  it.each([
    ['x.npy', 'x'],
    ['Y.NPY', 'y'],
    ['x_test.npy', 'x'],
    ['y_train.npy', 'y'],
    ['mnist-x.npy', 'x'],
    ['data/mnist_y.npy', 'y'],
    ['C:\\batches\\val.x.npy', 'x'],
    ['inputs.npy', null],
    ['xy.npy', null],
    ['x_y.npy', null],
    ['max.npy', null],
    ['images_x_part.npy', null],
  ])('%s -> %s', (name, role) => {
    expect(pairRole(name)).toBe(role);
  });
});

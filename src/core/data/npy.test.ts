import { describe, expect, it } from 'vitest';
import { SippError } from '../util/errors';
import { parseNpy, parseNpyView } from './npy';
import { parseNpyHeader } from './npy-header';
import { errorCode, expected, fixture } from './test-fixtures';

describe('parseNpy on files written by numpy', () => {
  it.each(expected.npy.map((e) => [e.file, e]))('%s', (_file, e) => {
    const { name, data } = fixture(e.file);
    const arr = parseNpy(data, name);
    expect(arr.dtype).toBe(e.dtype);
    expect(arr.shape).toEqual(e.shape);
    expect(Array.from(arr.data)).toEqual(e.values);
  });

  it('covers every dtype in both byte orders, Fortran order and header versions 2 and 3', () => {
    const files = expected.npy.map((e) => e.file);
    for (const code of ['f2', 'f4', 'f8', 'i2', 'i4', 'i8', 'u2', 'u4', 'u8']) {
      expect(files).toContain(`npy/${code}-le.npy`);
      expect(files).toContain(`npy/${code}-be.npy`);
    }
    for (const code of ['i1', 'u1', 'b1']) expect(files).toContain(`npy/${code}-na.npy`);
    expect(files.filter((f) => f.includes('fortran'))).toHaveLength(4);
    expect(files).toContain('npy/f4-v2.npy');
    expect(files).toContain('npy/i2-be-v3.npy');
  });

  it('returns a fresh buffer, not a view into the file bytes', () => {
    const { name, data } = fixture('npy/u1-na.npy');
    const arr = parseNpy(data, name);
    expect(arr.data.buffer).not.toBe(data.buffer);
  });

  it.each(expected.npy.map((e) => [e.file, e]))('parseNpyView reads %s like parseNpy', (_file, e) => {
    const { name, data } = fixture(e.file);
    for (const float32 of [false, true]) {
      const arr = parseNpyView(data, name, { float32 });
      expect(arr.dtype).toBe(e.dtype);
      expect(arr.shape).toEqual(e.shape);
      expect(Array.from(arr.data)).toEqual(Array.from(float32 ? Float32Array.from(e.values) : e.values));
      // A view exactly for C-order uint8 and native-order float32; float32 mode never leaves a float64.
      const fortran = e.file.includes('fortran') && e.shape.length > 1;
      const native = e.dtype === 'uint8' || (e.dtype === 'float32' && !e.file.includes('-be'));
      expect(arr.shared).toBe(!fortran && native);
      expect(arr.data.buffer === data.buffer).toBe(arr.shared);
      if (float32) expect(arr.data instanceof Float32Array || arr.data instanceof Uint8Array).toBe(true);
    }
  });

  it('reads a file that sits at an odd offset inside a larger buffer', () => {
    const { name, data } = fixture('npy/f8-be.npy');
    const padded = new Uint8Array(data.length + 3);
    padded.set(data, 3);
    const arr = parseNpy(padded.subarray(3), name);
    expect(Array.from(arr.data)).toEqual(expected.npy.find((e) => e.file === 'npy/f8-be.npy')?.values);
  });
});

describe('parseNpy errors', () => {
  it.each(expected.npyErrors.map((e) => [e.file, e.code]))('%s -> %s', (file, code) => {
    const { name, data } = fixture(file);
    expect(errorCode(() => parseNpy(data, name))).toBe(code);
    expect(() => parseNpy(data, name)).toThrow(name);
  });

  it('treats an empty file as truncated', () => {
    expect(errorCode(() => parseNpy(new Uint8Array(0), 'empty.npy'))).toBe('npy-truncated');
  });

  it('names the offending value and index of a 64-bit integer beyond 2^53', () => {
    const { name, data } = fixture('npy-bad/i8-beyond-2p53.npy');
    expect(() => parseNpy(data, name)).toThrow(/9007199254740994 at \[1\]/);
  });

  it('errors are SippError instances', () => {
    expect(() => parseNpy(new Uint8Array([1, 2, 3]), 'junk.npy')).toThrow(SippError);
  });
});

describe('parseNpyHeader', () => {
  it('reads Python 2 longs, tuples with trailing commas and double quotes', () => {
    const h = parseNpyHeader(`{"descr": '>i8', 'fortran_order': True, 'shape': (3L, 4L,), }`, 'f');
    expect(h).toEqual({ descr: '>i8', fortranOrder: true, shape: [3, 4] });
  });

  it('reads structured descr lists (so the dtype check can refuse them by name)', () => {
    const h = parseNpyHeader(
      `{'descr': [('a', '<f4'), ('b', '<i4', (2,))], 'fortran_order': False, 'shape': (2,)}`,
      'f',
    );
    expect(h.descr).toEqual([
      ['a', '<f4'],
      ['b', '<i4', [2]],
    ]);
  });

  it.each([
    [`{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk`],
    [`{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}`],
    [`{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,)}`],
    [`{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999)}`],
    [`{'descr': '<f4', 'fortran_order': False, 'shape': (2,`],
    [`${'('.repeat(5000)}`],
    [`{'__proto__': {'shape': (2,)}, 'descr': '<f4', 'fortran_order': False}`],
  ])('rejects %s', (text) => {
    expect(errorCode(() => parseNpyHeader(text, 'f'))).toBe('npy-bad-header');
  });
});

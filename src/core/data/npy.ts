// Reader for NumPy's .npy format (versions 1.0, 2.0, 3.0). Written for this project so that it runs in
// Node and in a worker alike, and so that every malformed file ends in a SippError rather than a crash.

import { SippError } from '../util/errors';
import { parseNpyHeader, type PyValue } from './npy-header';
import { formatIndex, formatShape, fortranOrderIndex, product } from './shape';

export type NpyDtype =
  | 'float16'
  | 'float32'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool';

export type NpyData =
  Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

/**
 * A parsed array: `dtype` is the file's dtype, `data` holds its values in C (row-major) order, in native
 * byte order, in a fresh buffer. The array type follows the dtype, except:
 * float16 -> Float32Array (exact), int64/uint64 -> Float64Array (exact: values beyond +-(2^53 - 1) are
 * rejected), bool -> Uint8Array of 0/1.
 */
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

interface DtypeReader {
  dtype: NpyDtype;
  size: number;
  make(n: number): NpyData;
  /** Returns NaN for a 64-bit integer that a double cannot hold exactly (no integer dtype reads NaN). */
  read(view: DataView, offset: number, little: boolean): number;
}

const TWO_32 = 4294967296;

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function readInt64(view: DataView, offset: number, little: boolean, signed: boolean): number {
  const lo = view.getUint32(offset + (little ? 0 : 4), little);
  const hiOffset = offset + (little ? 4 : 0);
  const hi = signed ? view.getInt32(hiOffset, little) : view.getUint32(hiOffset, little);
  // Outside this range the double hi * 2^32 + lo would round; such values are reported, not rounded.
  if (hi > 0x1fffff || hi < -0x200000) return NaN;
  const value = hi * TWO_32 + lo;
  return Number.isSafeInteger(value) ? value : NaN;
}

const READERS: Record<string, DtypeReader> = {
  f2: {
    dtype: 'float16',
    size: 2,
    make: (n) => new Float32Array(n),
    read: (v, o, l) => halfToFloat(v.getUint16(o, l)),
  },
  f4: { dtype: 'float32', size: 4, make: (n) => new Float32Array(n), read: (v, o, l) => v.getFloat32(o, l) },
  f8: { dtype: 'float64', size: 8, make: (n) => new Float64Array(n), read: (v, o, l) => v.getFloat64(o, l) },
  i1: { dtype: 'int8', size: 1, make: (n) => new Int8Array(n), read: (v, o) => v.getInt8(o) },
  i2: { dtype: 'int16', size: 2, make: (n) => new Int16Array(n), read: (v, o, l) => v.getInt16(o, l) },
  i4: { dtype: 'int32', size: 4, make: (n) => new Int32Array(n), read: (v, o, l) => v.getInt32(o, l) },
  i8: {
    dtype: 'int64',
    size: 8,
    make: (n) => new Float64Array(n),
    read: (v, o, l) => readInt64(v, o, l, true),
  },
  u1: { dtype: 'uint8', size: 1, make: (n) => new Uint8Array(n), read: (v, o) => v.getUint8(o) },
  u2: { dtype: 'uint16', size: 2, make: (n) => new Uint16Array(n), read: (v, o, l) => v.getUint16(o, l) },
  u4: { dtype: 'uint32', size: 4, make: (n) => new Uint32Array(n), read: (v, o, l) => v.getUint32(o, l) },
  u8: {
    dtype: 'uint64',
    size: 8,
    make: (n) => new Float64Array(n),
    read: (v, o, l) => readInt64(v, o, l, false),
  },
  b1: { dtype: 'bool', size: 1, make: (n) => new Uint8Array(n), read: (v, o) => (v.getUint8(o) ? 1 : 0) },
};

const KIND_NAMES: Record<string, string> = {
  c: 'complex',
  O: 'Python objects (pickled)',
  U: 'unicode strings',
  S: 'byte strings',
  a: 'byte strings',
  V: 'raw or structured records',
  M: 'datetimes',
  m: 'timedeltas',
};

const SUPPORTED = 'float16/32/64, int8/16/32/64, uint8/16/32/64 or bool';

function dtypeReader(descr: PyValue, file: string): { reader: DtypeReader; little: boolean } {
  const unsupported = (what: string): never => {
    throw new SippError('npy-unsupported-dtype', `${file}: ${what} is not supported; use ${SUPPORTED}.`);
  };
  if (typeof descr !== 'string') return unsupported('a structured dtype (fields)');
  const m = /^([<>|=]?)([a-zA-Z?])(\d*)(\[\w+\])?$/.exec(descr);
  if (!m) return unsupported(`dtype '${descr}'`);
  const [, order, kind, size] = m;
  const reader = READERS[kind === '?' ? 'b1' : kind + size];
  if (!reader) {
    const name = KIND_NAMES[kind];
    return unsupported(`dtype '${descr}'${name ? ` (${name})` : ''}`);
  }
  // '=' means the writer's native order; every platform numpy ships on today is little-endian.
  return { reader, little: order !== '>' };
}

function truncated(file: string, what: string): never {
  throw new SippError('npy-truncated', `${file}: the .npy file is truncated (${what}).`);
}

function decodeHeader(bytes: Uint8Array, utf8: boolean, file: string): string {
  if (utf8) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new SippError('npy-bad-header', `${file}: the .npy header is not valid UTF-8.`);
    }
  }
  // Versions 1 and 2 store the header as latin-1: one byte, one character.
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** Where an array's values lie in a .npy file, once its header has been read and checked. */
interface NpyLayout {
  reader: DtypeReader;
  little: boolean;
  shape: number[];
  count: number;
  dataStart: number;
  /** Fortran (column-major) storage of an array with more than one axis. */
  fortran: boolean;
  view: DataView;
}

function readLayout(bytes: Uint8Array, file: string): NpyLayout {
  const prefix = Math.min(bytes.length, MAGIC.length);
  for (let i = 0; i < prefix; i++) {
    if (bytes[i] !== MAGIC[i]) {
      throw new SippError('npy-bad-magic', `${file} is not a .npy file (it does not start with \\x93NUMPY).`);
    }
  }
  if (bytes.length < 10) truncated(file, `only ${bytes.length} bytes`);
  const major = bytes[6];
  if (major < 1 || major > 3) {
    throw new SippError(
      'npy-unsupported-version',
      `${file}: .npy format version ${major}.${bytes[7]} is not supported (1.0, 2.0 and 3.0 are).`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major > 1 && bytes.length < 12) truncated(file, `only ${bytes.length} bytes`);
  const headerStart = major === 1 ? 10 : 12;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) {
    truncated(file, `the header claims ${headerLength} bytes, the file has ${bytes.length - headerStart}`);
  }
  const header = parseNpyHeader(
    decodeHeader(bytes.subarray(headerStart, dataStart), major === 3, file),
    file,
  );
  const { reader, little } = dtypeReader(header.descr, file);
  const { shape } = header;
  const count = product(shape);
  const need = count * reader.size;
  const have = bytes.length - dataStart;
  const what = `shape ${formatShape(shape)} of ${reader.dtype} needs ${need} bytes of data, the file has ${have}`;
  if (have < need) truncated(file, what);
  if (have > need) {
    throw new SippError('npy-size-mismatch', `${file}: ${what}; the header does not match the data.`);
  }
  return {
    reader,
    little,
    shape,
    count,
    dataStart,
    fortran: header.fortranOrder && shape.length > 1,
    view,
  };
}

/**
 * Reads the values into a fresh C-order array of the dtype's type, or, with `float32`, of Float32Array
 * for every dtype but uint8 (which stays Uint8Array); then a finite value beyond float32's range is
 * refused here, while the exact value is still at hand.
 */
function readValues(layout: NpyLayout, file: string, float32 = false): NpyArray {
  const { reader, little, shape, count, dataStart, view } = layout;
  const order = layout.fortran ? fortranOrderIndex(shape) : null;
  const size = reader.size;
  const narrow = float32 && reader.dtype !== 'uint8';
  const data = narrow ? new Float32Array(count) : reader.make(count);
  for (let i = 0; i < count; i++) {
    const v = reader.read(view, dataStart + (order ? order[i] : i) * size, little);
    data[i] = v;
    if (narrow && !Number.isFinite(data[i]) && Number.isFinite(v)) {
      throw new SippError(
        'batch-nonfinite',
        `${file}: x${formatIndex(i, shape)} is ${data[i]} (${v} is too large for float32); inputs must be finite numbers.`,
      );
    }
  }
  if (reader.dtype === 'int64' || reader.dtype === 'uint64') {
    checkSafeIntegers(
      data,
      shape,
      { view, dataStart, order, little, signed: reader.dtype === 'int64' },
      file,
    );
  }
  return { dtype: reader.dtype, shape, data };
}

export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  return readValues(readLayout(bytes, file), file);
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface NpyViewOptions {
  /** Read what cannot be a view straight into a Float32Array (uint8 stays a Uint8Array). */
  float32?: boolean;
  /** Called once the header is read and checked, before any value is copied; may throw. */
  beforeRead?: (dtype: NpyDtype, shape: number[]) => void;
}

/**
 * Like parseNpy, but where the file's bytes already are the values as this machine holds them, `data`
 * is a view on `bytes` instead of a copy (`shared: true`): uint8 in C order, and float32 in C order,
 * in this machine's byte order and 4-byte aligned (numpy aligns the data to 64 bytes in the file).
 * Everything else is copied as parseNpy copies it, or with `float32` into a Float32Array (no float64
 * step in between). The caller must not change `bytes` afterwards.
 */
export function parseNpyView(
  bytes: Uint8Array,
  file: string,
  opts: NpyViewOptions = {},
): NpyArray & { shared: boolean } {
  const layout = readLayout(bytes, file);
  const { reader, little, shape, count, dataStart, fortran } = layout;
  opts.beforeRead?.(reader.dtype, shape);
  if (!fortran && reader.dtype === 'uint8') {
    return { dtype: 'uint8', shape, data: bytes.subarray(dataStart, dataStart + count), shared: true };
  }
  const offset = bytes.byteOffset + dataStart;
  if (!fortran && reader.dtype === 'float32' && little === HOST_LITTLE_ENDIAN && offset % 4 === 0) {
    return { dtype: 'float32', shape, data: new Float32Array(bytes.buffer, offset, count), shared: true };
  }
  return { ...readValues(layout, file, opts.float32), shared: false };
}

interface RawLayout {
  view: DataView;
  dataStart: number;
  order: Uint32Array | null;
  little: boolean;
  signed: boolean;
}

function checkSafeIntegers(data: NpyData, shape: number[], raw: RawLayout, file: string): void {
  let bad = -1;
  for (let i = 0; i < data.length && bad < 0; i++) if (Number.isNaN(data[i])) bad = i;
  if (bad < 0) return;
  const { view, dataStart, order, little, signed } = raw;
  const offset = dataStart + (order ? order[bad] : bad) * 8;
  // Read the exact value again, only to name it in the message.
  const exact = signed ? view.getBigInt64(offset, little) : view.getBigUint64(offset, little);
  throw new SippError(
    'npy-unsafe-integer',
    `${file}: value ${exact} at ${formatIndex(bad, shape)} is beyond +-(2^53 - 1) and cannot be held exactly.`,
  );
}

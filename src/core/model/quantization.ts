// Weight encodings of the TF.js weights manifest: plain float32/int32/bool, and the converter's
// quantisations (affine uint8/uint16, and float16). Decoding is ours rather than tf.io.decodeWeights
// so that values can be checked (finite, sizes) before any tensor exists.

export type QuantDtype = 'uint8' | 'uint16' | 'float16';

export interface Quantization {
  dtype: QuantDtype;
  min?: number;
  scale?: number;
  original_dtype?: string;
}

/** One `weights[]` entry of a manifest group. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: Quantization;
}

export type WeightValues = Float32Array | Int32Array | Uint8Array;

const PLAIN_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };
const QUANT_BYTES: Record<QuantDtype, number> = { uint8: 1, uint16: 2, float16: 2 };

export function isSupportedDtype(dtype: string): boolean {
  return dtype in PLAIN_BYTES;
}

export function isQuantDtype(dtype: unknown): dtype is QuantDtype {
  return dtype === 'uint8' || dtype === 'uint16' || dtype === 'float16';
}

export function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Bytes this weight occupies in its shard group. */
export function specByteLength(spec: WeightSpec): number {
  const per = spec.quantization ? QUANT_BYTES[spec.quantization.dtype] : PLAIN_BYTES[spec.dtype];
  return elementCount(spec.shape) * per;
}

/** IEEE 754 half-precision bits to a number (subnormals, infinities and NaN included). */
export function float16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Number to half-precision bits, rounding to nearest even; overflow gives infinity. */
export function numberToFloat16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a === Infinity) return sign | 0x7c00;
  if (a < 2 ** -24 / 2) return sign;
  let exp = Math.floor(Math.log2(a));
  if (2 ** exp > a) exp--; // log2 can round up near powers of two
  if (exp < -14) {
    const frac = roundHalfEven(a / 2 ** -24);
    return sign | frac; // frac may carry into the smallest normal, which is the right encoding
  }
  let frac = roundHalfEven((a / 2 ** exp - 1) * 1024);
  if (frac === 1024) {
    frac = 0;
    exp++;
  }
  if (exp > 15) return sign | 0x7c00;
  return sign | ((exp + 15) << 10) | frac;
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Decodes one weight from exactly its bytes (`bytes.byteLength === specByteLength(spec)`).
 * Quantised weights come back as float32 (or int32 when the original dtype was int32).
 */
export function decodeWeight(spec: WeightSpec, bytes: Uint8Array): WeightValues {
  const n = elementCount(spec.shape);
  // Copy into a fresh buffer: shard offsets need not be aligned for typed-array views.
  const buf = bytes.slice().buffer;
  const q = spec.quantization;
  if (!q) {
    if (spec.dtype === 'float32') return new Float32Array(buf, 0, n);
    if (spec.dtype === 'int32') return new Int32Array(buf, 0, n);
    return new Uint8Array(buf, 0, n);
  }
  const out =
    spec.dtype === 'int32' || q.original_dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  if (q.dtype === 'float16') {
    const h = new Uint16Array(buf, 0, n);
    for (let i = 0; i < n; i++) out[i] = float16BitsToNumber(h[i]);
    return out;
  }
  const src = q.dtype === 'uint8' ? new Uint8Array(buf, 0, n) : new Uint16Array(buf, 0, n);
  const scale = q.scale ?? 1;
  const min = q.min ?? 0;
  const round = out instanceof Int32Array;
  for (let i = 0; i < n; i++) {
    const v = src[i] * scale + min;
    out[i] = round ? Math.round(v) : v;
  }
  return out;
}

/**
 * Affine quantisation as the TF.js converter does it (value = q * scale + min), used to build
 * fixtures and in tests. The range is widened to include 0 so that zeros stay exact, which
 * matters for pruned weights.
 */
export function quantizeAffine(
  values: Float32Array,
  dtype: 'uint8' | 'uint16',
): { bytes: Uint8Array; min: number; scale: number } {
  const levels = dtype === 'uint8' ? 255 : 65535;
  let lo = 0;
  let hi = 0;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  let scale = (hi - lo) / levels;
  if (scale === 0) scale = 1;
  // Nudge min so that 0 maps onto an integer level.
  const zero = Math.round(-lo / scale);
  const min = -zero * scale;
  const q = dtype === 'uint8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    q[i] = Math.min(levels, Math.max(0, Math.round((values[i] - min) / scale)));
  }
  return { bytes: new Uint8Array(q.buffer), min, scale };
}

export function encodeFloat16(values: Float32Array): Uint8Array {
  const h = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) h[i] = numberToFloat16Bits(values[i]);
  return new Uint8Array(h.buffer);
}

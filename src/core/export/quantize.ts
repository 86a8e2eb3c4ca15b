// Quantised weights for export, in the TF.js weights-manifest format that stock tfjs dequantises
// on load (as `tensorflowjs_converter --quantize_float16 / --quantize_uint8 / --quantize_uint16`
// writes it): a manifest entry keeps dtype 'float32' and gains
// `quantization: {dtype, min, scale, original_dtype: 'float32'}` (float16: no min or scale).
//
// tfjs-core's io decodeWeights dequantises affine codes as `values[i] = q * scale + min`: the
// product and sum in float64 (JS numbers, min and scale as parsed from model.json), stored into a
// Float32Array (one rounding to float32). float16 is widened to float32 exactly. `dequantizeTensor`
// repeats exactly that, so a caller can measure the quantised model's accuracy before download.
//
// Zeros stay exactly zero. Affine parameters are chosen so that the zero code z gives
// `z * scale + min === 0` in float64 and in float32 (see affineParams); float16 encodes 0 as 0.
import { SippError } from '../util/errors';
import type { QuantizeMode } from './formats';

export { isWeightFormat, WEIGHT_FORMATS, type QuantizeMode, type WeightFormat } from './formats';

/** The `quantization` field of a manifest entry, as the converter writes it. */
export interface ManifestQuantization {
  dtype: QuantizeMode;
  min?: number;
  scale?: number;
  original_dtype: 'float32';
}

/** A manifest entry as written: tfjs's type lacks `original_dtype`. */
export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: string;
  group?: string;
  quantization?: ManifestQuantization | { dtype: QuantizeMode; min?: number; scale?: number };
}

/** Bytes per value of each code. */
export const CODE_BYTES: Record<QuantizeMode, number> = { float16: 2, uint8: 1, uint16: 2 };
const PLAIN_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };
/** Largest code of each affine dtype. */
const LEVELS = { uint8: 255, uint16: 65535 } as const;
/** Largest finite float16, 0x7bff: finite values beyond it are written as it (and counted). */
export const FLOAT16_MAX = 65504;

export interface AffineParams {
  min: number;
  scale: number;
  /** The code that dequantises to exactly 0. */
  zeroCode: number;
}

export interface QuantizedTensor {
  /** The codes as they go into the shard (little-endian, as tfjs reads them). */
  bytes: Uint8Array;
  quantization: ManifestQuantization;
  /** float16: finite values beyond ±65504 written as ±65504. Always 0 for uint8/uint16. */
  clamped: number;
}

/** Refuses NaN and ±Infinity: no code stands for them, and a model holding them is broken anyway. */
function checkFinite(name: string, values: Float32Array, mode: QuantizeMode): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]))
      throw new SippError(
        'non-finite-weight',
        `weight '${name}' holds ${values[i]} at index ${i}; it cannot be quantised to ${mode} ` +
          '(export float32 weights, or fix the model)',
      );
  }
}

const bitLength = (n: number) => (n === 0 ? 0 : Math.floor(Math.log2(n)) + 1);

/**
 * The smallest number >= x (x > 0) with at most `bits` significant bits that float32 holds exactly
 * (a multiple of 2^-149, the smallest float32 subnormal).
 */
function roundUpSignificand(x: number, bits: number): number {
  let e = Math.floor(Math.log2(x));
  if (2 ** e > x) e--; // log2 may round up just below a power of two
  if (2 ** (e + 1) <= x) e++;
  const unit = Math.max(2 ** (e - bits + 1), 2 ** -149);
  return Math.ceil(x / unit) * unit;
}

/**
 * Affine parameters of one tensor: value = q * scale + min, q in 0..255 (uint8) or 0..65535.
 *
 * - The range always includes 0 (lo = min(0, values), hi = max(0, values)).
 * - The zero code z = round(-lo / s0), s0 = (hi - lo) / levels, and min = -z * scale, with
 *   `scale` s0 rounded UP to a float32 with at most 24 - bitLength(z) significant bits. Then
 *   z * scale has at most 24 significant bits: it is exact in float32 and in float64, so
 *   min = -(z * scale) is exact too and z * scale + min is exactly 0 whichever precision a reader
 *   computes in (tfjs: float64, then float32). Rounding scale up (by at most 2^-8 relative, for
 *   uint16 with a large z) keeps every value within scale / 2 of its code.
 * - A tensor whose nonzero entries are all one value c (a constant, or a pruned constant) gets
 *   two exact codes: scale = |c| and min = 0 (c > 0) or min = c (c < 0).
 * - All zeros: min 0, scale 1 (tfjs requires both fields).
 */
export function affineParams(values: Float32Array, dtype: 'uint8' | 'uint16', name = 'weight'): AffineParams {
  checkFinite(name, values, dtype);
  const levels = LEVELS[dtype];
  let lo = 0;
  let hi = 0;
  let c = 0;
  let single = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (v !== 0) {
      if (c === 0) c = v;
      else if (v !== c) single = false;
    }
  }
  let p: AffineParams;
  if (c === 0) p = { min: 0, scale: 1, zeroCode: 0 };
  else if (single) p = c > 0 ? { min: 0, scale: c, zeroCode: 0 } : { min: c, scale: -c, zeroCode: 1 };
  else {
    const s0 = (hi - lo) / levels;
    const z = Math.min(levels, Math.max(0, Math.round(-lo / s0)));
    const scale = roundUpSignificand(s0, 24 - bitLength(z));
    p = { min: z === 0 ? 0 : -z * scale, scale, zeroCode: z };
  }
  // The promise above, checked in both precisions (and that JSON carries min and scale unchanged).
  const { min, scale, zeroCode: z } = p;
  if (
    Math.fround(scale) !== scale ||
    Math.fround(min) !== min ||
    Math.fround(z * scale + min) !== 0 ||
    Math.fround(Math.fround(z * scale) + min) !== 0 ||
    JSON.parse(JSON.stringify([min, scale]))[0] !== min
  )
    throw new Error(`internal: zero is not exact for weight '${name}' (min ${min}, scale ${scale}, z ${z})`);
  return p;
}

/** float32 bits to float16 bits, round to nearest even; finite overflow gives ±65504 (flagged). */
function halfBits(b: number): { h: number; clamped: boolean } {
  const sign = (b >>> 16) & 0x8000;
  const e = (b >>> 23) & 0xff;
  const m = b & 0x7fffff;
  const E = e - 127;
  if (e === 0 || E < -25) return { h: sign, clamped: false }; // below half the smallest subnormal
  if (E < -14) {
    // Subnormal float16: value / 2^-24 = (1.m * 2^23) * 2^(E + 1), rounded to an integer.
    const full = 0x800000 | m;
    const shift = -E - 1; // 14..24
    let q = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && q & 1)) q++; // q may carry into the smallest normal: right
    return { h: sign | q, clamped: false };
  }
  if (E > 15) return { h: sign | 0x7bff, clamped: true };
  let h = ((E + 15) << 10) | (m >>> 13);
  const rem = m & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // a carry into the exponent is right too
  if (h >= 0x7c00) return { h: sign | 0x7bff, clamped: true };
  return { h: sign | h, clamped: false };
}

export function quantizeTensor(name: string, values: Float32Array, mode: QuantizeMode): QuantizedTensor {
  if (mode === 'float16') {
    checkFinite(name, values, mode);
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    const h = new Uint16Array(values.length);
    let clamped = 0;
    for (let i = 0; i < values.length; i++) {
      const r = halfBits(bits[i]);
      h[i] = r.h;
      if (r.clamped) clamped++;
    }
    return {
      bytes: new Uint8Array(h.buffer),
      quantization: { dtype: 'float16', original_dtype: 'float32' },
      clamped,
    };
  }
  const { min, scale } = affineParams(values, mode, name);
  const levels = LEVELS[mode];
  const q = mode === 'uint8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    q[i] = Math.min(levels, Math.max(0, Math.round((values[i] - min) / scale)));
  }
  return {
    bytes: new Uint8Array(q.buffer),
    quantization: { dtype: mode, min, scale, original_dtype: 'float32' },
    clamped: 0,
  };
}

/** float16 bits to float32 bits, exactly (what tfjs's table decoder computes, NaN payloads included). */
function float32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 31) return (sign | 0x7f800000 | (m << 13)) >>> 0;
  if (e !== 0) return (sign | ((e + 112) << 23) | (m << 13)) >>> 0;
  if (m === 0) return sign >>> 0;
  // Subnormal: m * 2^-24 = 1.f * 2^(k - 24) with k the position of m's top bit.
  const k = Math.floor(Math.log2(m));
  return (sign | ((k - 24 + 127) << 23) | (((m << (23 - k)) & 0x7fffff) >>> 0)) >>> 0;
}

/**
 * The float32 values tfjs loads from `count` codes: affine `q * scale + min` in float64 stored into
 * a Float32Array, or float16 widened exactly. `bytes` need not be aligned.
 */
export function dequantizeTensor(
  bytes: Uint8Array,
  quantization: { dtype: QuantizeMode; min?: number; scale?: number },
  count: number,
): Float32Array {
  const need = count * CODE_BYTES[quantization.dtype];
  if (bytes.byteLength !== need)
    throw new Error(`internal: ${bytes.byteLength} bytes for ${count} ${quantization.dtype} codes`);
  const buf = bytes.slice().buffer;
  const out = new Float32Array(count);
  if (quantization.dtype === 'float16') {
    const h = new Uint16Array(buf);
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) bits[i] = float32Bits(h[i]);
    return out;
  }
  const q = quantization.dtype === 'uint8' ? new Uint8Array(buf) : new Uint16Array(buf);
  const scale = quantization.scale!;
  const min = quantization.min!;
  for (let i = 0; i < count; i++) out[i] = q[i] * scale + min;
  return out;
}

/** `values` as the quantised file will give them back to tfjs. */
export function roundTrip(values: Float32Array, mode: QuantizeMode, name = 'weight'): Float32Array {
  const t = quantizeTensor(name, values, mode);
  return dequantizeTensor(t.bytes, t.quantization, values.length);
}

/**
 * The variables of a model as its quantised export will load them, for evaluating "the accuracy of
 * the quantised model" through PruneResult-style overrides (variable index -> value). `values` are
 * every variable's current value (e.g. a result's overrides over the session's originals), in
 * `model.weights` order. Only float32 variables are quantised (as exportModel does); pass `dtypes`
 * to skip others, and `names` for error messages.
 */
export function dequantizedOverrides(
  values: Float32Array[],
  mode: QuantizeMode,
  opts: { dtypes?: string[]; names?: string[] } = {},
): Map<number, Float32Array> {
  const out = new Map<number, Float32Array>();
  values.forEach((v, i) => {
    if (opts.dtypes && opts.dtypes[i] !== 'float32') return;
    out.set(i, roundTrip(v, mode, opts.names?.[i] ?? `variable ${i}`));
  });
  return out;
}

export type WeightValues = Float32Array | Int32Array | Uint8Array;

/** Bytes `spec` occupies in its shard. */
export function entryByteLength(spec: WeightEntry): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const per = spec.quantization ? CODE_BYTES[spec.quantization.dtype] : PLAIN_BYTES[spec.dtype];
  if (per === undefined)
    throw new SippError('export-failed', `weight '${spec.name}' has dtype ${spec.dtype}`);
  return n * per;
}

/** Every weight of a shard as tfjs decodes it (quantised ones dequantised as tfjs does). */
export function decodeShard(specs: WeightEntry[], bin: Uint8Array): WeightValues[] {
  let offset = 0;
  return specs.map((spec) => {
    const len = entryByteLength(spec);
    const bytes = bin.slice(offset, offset + len);
    offset += len;
    const n = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.quantization) return dequantizeTensor(bytes, spec.quantization, n);
    if (spec.dtype === 'float32') return new Float32Array(bytes.buffer);
    if (spec.dtype === 'int32') return new Int32Array(bytes.buffer);
    return bytes;
  });
}

export interface QuantizedShard {
  specs: WeightEntry[];
  data: Uint8Array;
  /** float16: weights with finite values beyond ±65504, written as ±65504. */
  clamped: { name: string; count: number }[];
}

/**
 * A shard (specs and bytes as tf.io encodes them: float32, int32, bool) with its float32 weights
 * quantised to `mode`; int32 and bool weights are copied unchanged.
 */
export function quantizeShard(specs: WeightEntry[], bin: Uint8Array, mode: QuantizeMode): QuantizedShard {
  const parts: Uint8Array[] = [];
  const out: WeightEntry[] = [];
  const clamped: { name: string; count: number }[] = [];
  let offset = 0;
  for (const spec of specs) {
    if (spec.quantization) throw new SippError('export-failed', `weight '${spec.name}' is quantised already`);
    const len = entryByteLength(spec);
    const bytes = bin.slice(offset, offset + len);
    offset += len;
    if (spec.dtype !== 'float32') {
      parts.push(bytes);
      out.push(spec);
      continue;
    }
    const t = quantizeTensor(spec.name, new Float32Array(bytes.buffer), mode);
    parts.push(t.bytes);
    out.push({ ...spec, quantization: t.quantization });
    if (t.clamped > 0) clamped.push({ name: spec.name, count: t.clamped });
  }
  if (offset !== bin.byteLength)
    throw new SippError('export-failed', `the shard holds ${bin.byteLength} bytes, its specs ${offset}`);
  const data = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.byteLength;
  }
  return { specs: out, data, clamped };
}

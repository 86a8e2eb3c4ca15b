import * as tf from '@tensorflow/tfjs';
import { SippError } from '../util/errors';
import { checkBackend, convShape, readSync, type ConvLoopShape } from './cpu-kernel';
import { checkConvInputs, checkShapes } from './kernel-checks';
import type { Reduction, SensitivityKernel } from './kernel';
import { signedPreActivations } from './signed-z';
import { simdModule } from './simd/load';

/** The exports of sensitivity.wasm (wasm/sensitivity/sensitivity.ts says what each computes). */
interface SimdExports {
  splitWeights(w: number, wpm: number, fanIn: number, outsP: number): void;
  rowLists(a: number, rows: number, fanIn: number, lists: number, cnt: number): void;
  signedZDense(
    lists: number,
    cnt: number,
    rows: number,
    fanIn: number,
    wpm: number,
    outsP: number,
    v: number,
  ): void;
  reciprocals(zp: number, zn: number, v: number, rows: number, outs: number, outsP: number): void;
  buildLists(...args: number[]): void;
  maxTimes(...args: number[]): void;
}

const PAGE = 65536;
const MiB = 2 ** 20;

export interface SimdKernelOptions {
  /**
   * Heap bytes for one block of rows (input, Z, V and the non-zero lists); the call walks its chunk
   * block by block, so the heap holds W± and the running maximum (three weight-sized arrays) plus
   * one block, whatever the chunk. At 16 MiB the V of a block's rows for one 16-output block (128
   * bytes a row) is a few hundred KB for P2-sized convs: it stays in L2 across all fan-in indices.
   */
  blockBytes?: number;
  /**
   * A heap grown past this is dropped after the call (the next call makes a new one), so that one
   * large layer does not pin its memory for the rest of the session.
   */
  retainBytes?: number;
  /**
   * W± of recent weight tensors stay in the heap up to this many bytes, so that the next chunk of
   * points for the same layer skips copying and splitting W (a pass calls each layer once per chunk).
   */
  weightCacheBytes?: number;
}

const align16 = (n: number) => (n + 15) & ~15;

type HeapBackend = { typedArrayFromHeap?: (t: tf.Tensor) => ArrayLike<number> };

/**
 * A float32 tensor's data without a copy where the backend allows it (wasm: a view of its heap,
 * valid until the next tfjs allocation, so callers copy it before any tfjs op), else dataSync().
 */
function peek(t: tf.Tensor): Float32Array {
  const b = tf.backend() as unknown as HeapBackend;
  if (t.dtype === 'float32' && tf.getBackend() === 'wasm' && typeof b.typedArrayFromHeap === 'function') {
    const v = b.typedArrayFromHeap(t);
    if (v instanceof Float32Array) return v;
  }
  return readSync(t);
}

/** Byte addresses of one call's arrays, from `base` on (dense: Z is made here, from row lists). */
function layout(
  base: number,
  s: ConvLoopShape,
  outsP: number,
  blockPoints: number,
  mean: boolean,
  dense: boolean,
) {
  const fanIn = s.kernel[0] * s.kernel[1] * s.channels;
  const rows = blockPoints * s.outH * s.outW;
  let at = base;
  const take = (bytes: number) => {
    const p = at;
    at += align16(bytes);
    return p;
  };
  const lay = {
    m: take(4 * fanIn * outsP),
    cnt: take(4 * fanIn),
    seg: take(mean ? 4 * fanIn * (blockPoints + 1) : 0),
    x: take(4 * blockPoints * s.inH * s.inW * s.channels),
    zp: take(dense ? 0 : 4 * rows * s.outs),
    zn: take(dense ? 0 : 4 * rows * s.outs),
    v: take(8 * rows * outsP),
    lists: take(8 * fanIn * rows),
    rowCnt: take(dense ? 4 * rows : 0),
    rowLists: take(dense ? 8 * fanIn * rows : 0),
    total: 0,
  };
  lay.total = at;
  return lay;
}

/** Bytes one point adds to a block (what `blockBytes` divides). */
function bytesPerPoint(s: ConvLoopShape, outsP: number, mean: boolean, dense: boolean): number {
  const fanIn = s.kernel[0] * s.kernel[1] * s.channels;
  const positions = s.outH * s.outW;
  const perRow = dense ? 8 * outsP + 16 * fanIn + 4 : 8 * s.outs + 8 * outsP + 8 * fanIn;
  return 4 * s.inH * s.inW * s.channels + positions * perRow + (mean ? 4 * fanIn : 0);
}

/** rows x cols from `src` into the heap at float index `at` with row stride colsP, padding zeroed. */
function putPadded(
  heap: Float32Array,
  at: number,
  src: Float32Array,
  rows: number,
  cols: number,
  colsP: number,
) {
  if (cols === colsP) {
    heap.set(src.subarray(0, rows * cols), at);
    return;
  }
  for (let r = 0; r < rows; r++) {
    heap.set(src.subarray(r * cols, (r + 1) * cols), at + r * colsP);
    heap.fill(0, at + r * colsP + cols, at + (r + 1) * colsP);
  }
}

/**
 * The running maximum as a new [rows, cols] tensor, with one copy. The wasm backend copies a new
 * tensor's values into its own memory at once (backend_wasm.js move()), so a view of this heap
 * will do there; cpu keeps the array it is given, so it gets one of its own.
 */
function outputTensor(
  heap: Float32Array,
  at: number,
  rows: number,
  cols: number,
  colsP: number,
): tf.Tensor2D {
  if (cols === colsP) {
    const view = heap.subarray(at, at + rows * cols);
    return tf.tensor2d(tf.getBackend() === 'wasm' ? view : view.slice(), [rows, cols]);
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) out.set(heap.subarray(at + r * colsP, at + r * colsP + cols), r * cols);
  return tf.tensor2d(out, [rows, cols]);
}

/** W± of one weight tensor kept in the heap, keyed by the tensor's data (tfjs data is immutable). */
interface CachedWeights {
  dataId: object;
  fanIn: number;
  outsP: number;
  at: number;
}

class SimdHeap {
  readonly memory = new WebAssembly.Memory({ initial: 1 });
  readonly exports: SimdExports;
  /** W± of the layers seen last, from byte 64 up to zoneEnd; a call's own arrays follow. */
  weights: CachedWeights[] = [];
  zoneEnd = 64;

  constructor(module: WebAssembly.Module) {
    const instance = new WebAssembly.Instance(module, {
      env: {
        memory: this.memory,
        // Built with --noAssert, so nothing calls it; asc still declares the import where needed.
        abort: () => {
          throw new Error('sensitivity.wasm aborted');
        },
      },
    });
    this.exports = instance.exports as unknown as SimdExports;
  }

  reserve(bytes: number): Float32Array {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) {
      try {
        this.memory.grow(Math.ceil((bytes - have) / PAGE));
      } catch (e) {
        // Worded so that memory/chunks.ts isOutOfMemory() recognises it and explains it to the user.
        throw new Error(
          `wasm-simd kernel: out of memory growing its heap to ${Math.ceil(bytes / MiB)} MB (${(e as Error).message})`,
        );
      }
    }
    return new Float32Array(this.memory.buffer);
  }
}

/**
 * The `cpu-loops` contract on WebAssembly SIMD (f32x4). Conv2D: Z± come from tf.conv2d (XNNPACK on
 * wasm), and the z rule, the non-zero lists and the max-times (or mean) reduction of both signs,
 * with the running maximum merged in place, run in sensitivity.wasm. Dense: Z± are made in the
 * wasm too, skipping zero inputs, with no tfjs op at all. Tensor memory: the result (conv: also
 * one sign-split copy of W while its Z is made, and Z). The wasm heap holds W± and the running
 * maximum (padded to a multiple of four outputs) and one block of rows at a time.
 */
export function createSimdKernel(
  module: WebAssembly.Module,
  opts: SimdKernelOptions = {},
): SensitivityKernel {
  const blockBytes = opts.blockBytes ?? 16 * MiB;
  const retainBytes = opts.retainBytes ?? 64 * MiB;
  const weightCacheBytes = opts.weightCacheBytes ?? 32 * MiB;
  let heap: SimdHeap | null = null;

  /** Where W± of `wTensor` live in the heap, and whether they must still be written there. */
  function placeWeights(h: SimdHeap, wTensor: tf.Tensor, fanIn: number, outsP: number) {
    const hit = h.weights.find((e) => e.dataId === wTensor.dataId && e.fanIn === fanIn && e.outsP === outsP);
    if (hit) return { at: hit.at, fresh: false, commit: () => {} };
    const bytes = align16(8 * fanIn * outsP);
    if (h.zoneEnd + bytes > 64 + weightCacheBytes) {
      h.weights = [];
      h.zoneEnd = 64;
    }
    const at = h.zoneEnd;
    h.zoneEnd += bytes;
    // Listed only once written (commit), so that a call failing in between leaves no stale entry.
    const commit = () => h.weights.push({ dataId: wTensor.dataId, fanIn, outsP, at });
    return { at, fresh: true, commit };
  }

  /** z: Z+ and Z- from tfjs (conv), or null to make them here (dense). */
  function run(
    s: ConvLoopShape,
    reduction: Reduction,
    z: [Float32Array, Float32Array] | null,
    x: Float32Array,
    wTensor: tf.Tensor,
    into: Float32Array,
  ): tf.Tensor2D {
    const fanIn = s.kernel[0] * s.kernel[1] * s.channels;
    const outsP = (s.outs + 3) & ~3;
    const positions = s.outH * s.outW;
    const mean = reduction === 'mean' && positions > 1;
    const blockPoints = Math.max(
      1,
      Math.min(s.points, Math.floor(blockBytes / bytesPerPoint(s, outsP, mean, !z))),
    );
    heap ??= new SimdHeap(module);
    const h = heap;
    const wpm = placeWeights(h, wTensor, fanIn, outsP);
    const lay = layout(h.zoneEnd, s, outsP, blockPoints, mean, !z);
    // Row offsets are i32 (row << 7 bytes).
    if (128 * Math.max(blockPoints * positions, fanIn) >= 2 ** 31) {
      throw new SippError(
        'LAYER_TOO_LARGE',
        `wasm-simd kernel: one point of this layer (${positions} positions x ${s.outs} outputs) is too large`,
      );
    }
    const ex = h.exports;
    const f32 = h.reserve(lay.total);
    if (wpm.fresh) {
      // W goes through m's place on its way to W± (m is filled from `into` right after).
      putPadded(f32, lay.m / 4, peek(wTensor), fanIn, s.outs, outsP);
      ex.splitWeights(lay.m, wpm.at, fanIn, outsP);
      wpm.commit();
    }
    putPadded(f32, lay.m / 4, into, fanIn, s.outs, outsP);
    const inPerPoint = s.inH * s.inW * s.channels;
    const zPerPoint = positions * s.outs;
    for (let p0 = 0; p0 < s.points; p0 += blockPoints) {
      const np = Math.min(blockPoints, s.points - p0);
      const rows = np * positions;
      f32.set(x.subarray(p0 * inPerPoint, (p0 + np) * inPerPoint), lay.x / 4);
      if (z) {
        f32.set(z[0].subarray(p0 * zPerPoint, (p0 + np) * zPerPoint), lay.zp / 4);
        f32.set(z[1].subarray(p0 * zPerPoint, (p0 + np) * zPerPoint), lay.zn / 4);
        ex.reciprocals(lay.zp, lay.zn, lay.v, rows, s.outs, outsP);
      } else {
        ex.rowLists(lay.x, rows, fanIn, lay.rowLists, lay.rowCnt);
        ex.signedZDense(lay.rowLists, lay.rowCnt, rows, fanIn, wpm.at, outsP, lay.v);
      }
      ex.buildLists(
        lay.x,
        np,
        s.inH,
        s.inW,
        s.channels,
        s.outH,
        s.outW,
        s.kernel[0],
        s.kernel[1],
        s.strides[0],
        s.strides[1],
        s.dilation[0],
        s.dilation[1],
        s.pads[0],
        s.pads[1],
        lay.lists,
        rows,
        lay.cnt,
        lay.seg,
        mean ? 1 : 0,
      );
      ex.maxTimes(
        lay.lists,
        rows,
        lay.cnt,
        lay.seg,
        np,
        mean ? 1 : 0,
        1 / positions,
        lay.v,
        wpm.at,
        lay.m,
        fanIn,
        outsP,
      );
    }
    const out = outputTensor(f32, lay.m / 4, fanIn, s.outs, outsP);
    if (lay.total > retainBytes) heap = null;
    return out;
  }

  return {
    name: 'wasm-simd',
    dense(a, w, into) {
      checkBackend('dense', 'wasm-simd');
      checkShapes('dense', a.shape, w.shape, into.shape, 0);
      const [rows, fanIn] = a.shape;
      const outs = w.shape[1];
      // A Dense layer is a 1x1 conv over rows x 1 x 1 inputs with `fanIn` channels.
      const s: ConvLoopShape = {
        points: rows,
        inH: 1,
        inW: 1,
        channels: fanIn,
        outH: 1,
        outW: 1,
        outs,
        kernel: [1, 1],
        strides: [1, 1],
        dilation: [1, 1],
        pads: [0, 0],
      };
      return run(s, 'max', null, peek(a), w, peek(into));
    },
    conv(a, w, geometry, reduction, into) {
      checkBackend('conv2d', 'wasm-simd');
      checkConvInputs(a.shape, w.shape, into.shape, geometry);
      const { shape, padding } = convShape(a, w, geometry);
      // One sign-split copy of W at a time; Z lives until run() has copied it block by block.
      const zs = signedPreActivations(w, (ws) =>
        tf.conv2d(a, ws, geometry.strides, padding, 'NHWC', geometry.dilation),
      );
      try {
        return run(shape, reduction, [peek(zs[0]), peek(zs[1])], peek(a), w, peek(into));
      } finally {
        tf.dispose(zs);
      }
    },
    maxBufferBytes: () => Infinity,
  };
}

/** The kernel on the committed module, or null where it did not load (simdUnavailable says why). */
export const wasmSimdKernel: SensitivityKernel | null = simdModule.module
  ? createSimdKernel(simdModule.module)
  : null;
export const simdUnavailable: string | null = simdModule.reason;

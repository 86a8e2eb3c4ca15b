// Exact peaks of tensor memory over an async call, for the memory benchmark (issue 5, part 3).
// tfjs-core raises engine.state.numBytes only in Engine.trackTensor, so recording it right after
// every trackTensor call sees every maximum: nothing is polled, nothing between samples is missed.
// Runtime-neutral: Node, browser main thread and workers alike.
import * as tf from '@tensorflow/tfjs';

type Engine = ReturnType<typeof tf.engine>;
type DataId = object;

/** Where a backend reports memory of its own (GPU buffers, the wasm heap), what it is, before and peak. */
export interface BackendPeak {
  metric: string;
  beforeBytes: number;
  peakBytes: number;
}

export interface Peaks {
  /** tf.memory().numBytes when tracking began, and its maximum during the call. */
  beforeBytes: number;
  peakBytes: number;
  /**
   * Maximum of the bytes of distinct data buffers created during the call and still alive, minus
   * those alive before it that it freed. numBytes counts every tensor handle, so a view (reshape,
   * clone) of a 64 MiB weight adds 64 MiB there although no memory moves; this figure does not.
   */
  peakNewDataBytes: number;
  /** Tensors created during the call (trackTensor calls). */
  allocations: number;
  /** GPU memory (webgpu, webgl) or the wasm heap, sampled at the same moments; null on cpu. */
  backend: BackendPeak[];
  /** Node only: process RSS at the start and its maximum, sampled at most every RSS_EVERY_MS. */
  rss: { beforeBytes: number; peakBytes: number } | null;
}

const RSS_EVERY_MS = 50;

/** Memory the active backend reports about itself; names as tf.memory() gives them. */
function backendBytes(): Record<string, number> {
  const info = tf.memory() as unknown as Record<string, unknown>;
  const out: Record<string, number> = {};
  // webgpu: used / allocated incl. the buffer pool; webgl: in use / allocated (free textures too).
  for (const k of ['numBytesInGPU', 'numBytesAllocatedInGPU', 'numBytesInGPUAllocated'])
    if (typeof info[k] === 'number') out[k] = info[k] as number;
  // The wasm linear memory only grows, so its size is the heap's high-water mark.
  const wasm = (tf.backend() as { wasm?: { HEAPU8?: Uint8Array } }).wasm;
  if (wasm?.HEAPU8) out.wasmHeapBytes = wasm.HEAPU8.buffer.byteLength;
  return out;
}

/** process.memoryUsage.rss() where it exists (Node), else null: a browser has no `process`. */
function rssNow(): number | null {
  const p = (globalThis as { process?: { memoryUsage?: { rss?: () => number } } }).process;
  return typeof p?.memoryUsage?.rss === 'function' ? p.memoryUsage.rss() : null;
}

/** Replaces one engine method by an own property; the returned function puts the old one back. */
function patch<K extends 'trackTensor' | 'disposeTensor'>(engine: Engine, key: K, fn: Engine[K]): () => void {
  const own = Object.prototype.hasOwnProperty.call(engine, key);
  const original = engine[key];
  engine[key] = fn;
  return () => {
    if (own) engine[key] = original;
    else delete (engine as Partial<Engine>)[key];
  };
}

/**
 * Runs `fn` with the engine's trackTensor and disposeTensor wrapped, and returns its value with the
 * peaks of tensor memory it reached. The engine is restored afterwards, also when `fn` throws.
 */
export async function trackPeaks<T>(fn: () => Promise<T>): Promise<{ value: T; peaks: Peaks }> {
  const engine = tf.engine();
  const state = engine.state;
  // tensorInfo is keyed by data id: present = that buffer is alive for the engine.
  const infos = (state as unknown as { tensorInfo: WeakMap<DataId, { bytes: number }> }).tensorInfo;
  const backendBefore = backendBytes();
  const backendPeak = { ...backendBefore };
  const rss0 = rssNow();
  const peaks: Peaks = {
    beforeBytes: state.numBytes,
    peakBytes: state.numBytes,
    peakNewDataBytes: 0,
    allocations: 0,
    backend: [],
    rss: rss0 === null ? null : { beforeBytes: rss0, peakBytes: rss0 },
  };
  // Handles per data buffer created while tracking: the buffer's bytes leave when the last goes.
  const fresh = new Map<DataId, { refs: number; bytes: number }>();
  let newData = 0;
  let lastRss = 0;

  const sample = () => {
    for (const [k, v] of Object.entries(backendBytes())) backendPeak[k] = Math.max(backendPeak[k] ?? 0, v);
    if (peaks.rss && performance.now() - lastRss >= RSS_EVERY_MS) {
      lastRss = performance.now();
      peaks.rss.peakBytes = Math.max(peaks.rss.peakBytes, rssNow()!);
    }
  };

  const track = engine.trackTensor;
  const dispose = engine.disposeTensor;
  const restoreTrack = patch(engine, 'trackTensor', function (this: Engine, a, backend) {
    const existed = infos.has(a.dataId);
    track.call(this, a, backend);
    peaks.allocations++;
    peaks.peakBytes = Math.max(peaks.peakBytes, state.numBytes);
    const f = fresh.get(a.dataId);
    if (f) f.refs++;
    else if (!existed) {
      const bytes = infos.get(a.dataId)?.bytes ?? 0;
      fresh.set(a.dataId, { refs: 1, bytes });
      newData += bytes;
      peaks.peakNewDataBytes = Math.max(peaks.peakNewDataBytes, newData);
    }
    sample();
  });
  const restoreDispose = patch(engine, 'disposeTensor', function (this: Engine, a) {
    // Just before a free is when backend memory is highest: sample then too.
    sample();
    const info = infos.get(a.dataId);
    dispose.call(this, a);
    if (!info) return; // already disposed: the engine did nothing
    const f = fresh.get(a.dataId);
    if (f && --f.refs === 0) {
      fresh.delete(a.dataId);
      newData -= f.bytes;
    } else if (!f && !infos.has(a.dataId)) newData -= info.bytes; // a buffer from before, freed
  });
  const timer = peaks.rss ? setInterval(sample, RSS_EVERY_MS) : null;
  try {
    const value = await fn();
    sample();
    peaks.backend = Object.keys(backendPeak).map((metric) => ({
      metric,
      beforeBytes: backendBefore[metric] ?? 0,
      peakBytes: backendPeak[metric],
    }));
    return { value, peaks };
  } finally {
    if (timer !== null) clearInterval(timer);
    restoreDispose();
    restoreTrack();
  }
}

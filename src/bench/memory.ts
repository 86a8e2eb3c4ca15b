// Issue 5, part 3: bounded memory of the sensitivity pass. Builds a synthetic model and batch, runs
// computeSensitivities under trackPeaks, and checks the bound
//
//   extra <= 4 x (largest weight tensor) + (one chunk of activations)
//
// where extra = peak - before of tf.memory().numBytes. The chunk of activations is defined here as
//
//   chunk = min(chunkPoints, points) x 4 bytes x (sum over prunable layers of (in + out)
//                                                 + max over prunable layers of (in + 2 out))
//
// in / out: a layer's input / output values per point. chunkPoints = computeSensitivities' own
// (defaultChunkPoints unless given). The sum is one forward pass (the captured layer inputs and the
// layer outputs); the max is the layer being scored: one sign copy of its input (§1.3) and Z for
// both signs. All of it scales with chunkPoints, none with the weights. The result's
// `ratio` = (extra - chunk) / largest weight must be <= 4. Runtime-neutral (Node, browser worker).
import * as tf from '@tensorflow/tfjs';
import { analyzeModel, type PrunableLayer, type SensitivityKernel } from '../core';
import { computeSensitivities, defaultChunkPoints } from '../core/sensitivity/compute';
import type { Progress } from '../core/types';
import { trackPeaks, type Peaks } from './peak';
import { rng } from './kernels';
import { round, type BenchRecord, type MemoryFigures, type Runtime } from './records';

export { trackPeaks, type Peaks } from './peak';

/** The bound on (extra - chunk) / largest weight. */
export const MEMORY_BOUND = 4;

export type LayerSpec =
  | { kind: 'dense'; units: number }
  | { kind: 'conv'; filters: number; kernel: number; strides?: number }
  | { kind: 'flatten' };

export interface MemoryCase {
  /** M1, M2, M3. */
  name: string;
  title: string;
  /** Without the batch dimension. */
  inputShape: number[];
  /** Hidden layers get a ReLU; the last layer is linear. */
  layers: LayerSpec[];
  points: number;
  /** 'relu': >= 0 with 40 % zeros, as after a ReLU (one sign copy); 'mixed': uniform in [-1, 1) (two copies, §1.3). */
  inputs: 'relu' | 'mixed';
  /** Points per chunk; default computeSensitivities' own (defaultChunkPoints). */
  chunkPoints?: number;
}

/** M1: one 4096 x 4096 Dense layer (64 MiB of kernel) on `points` ReLU-like inputs. */
export function denseMemoryCase(width = 4096, points = 256): MemoryCase {
  return {
    name: 'M1',
    title: `${width}x${width} dense, ${points} points`,
    inputShape: [width],
    layers: [{ kind: 'dense', units: width }],
    points,
    inputs: 'relu',
  };
}

/** M2: an MLP; the default 5000-4000-1250-10 has 25,017,760 parameters. Mixed-sign model inputs. */
export function mlpMemoryCase(sizes = [5000, 4000, 1250, 10], points = 256): MemoryCase {
  const params = sizes.slice(1).reduce((s, u, i) => s + (sizes[i] + 1) * u, 0);
  return {
    name: 'M2',
    title: `MLP ${sizes.join('-')} (${(params / 1e6).toFixed(2)} M parameters), ${points} points`,
    inputShape: [sizes[0]],
    layers: sizes.slice(1).map((units) => ({ kind: 'dense', units })),
    points,
    inputs: 'mixed',
  };
}

/** M3: conv 3x3 same -> conv 3x3 stride 2 -> flatten -> dense, on mixed-sign images. */
export function convMemoryCase(size = 32, channels = [3, 32, 64], classes = 10, points = 64): MemoryCase {
  return {
    name: 'M3',
    title: `CNN ${size}x${size}x${channels[0]}, conv ${channels[1]}, conv ${channels[2]} /2, dense ${classes}; ${points} points`,
    inputShape: [size, size, channels[0]],
    layers: [
      { kind: 'conv', filters: channels[1], kernel: 3 },
      { kind: 'conv', filters: channels[2], kernel: 3, strides: 2 },
      { kind: 'flatten' },
      { kind: 'dense', units: classes },
    ],
    points,
    inputs: 'mixed',
  };
}

/** The sizes. */
export const MEMORY_CASES: Record<string, MemoryCase> = {
  M1: denseMemoryCase(),
  M2: mlpMemoryCase(),
  M3: convMemoryCase(),
};

/**
 * The same shapes, small enough for unit tests and quick checks of the scripts, in as many chunks
 * as the full cases take (defaultChunkPoints gives 64 points there), so that accumulation shows.
 */
export const SMALL_MEMORY_CASES: Record<string, MemoryCase> = {
  M1: { ...denseMemoryCase(512, 64), chunkPoints: 16 },
  M2: { ...mlpMemoryCase([256, 128, 64, 10], 64), chunkPoints: 16 },
  M3: { ...convMemoryCase(12, [2, 4, 8], 5, 16), chunkPoints: 4 },
};

export function buildMemoryModel(c: MemoryCase): tf.Sequential {
  const model = tf.sequential();
  c.layers.forEach((l, i) => {
    const common = {
      name: `l${i}_${l.kind}`,
      inputShape: i === 0 ? c.inputShape : undefined,
      activation: i === c.layers.length - 1 ? ('linear' as const) : ('relu' as const),
      kernelInitializer: tf.initializers.glorotUniform({ seed: 11 + i }),
    };
    if (l.kind === 'dense') model.add(tf.layers.dense({ ...common, units: l.units }));
    else if (l.kind === 'conv')
      model.add(
        tf.layers.conv2d({
          ...common,
          filters: l.filters,
          kernelSize: l.kernel,
          strides: l.strides ?? 1,
          padding: 'same',
        }),
      );
    else model.add(tf.layers.flatten({ name: common.name, inputShape: common.inputShape }));
  });
  return model;
}

export function memoryBatch(c: MemoryCase): tf.Tensor {
  const rand = rng(7);
  const size = c.points * c.inputShape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++)
    values[i] = c.inputs === 'mixed' ? rand() * 2 - 1 : rand() < 0.4 ? 0 : rand() * 2;
  return tf.tensor(values, [c.points, ...c.inputShape]);
}

/** Values per point of a layer's (first) input or output. */
const perPoint = (t: tf.SymbolicTensor | tf.SymbolicTensor[]) =>
  (Array.isArray(t) ? t[0] : t).shape.slice(1).reduce((a: number, b) => a * (b ?? 1), 1);

/** Bytes of one chunk of activations: the forward pass, plus the scored layer's working set (see top). */
export function chunkBytes(layers: PrunableLayer[], points: number): number {
  const io = (p: PrunableLayer) => ({ in: perPoint(p.layer.input), out: perPoint(p.layer.output) });
  const pass = layers.reduce((s, p) => s + io(p).in + io(p).out, 0);
  const scored = Math.max(0, ...layers.map((p) => io(p).in + 2 * io(p).out));
  return points * (pass + scored) * 4;
}

export interface MemoryResult {
  case: string;
  title: string;
  backend: string;
  kernel: string;
  params: number;
  points: number;
  chunkPoints: number;
  beforeBytes: number;
  peakBytes: number;
  extraBytes: number;
  largestWeightBytes: number;
  chunkBytes: number;
  /** (extra - chunk) / largest weight; the bound is MEMORY_BOUND. */
  ratio: number;
  /** The same from distinct data buffers (views of existing tensors not counted). */
  newDataPeakBytes: number;
  newDataRatio: number;
  peaks: Peaks;
  /** Seconds of computeSensitivities, and of one forward pass over the same points (for scale). */
  seconds: number;
  forwardMs: number;
  /** numTensors after the call minus before it (0: nothing leaked). */
  leakedTensors: number;
}

export interface MemoryRunOptions {
  kernel: SensitivityKernel;
  log?(line: string): void;
}

function progressLogger(log: ((line: string) => void) | undefined, t0: number) {
  let last = -Infinity;
  return (p: Progress) => {
    const now = performance.now();
    if (!log || (now - last < 10_000 && p.done < p.total)) return;
    last = now;
    log(`  ${p.stage} ${p.done}/${p.total} points, ${((now - t0) / 1000).toFixed(1)} s`);
  };
}

/** Builds case `c`, measures one sensitivity pass (mean and max, as a session needs), frees everything. */
export async function runMemoryCase(c: MemoryCase, o: MemoryRunOptions): Promise<MemoryResult> {
  const model = buildMemoryModel(c);
  const x = memoryBatch(c);
  try {
    const layers = analyzeModel(model).prunable;
    const chunkPoints = Math.min(c.chunkPoints ?? defaultChunkPoints(layers, x), c.points);
    const largest = Math.max(
      ...model.weights.map((w) => w.shape.reduce((a: number, b) => a * (b ?? 1), 1) * 4),
    );
    const chunk = chunkBytes(layers, chunkPoints);
    // Twice, the second timed: besides giving a time scale, the first puts the weights and the batch
    // on the device (webgpu uploads lazily), so that the backend's "before" figure includes them.
    let forwardMs = 0;
    for (let k = 0; k < 2; k++) {
      const t = performance.now();
      const y = model.predict(x, { batchSize: c.points }) as tf.Tensor;
      await y.data();
      y.dispose();
      forwardMs = performance.now() - t;
    }
    const tensorsBefore = tf.memory().numTensors;
    const t0 = performance.now();
    const { value, peaks } = await trackPeaks(() =>
      computeSensitivities(model, layers, x, {
        reductions: ['mean', 'max'],
        kernel: o.kernel,
        chunkPoints,
        onProgress: progressLogger(o.log, t0),
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const leakedTensors = tf.memory().numTensors - tensorsBefore;
    if (value.get('max')?.size !== layers.length) throw new Error(`${c.name}: sensitivities missing`);
    const extra = peaks.peakBytes - peaks.beforeBytes;
    return {
      case: c.name,
      title: c.title,
      backend: tf.getBackend(),
      kernel: o.kernel.name,
      params: model.countParams(),
      points: c.points,
      chunkPoints,
      beforeBytes: peaks.beforeBytes,
      peakBytes: peaks.peakBytes,
      extraBytes: extra,
      largestWeightBytes: largest,
      chunkBytes: chunk,
      ratio: (extra - chunk) / largest,
      newDataPeakBytes: peaks.peakNewDataBytes,
      newDataRatio: (peaks.peakNewDataBytes - chunk) / largest,
      peaks,
      seconds,
      forwardMs,
      leakedTensors,
    };
  } finally {
    x.dispose();
    model.dispose();
  }
}

/** The backend's own figure that best says what it holds: GPU buffers incl. the pool, or the wasm heap. */
const BACKEND_METRICS = ['numBytesAllocatedInGPU', 'numBytesInGPUAllocated', 'wasmHeapBytes'];

export function memoryRecord(r: MemoryResult, runtime: Runtime, device: string): BenchRecord {
  const b = BACKEND_METRICS.map((m) => r.peaks.backend.find((x) => x.metric === m)).find(Boolean);
  const memory: MemoryFigures = {
    date: new Date().toISOString(),
    params: r.params,
    points: r.points,
    chunkPoints: r.chunkPoints,
    beforeBytes: r.beforeBytes,
    peakBytes: r.peakBytes,
    extraBytes: r.extraBytes,
    largestWeightBytes: r.largestWeightBytes,
    chunkBytes: r.chunkBytes,
    ratio: round(r.ratio),
    bound: MEMORY_BOUND,
    newDataPeakBytes: r.newDataPeakBytes,
    newDataRatio: round(r.newDataRatio),
    backendMetric: b?.metric ?? null,
    backendBeforeBytes: b?.beforeBytes ?? null,
    backendPeakBytes: b?.peakBytes ?? null,
    backendAll: r.peaks.backend,
    rssBeforeBytes: r.peaks.rss?.beforeBytes ?? null,
    rssPeakBytes: r.peaks.rss?.peakBytes ?? null,
    leakedTensors: r.leakedTensors,
  };
  const ms = r.seconds * 1000;
  return {
    name: r.case,
    suite: 'memory',
    title: `sensitivity pass (mean and max) of ${r.title} / one forward pass over the same points`,
    runtime,
    backend: r.backend,
    variant: r.kernel,
    medianMs: round(ms, 1),
    baselineMs: round(r.forwardMs, 1),
    ratio: round(ms / r.forwardMs),
    runs: 1,
    device,
    memory,
  };
}

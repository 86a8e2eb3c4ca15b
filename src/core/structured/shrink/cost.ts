import * as tf from '@tensorflow/tfjs';

type Layer = tf.layers.Layer;

function prod(a: readonly (number | null)[]): number {
  return a.reduce<number>((s, d) => s * (typeof d === 'number' ? d : 1), 1);
}

function firstShape(s: tf.Shape | tf.Shape[]): tf.Shape {
  return (Array.isArray(s[0]) ? s[0] : s) as tf.Shape;
}

/** Multiply-accumulates of one layer for one sample (0 for layers without a kernel). */
function layerMacs(l: Layer): number {
  const cls = l.getClassName();
  const nested = (l as unknown as { layers?: Layer[] }).layers;
  if (Array.isArray(nested)) return nested.reduce((s, x) => s + layerMacs(x), 0);
  if (l.weights.length === 0) return 0;
  const k = l.weights[0].shape as number[];
  const out = firstShape(l.outputShape);
  const positions = prod(out.slice(1, -1));
  switch (cls) {
    case 'Dense':
    case 'Conv1D':
    case 'Conv2D':
      return positions * prod(k);
    case 'DepthwiseConv2D':
      return positions * prod(k);
    case 'SeparableConv2D': {
      const pw = l.weights[1].shape as number[];
      return positions * (prod(k) + prod(pw));
    }
    case 'Conv2DTranspose': {
      const inp = firstShape((l as unknown as { inputShape: tf.Shape | tf.Shape[] }).inputShape);
      return prod(inp.slice(1, -1)) * prod(k);
    }
    default:
      return 0;
  }
}

/**
 * Multiply-accumulates per sample of the kernels (Dense, Conv1D, Conv2D, DepthwiseConv2D,
 * SeparableConv2D, Conv2DTranspose; nested models included). Biases, BN, activations and pooling
 * are not counted; a shared layer counts once.
 */
export function macsPerSample(model: tf.LayersModel): number {
  return model.layers.reduce((s, l) => s + layerMacs(l), 0);
}

export interface LatencyOptions {
  batch?: number;
  runs?: number;
  warmup?: number;
}

/**
 * Median milliseconds of one `predict` of a random batch in the current backend, timed until the
 * outputs are read back (`await data()`: never dataSync, which is unsafe on webgpu).
 * `inputShape` (without the batch axis) defaults to the model's first input.
 */
export async function measureLatency(
  model: tf.LayersModel,
  inputShape?: number[],
  opts: LatencyOptions = {},
): Promise<{ medianMs: number; runs: number[]; batch: number; backend: string }> {
  const batch = opts.batch ?? 64;
  const runs = Math.max(1, opts.runs ?? 5);
  const warmup = opts.warmup ?? 2;
  const shapes = model.inputs.map((t, i) =>
    i === 0 && inputShape ? inputShape : (t.shape.slice(1) as number[]).map((d) => d ?? 1),
  );
  const xs = shapes.map((s) => tf.randomNormal([batch, ...s]));
  const times: number[] = [];
  try {
    for (let i = 0; i < warmup + runs; i++) {
      const t0 = performance.now();
      const y = model.predict(xs.length === 1 ? xs[0] : xs);
      const ys = Array.isArray(y) ? y : [y];
      await Promise.all(ys.map((t) => t.data()));
      const dt = performance.now() - t0;
      ys.forEach((t) => t.dispose());
      if (i >= warmup) times.push(dt);
    }
  } finally {
    xs.forEach((t) => t.dispose());
  }
  const sorted = [...times].sort((a, b) => a - b);
  const m = sorted.length >> 1;
  const medianMs = sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  return { medianMs, runs: times, batch, backend: tf.getBackend() };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Median milliseconds of `a` and of `b` (same inputs), timed in alternation on the same random
 * batch: a load that comes and goes on the machine hits both alike, so their ratio holds where two
 * separate measurements can disagree by more than the difference being measured.
 */
export async function compareLatency(
  a: tf.LayersModel,
  b: tf.LayersModel,
  opts: LatencyOptions = {},
): Promise<{ aMs: number; bMs: number; batch: number; runs: number; backend: string }> {
  const batch = opts.batch ?? 64;
  const runs = Math.max(1, opts.runs ?? 5);
  const warmup = opts.warmup ?? 2;
  const xs = a.inputs.map((t) =>
    tf.randomNormal([batch, ...(t.shape.slice(1) as number[]).map((d) => d ?? 1)]),
  );
  const time = async (m: tf.LayersModel) => {
    const t0 = performance.now();
    const y = m.predict(xs.length === 1 ? xs[0] : xs);
    const ys = Array.isArray(y) ? y : [y];
    await Promise.all(ys.map((t) => t.data()));
    const dt = performance.now() - t0;
    ys.forEach((t) => t.dispose());
    return dt;
  };
  const ta: number[] = [];
  const tb: number[] = [];
  try {
    for (let i = 0; i < warmup + runs; i++) {
      // Alternate which goes first, so neither always runs on a cache the other warmed.
      const [first, second] = i % 2 ? [b, a] : [a, b];
      const t1 = await time(first);
      const t2 = await time(second);
      if (i < warmup) continue;
      (first === a ? ta : tb).push(t1);
      (second === a ? ta : tb).push(t2);
    }
  } finally {
    xs.forEach((t) => t.dispose());
  }
  return { aMs: median(ta), bMs: median(tb), batch, runs, backend: tf.getBackend() };
}

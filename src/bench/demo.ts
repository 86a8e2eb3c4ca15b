// P3 and P4 of issue 5 on the embedded demo (LeNet-300-100, the 1000-digit MNIST batch), plus the
// one-off sensitivity pass both rely on. Baselines are real forward passes of the dense model over
// the session's evaluation points, never the session's cached dense predictions.
import * as tf from '@tensorflow/tfjs';
import {
  fitBatchToModel,
  loadModel,
  parseBatchFiles,
  PruningSession,
  sweep,
  type Batch,
  type MethodKey,
  type NamedBytes,
  type SensitivityKernel,
} from '../core';
import { predictClasses } from '../core/evaluate/evaluate';
import type { BenchCase } from './timing';

export interface DemoFiles {
  /** model.json and its shard(s), named as in the manifest. */
  model: NamedBytes[];
  batch: NamedBytes;
  /** The demo's training split (T1, T2); absent: those rows are skipped. */
  train?: NamedBytes;
}

/** A full sweep: the app's default curves, 20 target sparsities. */
export const SWEEP_METHODS: MethodKey[] = ['sipp', 'sipp-det', 'wt', 'snip', 'random'];
export const SWEEP_SPARSITIES = [
  0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98,
  0.99,
];

/** Slider steps start here and move by 0.1 % per call, so that no call reuses another's budget search. */
const SLIDER_FROM = 0.9;
const SLIDER_STEP = 0.001;
/** The session's evaluation chunk, so that a baseline pass does the same work as evaluate(). */
const EVAL_CHUNK = 256;

/** `count` entries spread over `xs` (ends included): a smaller sweep with the same range. */
function spread<T>(xs: T[], count: number): T[] {
  if (count >= xs.length) return xs;
  if (count === 1) return [xs[Math.floor(xs.length / 2)]];
  return Array.from({ length: count }, (_, k) => xs[Math.round((k * (xs.length - 1)) / (count - 1))]);
}

export class Demo {
  private constructor(
    /** The loaded model: sessions prune a clone, so this one stays dense for the baselines. */
    private readonly dense: tf.LayersModel,
    private readonly batch: Batch,
    private readonly session: PruningSession,
    private readonly evalX: tf.Tensor,
  ) {}

  /** Loads the demo and computes every score the sweep needs (untimed). */
  static async open(files: DemoFiles, kernel: SensitivityKernel): Promise<Demo> {
    const { model } = await loadModel(files.model);
    const out = model.outputs[0].shape;
    const batch = fitBatchToModel(
      parseBatchFiles([files.batch]),
      model.inputs[0].shape,
      out[out.length - 1]!,
    );
    const session = await PruningSession.create(model, batch, { kernel });
    await session.prepare(SWEEP_METHODS);
    return new Demo(model, batch, session, Demo.rows(batch, session.points, batch.xShape[0]));
  }

  private static rows(batch: Batch, from: number, to: number): tf.Tensor {
    const per = batch.xShape.slice(1);
    const size = per.reduce((a, b) => a * b, 1);
    return tf.tensor(batch.x.subarray(from * size, to * size), [to - from, ...per]);
  }

  /** The pruning session (T1, T2 train on it and restore its weights). */
  get pruning(): PruningSession {
    return this.session;
  }

  /** The demo batch fitted to the model (S2 opens fresh sessions on it). */
  get fittedBatch(): Batch {
    return this.batch;
  }

  /** The dense model as loaded (T2's stock-fit baseline copies its topology). */
  get denseModel(): tf.LayersModel {
    return this.dense;
  }

  /** Sensitivity points of the demo session (the default of §1.5). */
  get points(): number {
    return this.session.points;
  }

  get description(): string {
    return `LeNet-300-100, ${this.session.points} sensitivity points, ${this.session.evalPoints} evaluation points`;
  }

  dispose(): void {
    this.session.dispose();
    this.dense.dispose();
    this.evalX.dispose();
  }

  private async evalPasses(count: number): Promise<void> {
    for (let k = 0; k < count; k++) await predictClasses(this.dense, this.evalX, EVAL_CHUNK);
  }

  /** P3: prune at a sparsity not seen before and evaluate, as one slider step does. */
  sliderStep(method: MethodKey): BenchCase {
    const s = this.session;
    return {
      title: `slider step (${method}: prune from cached scores + evaluate, ${s.evalPoints} points) / dense evaluation pass`,
      measured: async (call) => {
        const t0 = performance.now();
        const r = await s.prune(method, SLIDER_FROM + call * SLIDER_STEP, { seed: 0 });
        const t1 = performance.now();
        await s.evaluate(r);
        return { pruneMs: t1 - t0, evaluateMs: performance.now() - t1, trials: r.trials };
      },
      baseline: () => this.evalPasses(1),
      dispose: () => {},
    };
  }

  /** P4: a sweep over `sparsities` of the 20 targets (all five methods); baseline: as many dense passes. */
  sweep(sparsities = SWEEP_SPARSITIES.length): BenchCase {
    const s = this.session;
    const grid = spread(SWEEP_SPARSITIES, sparsities);
    const points = grid.length * SWEEP_METHODS.length;
    return {
      title: `sweep (${SWEEP_METHODS.length} methods x ${grid.length} sparsities) / ${points} dense evaluation passes`,
      measured: async () => {
        const prune = s.prune.bind(s);
        const evaluate = s.evaluate.bind(s);
        const split = { pruneMs: 0, evaluateMs: 0, trials: 0 };
        // Timing hooks on this instance only, so that sweep() itself runs unchanged.
        s.prune = async (...args) => {
          const t0 = performance.now();
          const r = await prune(...args);
          split.pruneMs += performance.now() - t0;
          split.trials += r.trials;
          return r;
        };
        s.evaluate = async (...args) => {
          const t0 = performance.now();
          const e = await evaluate(...args);
          split.evaluateMs += performance.now() - t0;
          return e;
        };
        try {
          let n = 0;
          for await (const _ of sweep(s, SWEEP_METHODS, grid, { seed: 0 })) n++;
          if (n !== points) throw new Error(`the sweep gave ${n} points, not ${points}`);
        } finally {
          delete (s as Partial<PruningSession>).prune;
          delete (s as Partial<PruningSession>).evaluate;
        }
        return split;
      },
      baseline: () => this.evalPasses(points),
      dispose: () => {},
    };
  }

  /** The sensitivity pass (§1) every SiPP method needs once, on `points` points, in a fresh session. */
  prepare(kernel: SensitivityKernel, points = this.session.points): BenchCase {
    let fresh: PruningSession | null = null;
    const sX = Demo.rows(this.batch, 0, points);
    return {
      title: `sensitivities of the demo model (${points} points, ${kernel.name}) / dense forward pass over the same points`,
      setup: async () => {
        fresh?.dispose();
        fresh = await PruningSession.create(this.dense, this.batch, { kernel, points });
      },
      measured: async () => {
        await fresh!.prepare(['sipp', 'sipp-det']);
      },
      baseline: async () => {
        await predictClasses(this.dense, sX, EVAL_CHUNK);
      },
      dispose: () => {
        fresh?.dispose();
        sX.dispose();
      },
    };
  }
}

/** The dense demo model's files, read through `read` (fs in Node, fetch in the browser), paths relative to demo/. */
export async function loadDemoFiles(read: (path: string) => Promise<Uint8Array>): Promise<DemoFiles> {
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  const demo = JSON.parse(text(await read('demo.json'))) as {
    models: { id: string; path: string }[];
    batch: { path: string };
    train?: { path: string };
  };
  const entry = demo.models.find((m) => m.id === 'lenet-300-100');
  if (!entry) throw new Error('demo.json lists no lenet-300-100 model');
  const dir = entry.path.slice(0, entry.path.lastIndexOf('/') + 1);
  const json = await read(entry.path);
  const manifest = (JSON.parse(text(json)) as { weightsManifest: { paths: string[] }[] }).weightsManifest;
  const shards = manifest.flatMap((g) => g.paths);
  const model = [{ name: 'model.json', data: json }];
  for (const p of shards) model.push({ name: p, data: await read(dir + p) });
  const files: DemoFiles = { model, batch: { name: demo.batch.path, data: await read(demo.batch.path) } };
  if (demo.train) files.train = { name: demo.train.path, data: await read(demo.train.path) };
  return files;
}

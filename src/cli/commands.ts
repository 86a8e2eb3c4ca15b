import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  batchWarnings,
  encodeNpz,
  exportModel,
  fitBatchToModel,
  kernelFor,
  loadModel,
  METHOD_KEYS,
  METHODS,
  parseBatchFiles,
  pruneCombined,
  PruningSession,
  SippError,
  sippMetadata,
  sweep,
  type Batch,
  type KernelVariant,
  type LoadedModel,
  type MethodKey,
  type ProgressFn,
  type PruneResult,
  type SensitivityPlan,
  type SweepPoint,
} from '../core';
import {
  dequantizedOverrides,
  isWeightFormat,
  type QuantizeMode,
  type WeightFormat,
} from '../core/export/quantize';
import { disposeModel } from '../core/model/clone';
import { compareLatency, macsPerSample, shrinkModel } from '../core/structured/shrink';
import { startBackend, type CliBackend } from './backend';
import { readBatchFiles, readModelFiles } from './files';
import { evaluateFiles } from '../core/export/written';
import type { LayerLimits } from '../core/prune/limits';

export interface CommonArgs {
  model: string;
  batch: string;
  points?: number;
  seed: number;
  backend: CliBackend;
  kernel: KernelVariant;
  scaleUint8: boolean;
  onProgress?: ProgressFn;
  /** Lines for the user before long stages (stderr; absent with --json). */
  info?: (line: string) => void;
  /** --exclude, --max-layer-sparsity: layers left dense or capped (every prune of the command). */
  limits?: LayerLimits;
}

const mb = (b: number) =>
  b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GB` : `${Math.max(1, Math.round(b / 2 ** 20))} MB`;

/**
 * Says what the sensitivity pass will do before it starts (points, chunks, forward passes, working
 * memory), then runs it; the plan goes into the --json report.
 */
export async function prepareSession(
  session: PruningSession,
  methods: MethodKey[],
  args: CommonArgs,
  timer: Timer,
): Promise<SensitivityPlan | null> {
  const plan = session.sensitivityPlan(methods);
  if (plan)
    args.info?.(
      `sensitivities: ${plan.points} points in chunks of ${plan.chunkPoints} (${plan.forwardPasses} forward pass${plan.forwardPasses === 1 ? '' : 'es'}), ` +
        `about ${mb(plan.workingBytes)} of working memory; --points N changes the number of points`,
    );
  await timer.time('sensitivities', () => session.prepare(methods, { onProgress: args.onProgress }));
  return plan;
}

/** Milliseconds per stage; a stage timed more than once (a cascade's exports) adds up. */
export class Timer {
  readonly ms: Record<string, number> = {};
  async time<T>(stage: string, f: () => Promise<T> | T): Promise<T> {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      this.ms[stage] = Math.round(((this.ms[stage] ?? 0) + performance.now() - t0) * 10) / 10;
    }
  }
}

export function parseMethod(m: string): MethodKey {
  if (!(METHOD_KEYS as readonly string[]).includes(m))
    throw new SippError('unknown-method', `unknown method '${m}'; choose one of ${METHOD_KEYS.join(', ')}`);
  return m as MethodKey;
}

export function parseWeightFormat(s: string): WeightFormat {
  if (!isWeightFormat(s))
    throw new SippError(
      'bad-argument',
      `--quantize must be float16, uint8 or uint16 (float32: not quantised), got '${s}'`,
    );
  return s;
}

/**
 * `r` with every float32 variable as the quantised file gives it back to tfjs (same arithmetic,
 * bit for bit), so that evaluating it is evaluating the written model.
 */
export function quantizedResult(session: PruningSession, r: PruneResult, mode: QuantizeMode): PruneResult {
  const book = session.weights;
  const values = book.vars.map((_, i) => r.overrides.get(i) ?? book.original[i]);
  const overrides = new Map(r.overrides);
  const written = dequantizedOverrides(values, mode, {
    dtypes: book.vars.map((v) => v.dtype),
    names: book.vars.map((v) => v.originalName ?? v.name),
  });
  for (const [i, v] of written) overrides.set(i, v);
  return { ...r, overrides };
}

/** Writes `exported` into `dir`; what the JSON says about it. */
export function writeExported(dir: string, exported: Awaited<ReturnType<typeof exportModel>>) {
  mkdirSync(dir, { recursive: true });
  for (const f of exported.files) writeFileSync(join(dir, f.name), f.data);
  return {
    dir,
    files: exported.files.map((f) => f.name),
    weights: exported.weightFormat,
    rawBytes: exported.rawBytes,
    gzipBytes: exported.gzipBytes,
    nonzeroParams: exported.nonzeroParams,
    totalWeights: exported.totalParams,
    ...(exported.clamped.length > 0 ? { clampedToFloat16Max: exported.clamped } : {}),
  };
}

/** The quantised model's accuracy and agreement on the evaluation points (null: not quantised). */
export async function evaluateWritten(session: PruningSession, r: PruneResult, weights: WeightFormat) {
  if (weights === 'float32') return null;
  const e = await session.evaluate(quantizedResult(session, r, weights));
  return { accuracy: e.accuracy, agreement: e.agreement };
}

/**
 * `--exclude fc1,fc2` and `--max-layer-sparsity fc1=0.8,conv2=0.5`: layer names as the model
 * spells them (checked against its prunable layers when the session prunes).
 */
export function parseLimits(exclude?: string, caps?: string): LayerLimits | undefined {
  if (exclude === undefined && caps === undefined) return undefined;
  const names = (exclude ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const maxSparsity: Record<string, number> = {};
  for (const part of (caps ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = part.lastIndexOf('=');
    const value = at > 0 ? Number(part.slice(at + 1)) : NaN;
    if (at <= 0 || part.slice(at + 1).trim() === '' || !Number.isFinite(value))
      throw new SippError(
        'bad-argument',
        `--max-layer-sparsity takes LAYER=FRACTION[,LAYER=FRACTION...] (e.g. fc1=0.8), got '${part}'`,
      );
    maxSparsity[part.slice(0, at).trim()] = value;
  }
  if (names.length === 0 && Object.keys(maxSparsity).length === 0)
    throw new SippError('bad-argument', '--exclude and --max-layer-sparsity need at least one layer name');
  return { exclude: names, maxSparsity };
}

/** `--structured pfp:0.5`: a structured method and its own target sparsity. */
export function parseStructured(s: string): { method: MethodKey; sparsity: number } {
  const at = s.lastIndexOf(':');
  if (at < 0)
    throw new SippError(
      'bad-argument',
      `--structured takes method:sparsity, e.g. pfp:0.5 (whole channels to 50 % first), got '${s}'`,
    );
  const method = parseMethod(s.slice(0, at));
  if (!METHODS[method].structured)
    throw new SippError(
      'bad-argument',
      `--structured needs a structured method (${METHOD_KEYS.filter((k) => METHODS[k].structured).join(', ')}), got '${method}'`,
    );
  return { method, sparsity: parseSparsity(s.slice(at + 1)) };
}

export function parseSparsity(s: string): number {
  const v = Number(s);
  if (s.trim() === '' || !Number.isFinite(v) || v < 0 || v >= 1)
    throw new SippError('bad-sparsity', `sparsity must be a number in [0, 1), got '${s}'`);
  return v;
}

/**
 * Backend, model, batch and session: what every command starts with. `beforeSession` sees the
 * fitted batch (and the loaded model) and returns the batch the session is made on (retraining's
 * --split keeps part of it for training).
 */
export async function open(
  args: CommonArgs,
  timer: Timer,
  beforeSession?: (batch: Batch, loaded: LoadedModel) => Batch | Promise<Batch>,
) {
  const backend = await timer.time('backend', () => startBackend(args.backend));
  const loaded = await timer.time('load', () => loadModel(readModelFiles(args.model)));
  const fitted = await timer.time('batch', () => {
    const raw = parseBatchFiles(readBatchFiles(args.batch));
    const inShape = loaded.model.inputs[0].shape;
    const outShape = loaded.model.outputs[0].shape;
    return fitBatchToModel(raw, inShape, outShape[outShape.length - 1] ?? 1, { scaleUint8: args.scaleUint8 });
  });
  const batch = beforeSession ? await beforeSession(fitted, loaded) : fitted;
  const session = await timer.time('session', () =>
    PruningSession.create(loaded.model, batch, {
      points: args.points,
      kernel: kernelFor(backend.name, args.kernel),
    }),
  );
  const notices = [...loaded.notices, ...batch.notices];
  let warnings: { code: string; level: string; message: string }[];
  try {
    // The dense model on the evaluation points (kept by the session): what the warnings need.
    const dense = await timer.time('evaluateDense', () => session.evaluate(null));
    const outShape = loaded.model.outputs[0].shape;
    warnings = batchWarnings(
      loaded.model,
      batch,
      outShape[outShape.length - 1] ?? 1,
      dense.accuracy,
      session.evalPoints,
    );
  } catch (e) {
    session.dispose();
    throw e;
  }
  for (const w of warnings) args.info?.(`${w.level}: ${w.message}`);
  return { backend, loaded, batch, session, notices, warnings };
}

export function sessionFacts(s: PruningSession) {
  return { points: s.points, evalPoints: s.evalPoints, labelled: s.evalY !== null };
}

export async function runPrune(
  args: CommonArgs & {
    method: MethodKey;
    sparsity: number;
    out: string;
    propagate: boolean;
    quantize?: WeightFormat;
    /** write the physically smaller model (zeroed channels removed, §7) instead of the zeroed one */
    slim?: boolean;
    /** structured step first (whole channels to its own target), then `method` to `sparsity` in all */
    structured?: { method: MethodKey; sparsity: number };
  },
) {
  const weights = args.quantize ?? 'float32';
  const timer = new Timer();
  const { backend, loaded, session, notices, warnings } = await open(args, timer);
  try {
    const first = args.structured;
    const sensitivityPlan = await prepareSession(session, [first ? first.method : args.method], args, timer);
    const dense = await timer.time('evaluateDense', () => session.evaluate(null));
    const opts = { seed: args.seed, propagate: args.propagate, limits: args.limits };
    const { r, step } = await timer.time('prune', async () => {
      if (!first) return { r: await session.prune(args.method, args.sparsity, opts), step: null };
      const c = await pruneCombined(
        session,
        { structured: first, weights: { method: args.method, sparsity: args.sparsity } },
        { ...opts, onProgress: args.onProgress },
      );
      return { r: c.result, step: c.structured };
    });
    // The structured step alone, evaluated as it was before the weight step pruned further.
    const stepEval = step && (await timer.time('evaluateStructured', () => session.evaluate(step)));
    const structured = step &&
      stepEval && {
        method: step.method,
        targetSparsity: step.targetSparsity,
        achievedSparsity: step.achievedSparsity,
        withinTolerance: step.withinTolerance,
        nonzeroParams: step.nonzeroParams,
        accuracy: stepEval.accuracy,
        agreement: stepEval.agreement,
      };
    const after = await timer.time('evaluate', () => session.evaluate(r));
    const pct = (v: number) => (v * 100).toFixed(1);
    const name = `${loaded.name}-${first ? `${first.method}-${pct(first.sparsity)}-` : ''}${args.method}-${pct(args.sparsity)}`;
    const slim = args.slim ? await timer.time('slim', () => slimFacts(session.modelWith(r))) : null;
    const metadata = sippMetadata({
      method: args.method,
      targetSparsity: args.sparsity,
      achievedSparsity: r.achievedSparsity,
      seed: args.seed,
      sensitivityPoints: session.points,
      propagated: r.propagated,
      quantization: weights,
      slim: !!slim,
      ...(structured
        ? { structured: { method: structured.method, targetSparsity: structured.targetSparsity } }
        : {}),
    });
    const exported = await timer.time('export', async () => {
      try {
        return slim
          ? await exportModel(slim.model, { name, quantize: weights, metadata })
          : await exportModel(session.modelWith(r), {
              name,
              topology: loaded.topology,
              quantize: weights,
              metadata,
            });
      } finally {
        if (slim) disposeModel(slim.model);
      }
    });
    const output = writeExported(args.out, exported);
    // The slim model is not the session's (other shapes): its written files are loaded back instead.
    const quantized = await timer.time('evaluateQuantized', () =>
      weights === 'float32'
        ? null
        : slim
          ? evaluateFiles(session, exported.files)
          : evaluateWritten(session, r, weights),
    );
    const clamped = exported.clamped.map(
      (c) => `${c.count} value(s) of ${c.name} are beyond the float16 range and were written as ±65504`,
    );
    return {
      command: 'prune',
      model: args.model,
      method: args.method,
      ...(structured ? { structured } : {}),
      targetSparsity: args.sparsity,
      achievedSparsity: r.achievedSparsity,
      withinTolerance: r.withinTolerance,
      unreachable: r.unreachable ?? null,
      prunableSparsity: r.prunableSparsity,
      nonzeroParams: r.nonzeroParams,
      totalParams: r.totalParams,
      accuracyBefore: dense.accuracy,
      accuracyAfter: after.accuracy,
      agreementAfter: after.agreement,
      quantize: weights,
      ...(quantized
        ? { accuracyQuantized: quantized.accuracy, agreementQuantized: quantized.agreement }
        : {}),
      ...sessionFacts(session),
      sensitivityPlan,
      seed: args.seed,
      propagated: r.propagated,
      limits: r.limits ?? null,
      budgetTrials: r.trials,
      layers: r.layers,
      ...(slim ? slim.facts : {}),
      output,
      warnings,
      notices: [...notices, ...clamped],
      timingsMs: timer.ms,
      backend: backend.name,
      backendDetail: backend.description,
      sensitivityKernel: kernelFor(backend.name, args.kernel).name,
    };
  } finally {
    session.dispose();
  }
}

/**
 * The slim model of `zeroed` and what the JSON says of it: sizes (§7.5), MACs per sample, and the
 * median latency of a 64-sample predict (5 runs after 2 warm-ups) of both models on this backend.
 * The slim model is checked against the zeroed one on random inputs (maxAbsDiff).
 */
async function slimFacts(zeroed: tf.LayersModel) {
  const { model, report } = await shrinkModel(zeroed);
  try {
    const opts = { batch: 64, runs: 5, warmup: 2 };
    // In alternation, so that a load that comes and goes hits both alike.
    const t = await compareLatency(zeroed, model, opts);
    const maxAbsDiff = tf.tidy(() => {
      const xs = zeroed.inputs.map((t) => tf.randomNormal([16, ...t.shape.slice(1).map((d) => d ?? 1)]));
      const a = zeroed.predict(xs.length === 1 ? xs[0] : xs);
      const b = model.predict(xs.length === 1 ? xs[0] : xs);
      const as = Array.isArray(a) ? a : [a];
      const bs = Array.isArray(b) ? b : [b];
      return Math.max(...as.map((t, i) => t.sub(bs[i]).abs().max().dataSync()[0]));
    });
    return {
      model,
      facts: {
        slim: {
          paramsBefore: report.paramsBefore,
          paramsAfter: report.paramsAfter,
          nonzeroBefore: report.nonzeroBefore,
          nonzeroAfter: report.nonzeroAfter,
          removedChannels: report.removedChannels,
          maxAbsDiff,
          layers: report.layers,
        },
        macs: { dense: macsPerSample(zeroed), pruned: macsPerSample(model) },
        latencyMs: {
          dense: Math.round(t.aMs * 1000) / 1000,
          pruned: Math.round(t.bMs * 1000) / 1000,
          batch: opts.batch,
          runs: opts.runs,
        },
      },
    };
  } catch (e) {
    disposeModel(model);
    throw e;
  }
}

export async function runSweep(
  args: CommonArgs & { methods: MethodKey[]; sparsities: number[]; onPoint?: (p: SweepPoint) => void },
) {
  const timer = new Timer();
  const { backend, session, notices, warnings } = await open(args, timer);
  try {
    const sensitivityPlan = await prepareSession(session, args.methods, args, timer);
    const dense = await timer.time('evaluateDense', () => session.evaluate(null));
    const curves: Record<string, Omit<SweepPoint, 'method'>[]> = {};
    await timer.time('sweep', async () => {
      for await (const p of sweep(session, args.methods, args.sparsities, {
        seed: args.seed,
        limits: args.limits,
      })) {
        const { method, ...rest } = p;
        (curves[method] ??= []).push(rest);
        args.onPoint?.(p);
      }
    });
    return {
      command: 'sweep',
      model: args.model,
      dense: { accuracy: dense.accuracy, agreement: 1 },
      curves,
      limits: args.limits ?? null,
      ...sessionFacts(session),
      sensitivityPlan,
      seed: args.seed,
      totalParams: session.totalParams,
      warnings,
      notices,
      timingsMs: timer.ms,
      backend: backend.name,
      backendDetail: backend.description,
    };
  } finally {
    session.dispose();
  }
}

export async function runSensitivities(args: CommonArgs & { out: string; reduction: 'mean' | 'max' }) {
  const timer = new Timer();
  const { backend, session, notices } = await open(args, timer);
  try {
    // SiPP-Det uses the mean over conv positions, Rand/Hybrid the max (§1.4.5).
    const sensitivityPlan = await prepareSession(
      session,
      [args.reduction === 'mean' ? 'sipp-det' : 'sipp'],
      args,
      timer,
    );
    const sens = session.sensitivities(args.reduction)!;
    const arrays: Record<string, { shape: number[]; data: Float32Array }> = {};
    session.info.prunable.forEach((p, i) => (arrays[p.key] = { shape: p.kernelShape, data: sens[i] }));
    writeFileSync(args.out, encodeNpz(arrays));
    return {
      command: 'sensitivities',
      model: args.model,
      out: args.out,
      reduction: args.reduction,
      layers: session.info.prunable.map((p) => ({
        name: p.key,
        className: p.className,
        shape: p.kernelShape,
      })),
      ...sessionFacts(session),
      sensitivityPlan,
      notices,
      timingsMs: timer.ms,
      backend: backend.name,
      backendDetail: backend.description,
      sensitivityKernel: kernelFor(backend.name, args.kernel).name,
      memory: tf.memory().numBytes,
    };
  } finally {
    session.dispose();
  }
}

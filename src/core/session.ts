import * as tf from '@tensorflow/tfjs';
import type { Batch, LongCallOptions, MethodKey } from './types';
import { SippError } from './util/errors';
import { StageProgress } from './util/progress';
import { seededRandom } from './util/rng';
import { analyzeModel, type ModelInfo } from './model/prunable';
import { cloneModel, disposeModel } from './model/clone';
import { defaultSensitivityPoints } from './data/split';
import { computeSensitivities, planSensitivities, type SensitivityPlan } from './sensitivity/compute';
import type { Reduction } from './sensitivity/kernel';
import { agreement, predictClasses } from './evaluate/evaluate';
import { lossGradients } from './evaluate/gradients';
import { samplesPerChunk } from './memory/chunks';
import type { HostSamples } from './memory/samples';
import { METHODS } from './methods';
import { layerReport, unprunedResult, WeightBook } from './session-state';
import { applyLimits, keptByLimits, limitAxis, magnitude, resolveLimits } from './prune/limits';
import type { LayerWeights } from './prune/layout';
import { countNonzero } from './prune/layout';
import { keepTop, randomRanking, rankByScore, type Ranking } from './prune/global-topk';
import { SippPlan, type HybridDecision } from './prune/sipp';
import { uniformSparsify } from './baselines/uniform';
import { budgetFor, searchBudget, type SizeModel } from './prune/budget';
import { unreachableReason } from './prune/unreachable';
import { ChannelPlan, isChannelMethod } from './structured/plan';
import { checkpoint } from './util/progress';

import type { Evaluation, LayerReport, PruneOptions, PruneResult, SessionInit } from './session-types';

export type { Evaluation, LayerReport, PruneOptions, PruneResult, SessionInit } from './session-types';

/**
 * One model and one batch: scores computed once, then any number of prunings and evaluations.
 * Works on a private clone; the caller's model is never modified. Owns tensors until dispose().
 */
export class PruningSession {
  private readonly sens = new Map<Reduction, Float32Array[]>();
  private snip: Float32Array[] | null = null;
  private readonly rankings = new Map<string, Ranking>();
  private plan: SippPlan | null = null;
  private channels: ChannelPlan | null = null;
  private denseClasses: Int32Array | null = null;
  private sLabels: Int32Array | null = null;
  /** Kept weights per unit of budget at fixed calibration keep ratios, per method, seed and propagation. */
  private readonly yields = new Map<string, number>();

  private constructor(
    readonly info: ModelInfo,
    private readonly clone: tf.LayersModel,
    private readonly book: WeightBook,
    private readonly sX: tf.Tensor,
    /** On the JavaScript side, uploaded chunk by chunk (at 224x224x3 it is hundreds of MB). */
    private readonly evalX: HostSamples,
    readonly evalY: Int32Array | null,
    readonly sY: Int32Array | null,
    private readonly init: SessionInit,
  ) {}

  static async create(model: tf.LayersModel, batch: Batch, init: SessionInit = {}): Promise<PruningSession> {
    if (model.inputs.length !== 1 || model.outputs.length !== 1)
      throw new SippError(
        'multi-io',
        `models with ${model.inputs.length} inputs and ${model.outputs.length} outputs are not supported; one of each is`,
      );
    const clone = await cloneModel(model);
    const info = analyzeModel(clone);
    if (info.prunable.length === 0) {
      disposeModel(clone);
      throw new SippError(
        'no-prunable-layers',
        'the model has no layer to prune (Dense, Conv1D, Conv2D, SeparableConv2D, Conv2DTranspose, TimeDistributed of these)',
      );
    }
    const n = batch.xShape[0];
    const points =
      init.points ??
      defaultSensitivityPoints(
        info.prunable.map((p) => p.eta),
        n,
      );
    if (!Number.isInteger(points) || points < 1)
      throw new SippError('bad-points', `--points must be a positive integer, got ${points}`);
    if (points >= n)
      throw new SippError(
        'no-eval-points',
        `${batch.source}: ${n} samples and ${points} sensitivity points leave none for evaluation`,
      );
    const per = batch.xShape.slice(1);
    const size = per.reduce((a, b) => a * b, 1);
    const sX = tf.tensor(batch.x.subarray(0, points * size), [points, ...per]);
    // A view, not a copy: the batch must stay unchanged while the session lives.
    const evalX: HostSamples = { data: batch.x.subarray(points * size), shape: [n - points, ...per] };
    const book = await WeightBook.read(clone, info);
    const s = new PruningSession(
      info,
      clone,
      book,
      sX,
      evalX,
      batch.y ? batch.y.slice(points) : null,
      batch.y ? batch.y.slice(0, points) : null,
      init,
    );
    return s;
  }

  get points(): number {
    return this.sX.shape[0];
  }
  get evalPoints(): number {
    return this.evalX.shape[0];
  }
  /** The evaluation points, a view on the batch (for showing samples; never modify it). */
  get evalSamples(): HostSamples {
    return this.evalX;
  }
  get totalParams(): number {
    return this.book.totalParams();
  }

  dispose(): void {
    this.sX.dispose();
    disposeModel(this.clone);
  }

  private layerWeights(): LayerWeights[] {
    return this.info.prunable.map((p, li) => ({
      key: p.key,
      kernel: this.book.kernel(li),
      fanIn: p.fanIn,
      out: p.out,
      taps: p.taps,
      positions: p.positions,
    }));
  }

  /** Computes (once) every score the given methods need, with progress and cancel. */
  /** The reductions `methods` still need (none once computed). */
  private missingReductions(methods: MethodKey[]): Reduction[] {
    const reductions = new Set<Reduction>();
    for (const m of methods) {
      const need = METHODS[m].needs;
      if (need === 'sens-mean' && !this.sens.has('mean')) reductions.add('mean');
      if (need === 'sens-max' && !this.sens.has('max')) reductions.add('max');
    }
    return [...reductions];
  }

  /** What prepare(methods) will do for sensitivities (chunks, passes, bytes), before it runs; null: nothing. */
  sensitivityPlan(methods: MethodKey[]): SensitivityPlan | null {
    const reductions = this.missingReductions(methods);
    if (reductions.length === 0) return null;
    return planSensitivities(this.clone, this.info.prunable, this.sX, {
      reductions,
      kernel: this.init.kernel,
      chunkPoints: this.init.chunkPoints,
    });
  }

  async prepare(methods: MethodKey[], opts: LongCallOptions = {}): Promise<void> {
    const reductions = this.missingReductions(methods);
    this.book.apply(new Map());
    if (reductions.length > 0) {
      const res = await computeSensitivities(this.clone, this.info.prunable, this.sX, {
        reductions,
        kernel: this.init.kernel,
        chunkPoints: this.init.chunkPoints,
        signal: opts.signal,
        onProgress: opts.onProgress,
      });
      for (const [r, map] of res)
        this.sens.set(
          r,
          this.info.prunable.map((p) => map.get(p.key)!),
        );
    }
    if (methods.includes('snip') && !this.snip) this.snip = await this.snipScores(opts);
    // PFP's channel scores ride on the max pass just made: computed now, the first prune is quick.
    if (methods.some((m) => isChannelMethod(m) && m.startsWith('pfp'))) this.channelPlan().channelScores();
  }

  private channelPlan(): ChannelPlan {
    return (this.channels ??= new ChannelPlan(this.layerWeights(), () => this.sens.get('max')));
  }

  /** Labels for S: the batch's, or the original model's predictions when unlabeled (§7). */
  private async labelsForS(opts: LongCallOptions): Promise<Int32Array> {
    if (this.sY) return this.sY;
    if (!this.sLabels) {
      this.book.apply(new Map());
      this.sLabels = await predictClasses(this.clone, this.sX, this.evalChunk(), opts);
    }
    return this.sLabels;
  }

  private async snipScores(opts: LongCallOptions): Promise<Float32Array[]> {
    const labels = await this.labelsForS(opts);
    this.book.apply(new Map());
    const vars = this.info.prunable.map((p) => p.layer.weights[p.kernelIndex].read() as tf.Variable);
    // The reference's batches of 4 weight the mean (size-weighted mean of signed gradients, |·| at
    // the end), which is the gradient of the mean over all of S: one tape for as many samples as
    // fit gives the same scores, faster.
    const g = await lossGradients(this.clone, vars, this.sX, labels, this.gradChunk(Infinity), 'snip', opts);
    return g.mean.map((grad, li) => {
      const w = this.book.original[this.book.kernelVar[li]];
      // A plain loop: Float32Array.from with a map function took 30 ms on LeNet-300-100's 266k weights.
      const s = new Float32Array(grad.length);
      for (let k = 0; k < s.length; k++) s[k] = Math.abs(grad[k] * w[k]);
      return this.book.toRows(li, s);
    });
  }

  private ranking(method: MethodKey, seed: number): Ranking {
    const key = method === 'random' ? `random:${seed}` : method;
    let r = this.rankings.get(key);
    if (!r) {
      const layers = this.layerWeights();
      if (method === 'random') r = randomRanking(layers, seededRandom(seed));
      else {
        const scores =
          method === 'sipp-det'
            ? this.sens.get('mean')
            : method === 'snip'
              ? this.snip
              : layers.map((L) => Float32Array.from(L.kernel, Math.abs));
        if (!scores)
          throw new SippError('not-prepared', `scores for ${method} are not computed; call prepare() first`);
        r = rankByScore(layers, scores);
      }
      this.rankings.set(key, r);
    }
    return r;
  }

  private sippPlan(): SippPlan {
    const s = this.sens.get('max');
    if (!s) throw new SippError('not-prepared', 'sensitivities are not computed; call prepare() first');
    if (!this.plan) this.plan = new SippPlan(this.layerWeights(), s);
    return this.plan;
  }

  private sparsify(
    method: MethodKey,
    budget: number,
    seed: number,
  ): { kernels: Float32Array[]; hybrid?: HybridDecision } {
    const layers = this.layerWeights();
    switch (method) {
      case 'sipp-det':
      case 'wt':
      case 'snip':
      case 'random':
        return { kernels: keepTop(layers, this.ranking(method, seed), budget) };
      case 'sipp-rand':
        return { kernels: this.sippPlan().sparsifyRand(budget, seededRandom(seed)) };
      case 'sipp': {
        const r = this.sippPlan().sparsifyHybrid(budget, seededRandom(seed));
        return { kernels: r.kernels, hybrid: r.decision };
      }
      case 'uniform':
        return { kernels: uniformSparsify(layers, budget, seededRandom(seed)) };
      default: // the structured methods, src/core/structured (one shared max-sensitivity pass)
        return { kernels: this.channelPlan().sparsify(method, budget, seededRandom(seed)) };
    }
  }

  private sizeModel(): SizeModel {
    const total = this.book.totalParams();
    const compressible = this.book.kernelVar.reduce((s, vi) => s + countNonzero(this.book.original[vi]), 0);
    return {
      originalNonzero: total,
      fixedNonzero: this.book.nonzero(new Map()) - compressible,
      compressible,
    };
  }

  /** Prunes to `sparsity` (zero parameters over all parameters) with the budget search of §5.3. */
  async prune(method: MethodKey, sparsity: number, opts: PruneOptions = {}): Promise<PruneResult> {
    if (!(sparsity >= 0 && sparsity < 1))
      throw new SippError('bad-sparsity', `sparsity must be in [0, 1), got ${sparsity}`);
    if (!METHODS[method]) throw new SippError('unknown-method', `unknown method ${method}`);
    const seed = opts.seed ?? 0;
    const size = this.sizeModel();
    // No pruning is a valid answer: at 0 % every method returns the model as it is (a method's own
    // floor, e.g. weights of zero sensitivity, must not turn 0 % into 27 %).
    if (sparsity === 0 && !opts.propagate)
      return unprunedResult(method, seed, this.book, size, this.layerReport(new Map()));
    const limits = resolveLimits(opts.limits, this.layerWeights());
    await this.prepare([method], opts);
    const progress = new StageProgress('prune', 1, opts.onProgress);
    const scores = (li: number) =>
      (method === 'snip' ? this.snip?.[li] : this.sens.get('max')?.[li]) ??
      magnitude(this.layerWeights()[li]);
    const run = async (budget: number) => {
      await checkpoint(opts);
      const r = this.sparsify(method, budget, seed);
      if (limits) r.kernels = applyLimits(r.kernels, this.layerWeights(), limits, scores, limitAxis(method));
      const overrides = new Map<number, Float32Array>(
        r.kernels.map((k, li) => [this.book.kernelVar[li], this.book.toStored(li, k)]),
      );
      if (opts.propagate) await this.propagate(overrides, opts);
      return { size: this.book.nonzero(overrides), value: { ...r, overrides } };
    };
    const kr = 1 - sparsity;
    // A prefix cut keeps exactly B; channel allocations estimate their size (pfp-algorithm.md §2.2).
    const exact = !METHODS[method].random && !METHODS[method].structured && !opts.propagate && !limits;
    const key = `${method}:${seed}:${!!opts.propagate}:${limits ? JSON.stringify(limits.asked) : ''}`;
    const yieldGuess = exact ? 1 : await this.budgetYield(key, kr, size, run);
    const first = Math.round(budgetFor(kr, size) / yieldGuess);
    const search = await searchBudget(kr, size, run, 30, first);
    progress.finish();
    const { value } = search.best;
    const kernels = this.book.kernelVar.map((vi) => value.overrides.get(vi)!);
    const nonzero = this.book.nonzero(value.overrides);
    const prunableTotal = kernels.reduce((s, k) => s + k.length, 0);
    const prunableNonzero = kernels.reduce((s, k) => s + countNonzero(k), 0);
    return {
      method,
      targetSparsity: sparsity,
      achievedSparsity: 1 - nonzero / size.originalNonzero,
      prunableSparsity: 1 - prunableNonzero / prunableTotal,
      nonzeroParams: nonzero,
      totalParams: size.originalNonzero,
      withinTolerance: search.withinTolerance,
      unreachable: unreachableReason({
        methodName: METHODS[method].label,
        target: sparsity,
        achieved: 1 - nonzero / size.originalNonzero,
        size,
        structured: !!METHODS[method].structured,
        withinTolerance: search.withinTolerance,
        keptByLimits: limits ? keptByLimits(this.layerWeights(), limits) : 0,
      }),
      budget: search.best.budget,
      trials: search.trials,
      seed,
      propagated: !!opts.propagate,
      layers: this.layerReport(value.overrides),
      kernels,
      overrides: value.overrides,
      hybrid: value.hybrid,
      ...(limits ? { limits: limits.asked } : {}),
    };
  }

  /**
   * Sampling methods keep fewer distinct weights than their budget (ceilings, caps, repeated draws).
   * The first guess of the search divides B(kr) by that yield, interpolated in log kr between fixed
   * calibration points computed once each. Only fixed points enter, so a result depends on
   * (method, seed, sparsity) alone, never on which sparsities were asked before: runs repeat.
   */
  private async budgetYield(
    key: string,
    kr: number,
    size: SizeModel,
    run: (b: number) => Promise<{ size: number }>,
  ): Promise<number> {
    const grid = [0.5, 0.3, 0.2, 0.1, 0.05, 0.03, 0.02, 0.01, 0.005, 0.002];
    const at = async (g: number) => {
      const k = `${key}@${g}`;
      let y = this.yields.get(k);
      if (y === undefined) {
        const b = budgetFor(g, size);
        const kept = b > 0 ? (await run(b)).size - size.fixedNonzero : 0;
        y = b > 0 && kept > 0 ? kept / b : 1;
        this.yields.set(k, y);
      }
      return y;
    };
    const hi = grid.findIndex((g) => g <= kr);
    if (hi <= 0) return at(grid[hi === 0 ? 0 : grid.length - 1]);
    const [g0, g1] = [grid[hi - 1], grid[hi]];
    const t = Math.log(g0 / kr) / Math.log(g0 / g1);
    return (1 - t) * (await at(g0)) + t * (await at(g1));
  }

  /** §5.4 on the pruned weights: zero every parameter whose gradient on S is exactly 0 on every batch. */
  private async propagate(overrides: Map<number, Float32Array>, opts: LongCallOptions): Promise<void> {
    const labels = await this.labelsForS(opts);
    this.book.apply(overrides);
    const idx = this.book.vars
      .map((v, i) => (v.trainable && this.book.isParam[i] ? i : -1))
      .filter((i) => i >= 0);
    const vars = idx.map((i) => this.book.vars[i].read() as tf.Variable);
    const g = await lossGradients(this.clone, vars, this.sX, labels, this.gradChunk(4), 'propagate', opts);
    idx.forEach((vi, t) => {
      const cur = overrides.get(vi) ?? this.book.original[vi];
      let next: Float32Array | null = null;
      g.absSum[t].forEach((a, k) => {
        if (a === 0 && cur[k] !== 0) (next ??= Float32Array.from(cur))[k] = 0;
      });
      if (next) overrides.set(vi, next);
    });
  }

  layerReport(overrides: Map<number, Float32Array> = new Map()): LayerReport[] {
    return layerReport(this.info, this.book, overrides);
  }

  /** Accuracy (or agreement with the original) on the evaluation points; null result = the dense model. */
  async evaluate(result: PruneResult | null, opts: LongCallOptions = {}): Promise<Evaluation> {
    if (!this.denseClasses) {
      this.book.apply(new Map());
      this.denseClasses = await predictClasses(this.clone, this.evalX, this.evalChunk(), opts);
    }
    this.book.apply(result ? result.overrides : new Map());
    const cls = result
      ? await predictClasses(this.clone, this.evalX, this.evalChunk(), opts)
      : this.denseClasses;
    return {
      accuracy: this.evalY ? agreement(cls, this.evalY) : null,
      agreement: agreement(cls, this.denseClasses),
      evalPoints: this.evalPoints,
    };
  }

  /**
   * A new session whose original is `result` (e.g. a retrained step of a cascade): same S and
   * evaluation points, and agreement still measured against THIS session's dense model.
   */
  async derive(result: PruneResult): Promise<PruningSession> {
    await this.evaluate(null);
    this.book.apply(result.overrides);
    const clone = await cloneModel(this.clone);
    const info = analyzeModel(clone);
    const book = await WeightBook.read(clone, info);
    const s = new PruningSession(
      info,
      clone,
      book,
      this.sX.clone(),
      this.evalX,
      this.evalY,
      this.sY,
      this.init,
    );
    s.denseClasses = this.denseClasses;
    s.sLabels = this.sLabels;
    return s;
  }

  /**
   * Samples per gradient pass: the reference's batches of `reference` (they weight the mean,
   * which chunking leaves unchanged), fewer when their tape would not fit.
   */
  private gradChunk(reference: number): number {
    return Math.min(reference, samplesPerChunk(this.clone, { backward: true }));
  }

  /** Samples per forward pass, from the bytes of this model's activations on the current backend. */
  private evalChunk(): number {
    return samplesPerChunk(this.clone);
  }

  /** The private clone and its weight bookkeeping, for core/train (which trains the clone in place). */
  get weights(): WeightBook {
    return this.book;
  }
  get model(): tf.LayersModel {
    return this.clone;
  }

  /**
   * Accuracy and agreement of the clone exactly as it is now (inference mode), e.g. mid-training;
   * or of `model` (same inputs and classes, e.g. a written file loaded back) on the same points.
   */
  async evaluateInPlace(opts: LongCallOptions = {}, model = this.clone): Promise<Evaluation> {
    if (!this.denseClasses) throw new SippError('not-prepared', 'evaluate the dense model first');
    const cls = await predictClasses(model, this.evalX, this.evalChunk(), opts);
    return {
      accuracy: this.evalY ? agreement(cls, this.evalY) : null,
      agreement: agreement(cls, this.denseClasses),
      evalPoints: this.evalPoints,
    };
  }

  /** `base` with new values for (some or all) variables: sizes and per-layer counts recomputed. */
  resultWith(base: PruneResult, overrides: Map<number, Float32Array>): PruneResult {
    const kernels = this.book.kernelVar.map((vi) => overrides.get(vi) ?? this.book.original[vi]);
    const nonzero = this.book.nonzero(overrides);
    const prunableTotal = kernels.reduce((s, k) => s + k.length, 0);
    const prunableNonzero = kernels.reduce((s, k) => s + countNonzero(k), 0);
    return {
      ...base,
      achievedSparsity: 1 - nonzero / this.book.totalParams(),
      prunableSparsity: 1 - prunableNonzero / prunableTotal,
      nonzeroParams: nonzero,
      layers: this.layerReport(overrides),
      kernels,
      overrides,
    };
  }

  /** The private clone with `result` written into it (for export). Valid until the next call. */
  modelWith(result: PruneResult | null): tf.LayersModel {
    this.book.apply(result ? result.overrides : new Map());
    return this.clone;
  }

  /** Sensitivities of a reduction, per prunable layer (in the layout of its kernel variable), if computed. */
  sensitivities(reduction: Reduction): Float32Array[] | undefined {
    return this.sens.get(reduction)?.map((s, li) => this.book.toStored(li, s));
  }
}

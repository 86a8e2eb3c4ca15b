// What the worker holds between requests: the dropped files, the model and batch built from
// them, and the pruning session on top. `sync()` brings the loaded objects in line with the
// files, rebuilding only what changed; every change of session bumps `generation`.
import * as tf from '@tensorflow/tfjs';
import {
  analyzeModel,
  batchWarnings,
  defaultSensitivityPoints,
  fitBatchToModel,
  kernelFor,
  loadModel,
  parseBatchFiles,
  PruningSession,
  SippError,
  splitForTraining,
  type Batch,
  type LoadedBatch,
  type LoadedModel,
  type ModelInfo,
  type SanityWarning,
} from '../core';
import { explainOutOfMemory } from '../core/memory/chunks';
import { addToPool, baseName, sortPool, type PoolFile } from './files';
import type {
  BatchSummary,
  SessionOptions,
  SessionSummary,
  UserError,
  Workspace as WorkspaceMsg,
} from './protocol';
import { modelSummary } from './summaries';
import { TrainingData, type FitTarget } from './training-data';

const FOREIGN = /\.(h5|hdf5|keras|pb|pbtxt|onnx|tflite|pt|pth)$/i;

interface ModelState {
  files: PoolFile[];
  loaded: LoadedModel;
  info: ModelInfo;
}

interface BatchState {
  files: PoolFile[];
  loaded: LoadedBatch;
}

export function toUserError(raw: unknown, where: UserError['where']): UserError {
  const e = explainOutOfMemory(
    raw,
    'The engine',
    'Use fewer sensitivity points, a batch with fewer or smaller samples, or a smaller training batch size.',
  );
  if (e instanceof SippError) return { where, code: e.code, message: e.message };
  const message = e instanceof Error ? e.message : String(e);
  return { where, code: 'internal', message: `Something went wrong: ${message}` };
}

function sameFiles(a: PoolFile[], b: PoolFile[]): boolean {
  return a.length === b.length && a.every((f, i) => f === b[i]);
}

function freeModel(m: tf.LayersModel): void {
  // LayersModel.dispose leaves the variables of a model built from JSON alive: free them directly.
  for (const w of m.weights) {
    try {
      const v = w.read();
      if (!v.isDisposed) v.dispose();
    } catch {
      // already disposed with its layer
    }
  }
}

export class Workspace {
  pool: PoolFile[] = [];
  options: SessionOptions = { scaleUint8: false, points: null };
  model: ModelState | null = null;
  batch: BatchState | null = null;
  session: PruningSession | null = null;
  /** The training set (files or a split of the batch) and the lottery ticket's initial weights. */
  readonly training = new TrainingData();
  generation = 0;
  private sessionKey: { model: ModelState; batch: BatchState; options: string } | null = null;
  private batchInfo: BatchSummary | null = null;
  private passPlan: SessionSummary['pass'] = null;
  private warnings: SanityWarning[] = [];
  /** Names given to models this session, by what the model is (files and sizes): never reused. */
  private readonly names = new Map<string, string>();
  private errors: UserError[] = [];
  private missing: string[] = [];
  /** The last files that failed to load, with why: not retried until they change. */
  private failed: {
    model: PoolFile[];
    modelError: UserError | null;
    batch: PoolFile[];
    batchError: UserError | null;
  } = { model: [], modelError: null, batch: [], batchError: null };

  add(files: PoolFile[]): void {
    this.pool = addToPool(this.pool, files);
  }

  clear(): void {
    this.pool = [];
  }

  /** Frees every tensor (the files stay): for a backend switch, after which sync() rebuilds. */
  unload(): void {
    this.dropSession();
    if (this.model) freeModel(this.model.loaded.model);
    this.model = null;
    this.training.unload();
  }

  /** What a training set is fitted to: the loaded model and the "divide by 255" switch. */
  fitTarget(): FitTarget | null {
    if (!this.model) return null;
    return {
      inputShape: this.model.loaded.model.inputs[0].shape,
      numClasses: this.model.info.numClasses,
      scaleUint8: this.options.scaleUint8,
    };
  }

  /** New training files (none: remove the set); the session is not touched. */
  setTrainingFiles(files: PoolFile[]): void {
    this.training.setFiles(files, this.fitTarget());
  }

  /**
   * `name`, or `name-2`, `name-3`... when another model of this session already has it: two
   * models never produce downloads of the same name. The same files dropped again keep theirs.
   */
  private uniqueName(name: string, files: PoolFile[]): string {
    const id = files.map((f) => `${f.name}:${f.data.byteLength}`).join('|');
    const known = this.names.get(id);
    if (known) return known;
    const taken = new Set(this.names.values());
    let unique = name;
    for (let k = 2; taken.has(unique); k++) unique = `${name}-${k}`;
    this.names.set(id, unique);
    return unique;
  }

  private dropSession(): void {
    if (this.session) {
      this.session.dispose();
      this.generation++;
    }
    this.session = null;
    this.sessionKey = null;
  }

  async sync(): Promise<void> {
    const sorted = sortPool(this.pool);
    this.errors = [];
    this.missing = sorted.missing;
    for (const f of sorted.entries.filter((e) => e.role === 'unknown' || e.role === 'unused')) {
      if (FOREIGN.test(f.name)) {
        const file = this.pool.find((p) => p.name === f.name)!;
        await loadModel([file]).catch((e: unknown) => this.errors.push(toUserError(e, 'files')));
      } else if (/\.[A-Za-z0-9]+$/.test(baseName(f.name)) && !/\.bin$/i.test(f.name)) {
        // Shards may lack an extension; anything else with one is not ours.
        this.errors.push({
          where: 'files',
          code: 'file-not-recognised',
          message:
            `${f.name} is not a model.json, a weight file named in it, or a batch (.npz, .npy or .json); ` +
            'it is ignored.',
        });
      }
    }

    const modelFiles = sorted.modelComplete && sorted.modelJson ? [sorted.modelJson, ...sorted.shards] : [];
    if (!this.model || !sameFiles(this.model.files, modelFiles)) {
      this.dropSession();
      if (this.model) freeModel(this.model.loaded.model);
      this.model = null;
      if (modelFiles.length > 0 && sameFiles(this.failed.model, modelFiles) && this.failed.modelError) {
        this.errors.push(this.failed.modelError);
      } else if (modelFiles.length > 0) {
        try {
          const loaded = await loadModel(modelFiles);
          loaded.name = this.uniqueName(loaded.name, modelFiles);
          try {
            this.model = { files: modelFiles, loaded, info: analyzeModel(loaded.model) };
            // The demo's training data and initial weights belong to the demo's model.
            if (!modelFiles.some((f) => f.demo)) this.training.dropDemo();
          } catch (e) {
            freeModel(loaded.model);
            throw e;
          }
        } catch (e) {
          this.failed.model = modelFiles;
          this.failed.modelError = toUserError(e, 'model');
          this.errors.push(this.failed.modelError);
        }
      }
    }

    const batchFiles = sorted.batch;
    const pairMissing = sorted.missing.some((m) => m.startsWith('the inputs .npy'));
    if (!this.batch || !sameFiles(this.batch.files, batchFiles)) {
      this.dropSession();
      this.batch = null;
      if (
        batchFiles.length > 0 &&
        !pairMissing &&
        sameFiles(this.failed.batch, batchFiles) &&
        this.failed.batchError
      ) {
        this.errors.push(this.failed.batchError);
      } else if (batchFiles.length > 0 && !pairMissing) {
        try {
          this.batch = { files: batchFiles, loaded: parseBatchFiles(batchFiles) };
        } catch (e) {
          this.failed.batch = batchFiles;
          this.failed.batchError = toUserError(e, 'batch');
          this.errors.push(this.failed.batchError);
        }
      }
    }
    await this.syncSession();
    this.training.refit(this.fitTarget());
  }

  /**
   * The options as they act on the session: the uint8 switch only matters for a batch of 0..255
   * values (so that turning it on for a uint8 training set keeps a float batch's sensitivities).
   */
  private sessionOptions(batch: BatchState): string {
    return JSON.stringify({
      points: this.options.points,
      scaleUint8: this.scaleBatch(batch),
      split: this.options.trainSplit ?? null,
    });
  }

  /** The switch as it acts on the batch: only a batch of 0..255 values is scaled (or told it is not). */
  private scaleBatch(batch: BatchState): boolean {
    const notices = batch.loaded.notices;
    const bytes =
      batch.loaded.sourceDtype === 'uint8' || notices.some((n) => n.includes('integers in 0..255'));
    return bytes && this.options.scaleUint8;
  }

  private async syncSession(): Promise<void> {
    const { model, batch } = this;
    const options = batch ? this.sessionOptions(batch) : '';
    const key = this.sessionKey;
    if (model && batch && key && key.model === model && key.batch === batch && key.options === options)
      return;
    this.dropSession();
    this.warnings = [];
    this.training.setSplit(null);
    this.batchInfo = batch ? this.describeBatch(batch.loaded, null) : null;
    if (!model || !batch) return;
    let fitted: Batch;
    try {
      fitted = fitBatchToModel(batch.loaded, model.loaded.model.inputs[0].shape, model.info.numClasses, {
        scaleUint8: this.scaleBatch(batch),
      });
      this.batchInfo = this.describeBatch(batch.loaded, fitted);
    } catch (e) {
      this.errors.push(toUserError(e, 'batch'));
      return;
    }
    const split = this.options.trainSplit;
    if (split) {
      // Train on one part, prune and evaluate on the other: no evaluation sample is trained on.
      try {
        const parts = splitForTraining(fitted, split.fraction, split.seed);
        this.training.setSplit({ set: parts.train, description: parts.description });
        fitted = parts.batch;
        this.batchInfo = this.describeBatch(batch.loaded, fitted);
      } catch (e) {
        this.errors.push(toUserError(e, 'train'));
      }
    }
    try {
      this.session = await PruningSession.create(model.loaded.model, fitted, {
        points: this.options.points ?? undefined,
        kernel: kernelFor(tf.getBackend()),
      });
      this.sessionKey = { model, batch, options };
      // Planned once, before any pass: the app shows it beside the points so the user can lower them.
      const plan = this.session.sensitivityPlan(['sipp', 'sipp-det']);
      this.passPlan = plan
        ? {
            chunkPoints: plan.chunkPoints,
            forwardPasses: plan.forwardPasses,
            workingBytes: plan.workingBytes,
          }
        : null;
      // The dense model on the evaluation points (one forward pass, kept by the session): what the
      // sanity warnings next to the batch need.
      const dense = await this.session.evaluate(null);
      this.warnings = batchWarnings(
        model.loaded.model,
        fitted,
        model.info.numClasses,
        dense.accuracy,
        this.session.evalPoints,
      );
      this.generation++;
    } catch (e) {
      const where = e instanceof SippError && /prunable|multi-io/.test(e.code) ? 'model' : 'batch';
      this.errors.push(toUserError(e, where));
    }
  }

  private describeBatch(b: LoadedBatch, fitted: ReturnType<typeof fitBatchToModel> | null): BatchSummary {
    const notices = fitted ? fitted.notices : b.notices;
    return {
      source: b.source,
      samples: b.xShape[0] ?? 0,
      shape: fitted ? fitted.xShape : b.xShape,
      labelled: b.y !== null,
      dtype: b.sourceDtype,
      looksUint8: b.sourceDtype === 'uint8' || notices.some((n) => n.includes('integers in 0..255')),
      scaled: this.options.scaleUint8 && notices.some((n) => n.includes('divided by 255')),
      notices,
    };
  }

  summary(): WorkspaceMsg {
    const sorted = sortPool(this.pool);
    const s = this.session;
    return {
      files: sorted.entries,
      missing: this.missing,
      model: this.model ? modelSummary(this.model.loaded, this.model.info) : null,
      batch: this.batchInfo,
      session: s
        ? {
            points: s.points,
            evalPoints: s.evalPoints,
            defaultPoints: defaultSensitivityPoints(
              s.info.prunable.map((p) => p.eta),
              s.points + s.evalPoints,
            ),
            pass: this.passPlan,
            warnings: this.warnings.map((w) => ({ ...w })),
          }
        : null,
      errors: this.errors,
      ready: s !== null,
      training: this.training.summary(),
      generation: this.generation,
    };
  }
}

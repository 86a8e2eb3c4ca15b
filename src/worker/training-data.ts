// What retraining learns from, held beside the workspace: the training set's files (parsed against
// the loaded model; uint8 pixels stay bytes, viewed in place on the transferred buffers), or a
// seeded split of the batch, and the lottery ticket's initial weights. A set that fails to load
// leaves the one before it in place, and never touches the model, the batch or the session.
import type * as tf from '@tensorflow/tfjs';
import { loadModel, parseTrainingFiles, SippError, type LoadedModel, type TrainingSet } from '../core';
import { baseName, sortPool, type PoolFile } from './files';
import type { FileEntry, InitSummary, TrainingSummary, TrainSetSummary, UserError } from './protocol';

/**
 * Largest training set kept (x as stored: bytes for uint8, float32 otherwise). 60,000 MNIST digits
 * take 47 MB as uint8 and 188 MB as float32; the worker also holds the unpacked file meanwhile.
 */
export const TRAIN_MAX_BYTES = 256 * 2 ** 20;

/** The model a training set is fitted to (batch axis first). */
export interface FitTarget {
  inputShape: (number | null)[];
  numClasses: number;
  scaleUint8: boolean;
}

interface Parsed {
  files: PoolFile[];
  target: string;
  set: TrainingSet;
}

function entries(files: PoolFile[], role: FileEntry['role']): FileEntry[] {
  return files.map((f) => ({ name: f.name, bytes: f.data.byteLength, role, demo: f.demo }));
}

function toError(e: unknown, where: UserError['where']): UserError {
  if (e instanceof SippError) return { where, code: e.code, message: e.message };
  const message = e instanceof Error ? e.message : String(e);
  return { where, code: 'internal', message: `Something went wrong: ${message}` };
}

function freeModel(m: tf.LayersModel): void {
  for (const w of m.weights) {
    try {
      const v = w.read();
      if (!v.isDisposed) v.dispose();
    } catch {
      // already disposed with its layer
    }
  }
}

export class TrainingData {
  maxBytes = TRAIN_MAX_BYTES;
  /** The files of the set in use (or waiting for a model); replaced only by files that load. */
  private files: PoolFile[] = [];
  private parsed: Parsed | null = null;
  private split: { set: TrainingSet; description: string } | null = null;
  private setError: UserError | null = null;
  private initFiles: PoolFile[] = [];
  private initModel: LoadedModel | null = null;
  private initMissing: string[] = [];
  private initError: UserError | null = null;

  /** The set training uses: the files' (when given), else the batch's split, else null. */
  get set(): TrainingSet | null {
    if (this.files.length > 0) return this.parsed?.set ?? null;
    return this.split?.set ?? null;
  }

  get hasFiles(): boolean {
    return this.files.length > 0;
  }

  get init(): { model: tf.LayersModel; name: string } | null {
    return this.initModel
      ? { model: this.initModel.model, name: this.initFiles[0]?.name ?? 'initial weights' }
      : null;
  }

  /**
   * New training files. Parsed at once when the model is known; when they fail, the error names the
   * file and the previous set stays. No files: the training set is removed.
   */
  setFiles(files: PoolFile[], target: FitTarget | null): void {
    this.setError = null;
    if (files.length === 0) {
      this.files = [];
      this.parsed = null;
      return;
    }
    if (!target) {
      this.files = files;
      this.parsed = null;
      return;
    }
    try {
      this.parsed = this.parse(files, target);
      this.files = files;
    } catch (e) {
      this.setError = toError(e, 'train');
    }
  }

  /** The model or the scaling changed: the files are fitted again (a failure then removes the set). */
  refit(target: FitTarget | null): void {
    if (this.files.length === 0) return;
    if (!target) {
      this.parsed = null;
      return;
    }
    if (this.parsed && this.parsed.target === JSON.stringify(target)) return;
    this.setError = null;
    try {
      this.parsed = this.parse(this.files, target);
    } catch (e) {
      this.parsed = null;
      this.setError = toError(e, 'train');
    }
  }

  private parse(files: PoolFile[], target: FitTarget): Parsed {
    const set = parseTrainingFiles(files, target.inputShape, target.numClasses, {
      scaleUint8: target.scaleUint8,
      maxBytes: this.maxBytes,
    });
    return { files, target: JSON.stringify(target), set };
  }

  setSplit(split: { set: TrainingSet; description: string } | null): void {
    this.split = split;
  }

  /** A user's model came in: the demo's training data is not for it. */
  dropDemo(): void {
    if (this.files.some((f) => f.demo)) this.setFiles([], null);
    if (this.initFiles.some((f) => f.demo)) this.clearInit();
  }

  private clearInit(): void {
    if (this.initModel) freeModel(this.initModel.model);
    this.initModel = null;
    this.initFiles = [];
    this.initMissing = [];
    this.initError = null;
  }

  /** New initial weights for the lottery ticket: loaded once every shard is there. */
  async setInit(files: PoolFile[]): Promise<void> {
    if (files.length === 0) {
      this.clearInit();
      return;
    }
    // A drop with a model.json replaces the initial weights; one without adds shards to them.
    const names = new Set(files.map((f) => f.name));
    const pool = files.some((f) => /\.json$/i.test(f.name))
      ? files
      : [...this.initFiles.filter((f) => !names.has(f.name)), ...files];
    const sorted = sortPool(pool);
    if (this.initModel) freeModel(this.initModel.model);
    this.initModel = null;
    this.initError = null;
    this.initFiles = pool;
    this.initMissing = sorted.missing.filter((m) => !m.startsWith('a batch') && !m.startsWith('the inputs'));
    const stray = pool.filter((f) => f !== sorted.modelJson && !sorted.shards.includes(f));
    if (stray.length > 0 && sorted.modelJson) {
      this.initError = {
        where: 'train-init',
        code: 'file-not-recognised',
        message: `${stray.map((f) => f.name).join(', ')}: not a weight file named in ${sorted.modelJson.name}; ignored.`,
      };
    }
    if (!sorted.modelJson || !sorted.modelComplete) return;
    try {
      this.initModel = await loadModel([sorted.modelJson, ...sorted.shards]);
    } catch (e) {
      this.initError = toError(e, 'train-init');
    }
  }

  /** Frees every tensor (the files stay). */
  unload(): void {
    if (this.initModel) freeModel(this.initModel.model);
    this.initModel = null;
  }

  private setSummary(): TrainSetSummary | null {
    const set = this.set;
    if (!set) return null;
    const fromSplit = !this.parsed;
    return {
      source: set.source,
      samples: set.shape[0] ?? 0,
      shape: set.shape,
      labelled: set.y !== null,
      dtype: set.sourceDtype,
      looksUint8:
        !fromSplit &&
        (set.sourceDtype === 'uint8' || set.notices.some((n) => n.includes('integers in 0..255'))),
      scaled: set.scale !== 1,
      bytes: set.x.byteLength,
      notices: set.notices,
      split: fromSplit ? (this.split?.description ?? null) : null,
      demo: !fromSplit && this.files.some((f) => f.demo),
    };
  }

  summary(): TrainingSummary {
    const errors: UserError[] = [];
    if (this.setError) errors.push(this.setError);
    if (this.initError) errors.push(this.initError);
    const init: InitSummary | null = this.initModel
      ? {
          name: this.initModel.name,
          files: this.initFiles.map((f) => baseName(f.name)),
          params: this.initModel.model.countParams(),
          demo: this.initFiles.some((f) => f.demo),
        }
      : null;
    return {
      files: entries(this.files, 'batch'),
      set: this.setSummary(),
      initFiles: entries(this.initFiles, 'model'),
      init,
      initMissing: this.initMissing,
      errors,
    };
  }
}

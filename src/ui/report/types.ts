// A kept run: everything needed to show, compare and report a pruning result later, on another
// day or another machine, without the model. Plain JSON (it is stored in IndexedDB, exported as a
// file and read by the HTML report); no tfjs, so the page and the CLI share it (src/cli imports this folder).
import type { ClassRow, ConfusionShift, FlipRow } from '../../worker/protocol';

/** Bumped when a field changes meaning; older records are refused on import with a message. */
export const RECORD_SCHEMA = 1;

export interface RunCurvePoint {
  method: string;
  sparsity: number;
  achievedSparsity: number;
  accuracy: number | null;
  agreement: number;
}

export interface RunLayer {
  name: string;
  className: string;
  params: number;
  nonzero: number;
  prunable: boolean;
}

export interface RunClasses {
  labelled: boolean;
  numClasses: number;
  rows: ClassRow[];
  shifts: ConfusionShift[];
  lost: number;
  gained: number;
  changed: number;
}

export interface RunRecord {
  schema: typeof RECORD_SCHEMA;
  id: string;
  /** The user's name for the run (renamable). */
  name: string;
  /** ISO 8601. */
  createdAt: string;
  toolVersion: string;
  model: {
    name: string;
    /** SHA-256 (hex) of the model's files: a run is only shown against the same model. */
    fingerprint: string;
    totalParams: number;
    inputShape: (number | null)[];
    numClasses: number;
  };
  batch: {
    source: string;
    /** SHA-256 (hex) of the batch file(s). */
    fingerprint: string;
    samples: number;
    labelled: boolean;
    /** Sensitivity points (the first samples); the rest are the evaluation points. */
    points: number;
    evalPoints: number;
    scaled: boolean;
  };
  settings: {
    method: string;
    methodLabel: string;
    targetSparsity: number;
    seed: number;
    propagate: boolean;
    /** Per-layer limits of the pruning (layers excluded, sparsity caps), when any were set. */
    limits?: { exclude?: string[]; maxSparsity?: Record<string, number> } | null;
    /** Set for a retrained model: how it was retrained, in words and as settings. */
    retrained: { description: string; protocol: string; settings: Record<string, unknown> } | null;
  };
  metrics: {
    achievedSparsity: number;
    nonzeroParams: number;
    totalParams: number;
    accuracyDense: number | null;
    accuracy: number | null;
    /** Top-1 agreement with the dense model. */
    agreement: number;
    gzipBytes: number | null;
  };
  /** Prune-only accuracy against sparsity, of every method computed when the run was kept. */
  curves: RunCurvePoint[];
  layers: RunLayer[];
  classes: RunClasses;
  /** Flipped evaluation samples (lost, gained, changed), indices into the evaluation points. */
  flips: FlipRow[];
  /** The model's top-1 class per evaluation point: what two runs on the same files disagree on. */
  predictions: number[];
  /** The pruned model's files, only when the user asked to keep them (base64). */
  weights: { files: { name: string; base64: string }[]; bytes: number } | null;
}

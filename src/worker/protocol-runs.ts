// Messages for seeing what pruning did (per class, flipped samples) and for keeping runs:
// split out of protocol.ts, which re-exports them and joins them into its unions. Type-only
// imports from the core: the page imports this file.
import type { ClassRow, ConfusionShift } from '../core/evaluate/per-class';
import type { FlipKind, FlipRow } from '../core/evaluate/flips';
import type { SampleLayout } from '../core/evaluate/sample-layout';
import type { MethodKey } from '../core/types';
// Type-only, so no cycle at run time: protocol.ts re-exports this file.
import type { PruneParams } from './protocol';

export type { ClassRow, ConfusionShift, FlipKind, FlipRow, SampleLayout };
// Pure (no tfjs): the page compares two kept runs' predictions with it.
export { disagreements } from '../core/evaluate/flips';

/**
 * The model of the classes request: the slider's pruning (the same parameters as 'prune', per-layer
 * limits included) or, with resultId, a retrained model kept in the worker (TrainedSummary.resultId).
 */
export type ClassesParams = PruneParams & { resultId?: string };

/** The pruned model against the dense one on the evaluation points, as summaries. */
export interface ClassesSummary {
  method: MethodKey;
  targetSparsity: number;
  seed: number;
  propagate: boolean;
  resultId: string | null;
  labelled: boolean;
  numClasses: number;
  /** Sensitivity points: evaluation index i is batch sample points + i. */
  points: number;
  evalPoints: number;
  accuracyDense: number | null;
  accuracyPruned: number | null;
  agreement: number;
  /** Per class, largest damage first (core/evaluate/per-class.ts). */
  classes: ClassRow[];
  /** Where the lost samples went, most frequent first. */
  shifts: ConfusionShift[];
  /** Every flipped sample: lost first, then gained, then changed. */
  flips: FlipRow[];
  /** The pruned model's top-1 class per evaluation point (for comparing two kept runs). */
  predictions: number[];
  layout: SampleLayout;
}

/** One evaluation sample as the page draws it. */
export interface SampleView {
  index: number;
  /** Pixels (image layouts; subsampled when large, see height/width), row-major, channels last. */
  pixels: Float32Array | null;
  height: number;
  width: number;
  /** The largest values by magnitude (every layout: the fallback when it is not a picture). */
  top: { index: number; value: number }[];
}

export interface Fingerprints {
  /** SHA-256 (hex) of the model's files (model.json and shards, by name), or null without a model. */
  model: string | null;
  /** SHA-256 (hex) of the batch file(s), or null without a batch. */
  batch: string | null;
}

export type RunsRequest =
  | ({ type: 'classes'; id: number } & ClassesParams)
  /** Evaluation samples by index (at most SAMPLES_PER_REQUEST of them). */
  | { type: 'samples'; id: number; indices: number[] }
  | { type: 'fingerprint'; id: number };

export type RunsEvent =
  | { type: 'classes'; id: number; report: ClassesSummary }
  | { type: 'samples'; id: number; samples: SampleView[]; layout: SampleLayout }
  | { type: 'fingerprint'; id: number; fingerprints: Fingerprints };

/** Each request is settled by the event of the same name. */
export interface RunsResultOf {
  classes: 'classes';
  samples: 'samples';
  fingerprint: 'fingerprint';
}

/** One page of pictures: never thousands of canvases at once. */
export const SAMPLES_PER_REQUEST = 48;

export const RUNS_EVENT_TYPES: readonly RunsEvent['type'][] = ['classes', 'samples', 'fingerprint'];

export function isRunsEvent(e: { type: string }): e is RunsEvent {
  return (RUNS_EVENT_TYPES as readonly string[]).includes(e.type);
}

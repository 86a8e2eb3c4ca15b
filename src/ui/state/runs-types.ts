// The state of the "what pruning did" views and the run history: plain data, replaced on change.
import type { RunRecord } from '../report/types';
import type {
  ClassesSummary,
  Fingerprints,
  FlipKind,
  SampleLayout,
  SampleView,
  UserError,
} from '../../worker/protocol';

export type FlipFilter = 'all' | FlipKind;

export interface Notice {
  kind: 'ok' | 'error';
  text: string;
}

export interface RunsState {
  /** The per-class summary of the model on screen, once the worker has sent it. */
  classes: ClassesSummary | null;
  /** The view (see viewKey) the summary belongs to; a different one means it is out of date. */
  classesFor: string | null;
  classesPending: boolean;
  classesError: UserError | null;
  flipFilter: FlipFilter;
  flipPage: number;
  /** Samples already fetched for this model + batch, by evaluation index. */
  samples: Record<number, SampleView>;
  layout: SampleLayout | null;
  samplesError: UserError | null;
  /** Fingerprints of the files loaded now, and the workspace they are for. */
  prints: Fingerprints | null;
  printsFor: string | null;
  /** Kept runs, newest first. */
  records: RunRecord[];
  /** IndexedDB answered (false: still opening, or not available, see historyError). */
  historyReady: boolean;
  historyError: string | null;
  /** The last keep/rename/delete/import/restore, in words. */
  notice: Notice | null;
  keepWeights: boolean;
  busy: boolean;
  /** Runs ticked for comparison (ids, in the order ticked). */
  selected: string[];
  compareOpen: boolean;
}

export function initialRuns(): RunsState {
  return {
    classes: null,
    classesFor: null,
    classesPending: false,
    classesError: null,
    flipFilter: 'all',
    flipPage: 0,
    samples: {},
    layout: null,
    samplesError: null,
    prints: null,
    printsFor: null,
    records: [],
    historyReady: false,
    historyError: null,
    notice: null,
    keepWeights: false,
    busy: false,
    selected: [],
    compareOpen: false,
  };
}

/** Flipped samples per page: a page of canvases, never thousands at once. */
export const FLIPS_PER_PAGE = 24;

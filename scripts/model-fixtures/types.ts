import type { ModelSpec } from './specs';

export interface FixtureFile {
  name: string;
  data: Uint8Array;
}

export type Expect =
  | {
      ok: true;
      /** model.layers.length of the loaded model (top level). */
      layers: number;
      outputShape: Array<number | null>;
      /**
       * JSON with input, inputShape and the source model's output on it. Absent only where
       * `predictFails` says that tfjs cannot run the model at all.
       */
      reference?: string;
      /** tfjs 4.22 cannot run this model (e.g. causal Conv1D): a substring of the error predict throws. */
      predictFails?: string;
      /** Substring that some notice must contain. */
      notice?: string;
      /** Expected LoadedModel.name when the case is about naming. */
      name?: string;
      /** analyzeModel on the loaded model: every prunable layer, in model order. */
      prunable?: PrunableOutcome[];
      /** analyzeModel on the loaded model: every layer with parameters that is not pruned, in order. */
      skipped?: SkippedOutcome[];
    }
  | { error: string; /** substring of the message */ message?: string };

export interface PrunableOutcome {
  /** PrunableLayer.key ('time_distributed', 'inner/dense'). */
  key: string;
  /** PrunableLayer.className ('Conv1D', 'TimeDistributed(Dense)'). */
  className: string;
}

export interface SkippedOutcome {
  key: string;
  /** Substring of LayerSummary.skippedReason. */
  reason: string;
}

export interface Case {
  id: string;
  why: string;
  /** Paths relative to the fixtures folder; also the names handed to loadModel. */
  files: string[];
  expect: Expect;
}

export interface Variant {
  spec: ModelSpec;
  json: Record<string, unknown>;
  files: FixtureFile[];
  expect: Expect;
}

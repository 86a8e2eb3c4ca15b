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
      /** JSON with input, inputShape and the source model's output on it. */
      reference: string;
      /** Substring that some notice must contain. */
      notice?: string;
      /** Expected LoadedModel.name when the case is about naming. */
      name?: string;
    }
  | { error: string; /** substring of the message */ message?: string };

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

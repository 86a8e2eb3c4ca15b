// Types shared by every part of the core. Plain data only: these cross the worker boundary.

export const METHOD_KEYS = [
  'sipp',
  'sipp-det',
  'sipp-rand',
  'wt',
  'snip',
  'uniform',
  'random',
  'pfp',
  'pfp-rand',
  'pfp-top',
  'filter-norm',
  'softnet',
  'filter-uniform',
] as const;
export type MethodKey = (typeof METHOD_KEYS)[number];

/** One step of a long call. `done` never decreases within a stage and ends equal to `total`. */
export interface Progress {
  stage: string;
  done: number;
  total: number;
}
export type ProgressFn = (p: Progress) => void;

export interface LongCallOptions {
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

/** Bytes of one file, from a browser `File` or a Node path alike. */
export interface NamedBytes {
  name: string;
  data: Uint8Array;
}

/**
 * A batch of samples ready for a model. `x` is row-major with shape `xShape` ([N, ...sample]).
 * `y` holds integer class labels (one-hot rows are converted on parse) or is null when unlabeled.
 */
export interface Batch {
  x: Float32Array;
  xShape: number[];
  y: Int32Array | null;
  /** Human-readable notes about what was done on the way in (reshape, dtype conversion, ...). */
  notices: string[];
  /** File name(s) the batch came from, for messages. */
  source: string;
  /** dtype of x in the file, before conversion to float32. */
  sourceDtype: string;
}

/** Convolution geometry of a Conv2D layer, in Keras terms (channels last). */
export interface ConvGeometry {
  kernelSize: [number, number];
  strides: [number, number];
  dilation: [number, number];
  padding: 'valid' | 'same';
}

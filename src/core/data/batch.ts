// Turning the file(s) a user picked into one Batch.
//
// Accepted selections:
//   - one .npz with arrays x and optional y (np.savez / np.savez_compressed);
//   - one .json: {"x": nested arrays, "y": labels} (y optional);
//   - one .npy: inputs only, unlabeled;
//   - two .npy files, one for inputs and one for labels.
// Which .npy of a pair is which comes from its name: split the name without ".npy" at '_', '-', '.'
// and spaces (case ignored); if the first or last part is "x" it holds inputs, if "y" labels.
// So x.npy / y.npy, x_test.npy / y_test.npy and mnist-x.npy / mnist-y.npy all pair up.

import type { Batch, NamedBytes } from '../types';
import { plainFiles, SippError } from '../util/errors';
import { toInputs, toLabels, type NumericArray } from './convert';
import { parseBatchJson } from './json';
import { parseNpy, parseNpyView } from './npy';
import { parseNpz, type NpzOptions } from './npz';
import { formatShape } from './shape';

/** A Batch fresh from files; `oneHotWidth` keeps the width of one-hot labels so it can be checked later. */
export interface LoadedBatch extends Batch {
  oneHotWidth: number | null;
}

const PAIR_RULE =
  'name the inputs file x.npy, x_<anything>.npy or <anything>_x.npy and the labels file likewise with y ' +
  "('-' also works in place of '_')";

function baseName(name: string): string {
  return name.split(/[\\/]/).pop() ?? name;
}

function extension(name: string): string {
  const base = baseName(name).toLowerCase();
  const dot = base.lastIndexOf('.');
  return dot < 0 ? '' : base.slice(dot);
}

/** 'x', 'y' or null for a .npy file name, by the rule in the header comment. */
export function pairRole(name: string): 'x' | 'y' | null {
  const stem = baseName(name)
    .replace(/\.npy$/i, '')
    .toLowerCase();
  const parts = stem.split(/[_\-.\s]+/).filter((p) => p.length > 0);
  const ends = [parts[0], parts[parts.length - 1]];
  const isX = ends.includes('x');
  const isY = ends.includes('y');
  if (isX === isY) return null;
  return isX ? 'x' : 'y';
}

export interface Sources {
  /** Names for messages: the whole selection, the inputs file, the labels file. */
  source: string;
  xFile: string;
  yFile: string;
  /** The values came from JSON text (doubles without a dtype of their own). */
  fromText?: boolean;
}

/** The arrays of a selection as read, before any conversion: what parseBatchFiles and training share. */
export interface RawBatchArrays {
  x: NumericArray;
  y: NumericArray | null;
  names: Sources;
}

export interface ReadOptions extends NpzOptions {
  /** What the files are, for messages about the selection: 'batch' unless told. */
  what?: string;
}

function assemble(x: NumericArray, y: NumericArray | null, names: Sources): LoadedBatch {
  const { source, xFile, yFile } = names;
  const inputs = toInputs(x, xFile, names.fromText);
  const notices = [...inputs.notices];
  let labels: Int32Array | null = null;
  let oneHotWidth: number | null = null;
  if (y) {
    const parsed = toLabels(y, yFile);
    const n = x.shape[0];
    if (parsed.y.length !== n) {
      throw new SippError(
        'labels-count-mismatch',
        `${source}: x has ${n} samples (shape ${formatShape(x.shape)}) but y has ${parsed.y.length} labels ` +
          `(shape ${formatShape(y.shape)}).`,
      );
    }
    labels = parsed.y;
    oneHotWidth = parsed.oneHotWidth;
    notices.push(...parsed.notices);
  } else {
    notices.push(
      `${source}: no labels (y); accuracy can only be measured against the unpruned model's answers.`,
    );
  }
  return {
    x: inputs.x,
    xShape: [...x.shape],
    y: labels,
    notices,
    source,
    sourceDtype: x.dtype,
    oneHotWidth,
  };
}

function readSingle(file: NamedBytes, opts: ReadOptions): RawBatchArrays {
  const { name, data } = file;
  const what = opts.what ?? 'batch';
  switch (extension(name)) {
    case '.npz': {
      const { x, y } = parseNpz(data, name, opts);
      return { x, y, names: { source: name, xFile: `${name} (x)`, yFile: `${name} (y)` } };
    }
    case '.json': {
      const { x, y } = parseBatchJson(data, name);
      const asNumeric = (a: { shape: number[]; data: Float64Array }) => ({ ...a, dtype: 'float64' });
      return {
        x: asNumeric(x),
        y: y && asNumeric(y),
        names: { source: name, xFile: name, yFile: name, fromText: true },
      };
    }
    case '.npy': {
      if (pairRole(name) === 'y') {
        throw new SippError(
          'batch-missing-x',
          `${name} looks like labels (y) by its name; add the inputs file as well (${PAIR_RULE}).`,
        );
      }
      const x = opts.view ? parseNpyView(data, name, opts.view) : parseNpy(data, name);
      return { x, y: null, names: { source: name, xFile: name, yFile: name } };
    }
    default:
      throw new SippError(
        'batch-unsupported-file',
        `${name}: unsupported ${what} file; use .npz (np.savez(path, x=..., y=...)), .npy or .json.`,
      );
  }
}

/**
 * Reads the file(s) a user picked (see the header comment for what is accepted) into arrays as the files
 * hold them. With `view` (parseNpyView's options), a uint8 or aligned float32 x from .npy/.npz is a
 * view on the file's (or unpacked member's) bytes rather than a copy.
 */
export function readBatchArrays(given: NamedBytes[], opts: ReadOptions = {}): RawBatchArrays {
  const what = opts.what ?? 'batch';
  const files = plainFiles(given);
  if (files.length === 0) throw new SippError('batch-no-files', `No ${what} file was given.`);
  const names = files.map((f) => f.name).join(', ');
  if (files.length > 2) {
    throw new SippError(
      'batch-too-many-files',
      `${files.length} files were given (${names}); a ${what} is one .npz/.npy/.json file or an x/y pair of .npy files.`,
    );
  }
  if (files.length === 1) return readSingle(files[0], opts);
  if (!files.every((f) => extension(f.name) === '.npy')) {
    throw new SippError(
      'batch-unsupported-combination',
      `Two files were given (${names}); only a pair of .npy files (inputs and labels) can be combined.`,
    );
  }
  const xFile = files.find((f) => pairRole(f.name) === 'x');
  const yFile = files.find((f) => pairRole(f.name) === 'y');
  if (!xFile || !yFile) {
    throw new SippError(
      'batch-ambiguous-files',
      `Cannot tell which of ${names} holds the inputs and which the labels: ${PAIR_RULE}.`,
    );
  }
  const source = `${xFile.name} + ${yFile.name}`;
  const x = opts.view ? parseNpyView(xFile.data, xFile.name, opts.view) : parseNpy(xFile.data, xFile.name);
  const y = parseNpy(yFile.data, yFile.name);
  return { x, y, names: { source, xFile: xFile.name, yFile: yFile.name } };
}

/** Parses the file(s) a user picked into a batch; see the header comment for what is accepted. */
export function parseBatchFiles(given: NamedBytes[]): LoadedBatch {
  const { x, y, names } = readBatchArrays(given);
  return assemble(x, y, names);
}

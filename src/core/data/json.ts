// JSON batches: {"x": nested arrays of numbers, "y": [labels] or [[one-hot rows]]}. Other keys are ignored.

import { SippError } from '../util/errors';
import { parseJsonText, type JsonValue } from './json-text';

/** A dense numeric array taken from JSON: values in C order. */
export interface JsonArray {
  shape: number[];
  data: Float64Array;
}

export interface JsonBatchArrays {
  x: JsonArray;
  y: JsonArray | null;
}

function describe(v: JsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string')
    return `the string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '...' : v)}`;
  return String(v);
}

/** Turns nested arrays into a dense array, naming the index path of the first irregularity. */
function toDense(value: JsonValue, name: string, file: string): JsonArray {
  const shape: number[] = [];
  for (let v = value; Array.isArray(v); v = v[0]) {
    shape.push(v.length);
    if (v.length === 0) break;
  }
  let size = 1;
  for (const d of shape) size *= d;
  const data = new Float64Array(size);
  let n = 0;
  // The index path is kept as numbers and spelled out only for a message: building a string per value
  // would dominate the time on a real batch.
  const at: number[] = [];
  const pathTo = (depth: number) =>
    name +
    at
      .slice(0, depth)
      .map((i) => `[${i}]`)
      .join('');
  const walk = (v: JsonValue, depth: number): void => {
    if (depth === shape.length) {
      if (typeof v === 'number') {
        data[n++] = v;
        return;
      }
      if (Array.isArray(v)) {
        throw new SippError(
          'json-ragged',
          `${file}: ${pathTo(depth)} is an array where ${name}${'[0]'.repeat(depth)} is a number: ` +
            `${name} is ragged (expected shape [${shape.join(', ')}]).`,
        );
      }
      throw new SippError('json-not-numeric', `${file}: ${pathTo(depth)} is ${describe(v)}, not a number.`);
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      const got = Array.isArray(v) ? `has length ${v.length}` : `is ${describe(v)}`;
      throw new SippError(
        'json-ragged',
        `${file}: ${pathTo(depth)} ${got}, expected an array of length ${shape[depth]} ` +
          `(like ${name}${'[0]'.repeat(depth)}): ${name} is ragged.`,
      );
    }
    for (let i = 0; i < v.length; i++) {
      at[depth] = i;
      walk(v[i], depth + 1);
    }
  };
  walk(value, 0);
  return { shape, data };
}

export function parseBatchJson(bytes: Uint8Array, file: string): JsonBatchArrays {
  const doc = parseJsonText(bytes, file);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || !('x' in doc)) {
    const keys = doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? Object.keys(doc) : [];
    throw new SippError(
      'json-missing-x',
      `${file}: expected an object {"x": [...], "y": [...]}; ` +
        (keys.length ? `found keys ${keys.join(', ')}.` : `found ${describe(doc)}.`),
    );
  }
  const y = doc.y;
  return {
    x: toDense(doc.x, 'x', file),
    y: y === undefined || y === null ? null : toDense(y, 'y', file),
  };
}

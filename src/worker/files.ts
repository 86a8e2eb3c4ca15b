// Sorting dropped files into model.json, weight shards and batch files, whatever the order they
// come in, and saying in words what is still missing. Pure: no tfjs.
import type { NamedBytes } from '../core/types';
import type { FileEntry, FileRole } from './protocol';

export interface PoolFile extends NamedBytes {
  demo: boolean;
}

const BATCH_EXT = /\.(npz|npy)$/i;
const MODEL_KEYS = /"(modelTopology|weightsManifest)"\s*:|"format"\s*:\s*"(layers|graph)-model"/;

export function baseName(name: string): string {
  return name.split(/[\\/]/).pop() ?? name;
}

const decoder = new TextDecoder();

/** A .json file is a model.json when it has the keys of one (or is named like one and unreadable). */
export function isModelJson(f: NamedBytes): boolean {
  if (!/\.json$/i.test(f.name)) return false;
  // Batch JSON never holds these keys; a model.json always does, usually near the start.
  const text = decoder.decode(f.data.subarray(0, Math.min(f.data.byteLength, 1 << 20)));
  if (MODEL_KEYS.test(text)) return true;
  if (f.data.byteLength > 1 << 20 && MODEL_KEYS.test(decoder.decode(f.data))) return true;
  return /model/i.test(baseName(f.name)) && !/^\s*\{\s*"x"/.test(text);
}

/** Shard paths named in a model.json's weightsManifest (base names), or null if unreadable. */
export function manifestPaths(f: NamedBytes): string[] | null {
  try {
    const json = JSON.parse(decoder.decode(f.data)) as { weightsManifest?: { paths?: unknown }[] };
    if (!Array.isArray(json.weightsManifest)) return [];
    return json.weightsManifest.flatMap((g) =>
      Array.isArray(g?.paths) ? g.paths.map((p) => baseName(String(p))) : [],
    );
  } catch {
    return null;
  }
}

/** 'x', 'y' or null for a .npy name: split at _ - . and spaces, look at the first and last part. */
function npyRole(name: string): 'x' | 'y' | null {
  const parts = baseName(name)
    .replace(/\.npy$/i, '')
    .toLowerCase()
    .split(/[_\-.\s]+/)
    .filter(Boolean);
  const ends = [parts[0], parts[parts.length - 1]];
  const x = ends.includes('x');
  const y = ends.includes('y');
  return x === y ? null : x ? 'x' : 'y';
}

function isBatchFile(f: NamedBytes): boolean {
  return BATCH_EXT.test(f.name) || (/\.json$/i.test(f.name) && !isModelJson(f));
}

/**
 * Adds files to the pool. Rules, so that files can come together or one at a time in any order:
 * a file replaces one of the same name; a new model.json replaces the previous one; a batch
 * file replaces the previous batch, except the other half of an x/y pair of .npy files.
 * User files push out the demo: all of it for a model file, only its batch for a batch file.
 */
export function addToPool(pool: PoolFile[], added: PoolFile[]): PoolFile[] {
  let next = [...pool];
  const userModel = added.some((f) => !f.demo && !isBatchFile(f));
  if (added.some((f) => !f.demo)) {
    next = next.filter((f) => !f.demo || (!userModel && !isBatchFile(f)));
  }
  if (added.some((f) => f.demo)) next = [];
  const newBatch = added.filter(isBatchFile);
  if (added.some(isModelJson)) next = next.filter((f) => !isModelJson(f));
  if (newBatch.length > 0) {
    const keepPair =
      newBatch.length === 1 &&
      /\.npy$/i.test(newBatch[0].name) &&
      next.filter(isBatchFile).length === 1 &&
      /\.npy$/i.test(next.filter(isBatchFile)[0].name) &&
      npyRole(newBatch[0].name) !== null &&
      npyRole(next.filter(isBatchFile)[0].name) === otherRole(npyRole(newBatch[0].name));
    if (!keepPair) next = next.filter((f) => !isBatchFile(f));
  }
  const names = new Set(added.map((f) => f.name));
  next = next.filter((f) => !names.has(f.name));
  return [...next, ...added];
}

function otherRole(r: 'x' | 'y' | null): 'x' | 'y' | null {
  return r === 'x' ? 'y' : r === 'y' ? 'x' : null;
}

export interface Sorted {
  modelJson: PoolFile | null;
  shards: PoolFile[];
  batch: PoolFile[];
  entries: FileEntry[];
  missing: string[];
  /** model.json and every shard it names are present. */
  modelComplete: boolean;
}

/** Splits the pool by role and lists what is missing, in words. */
export function sortPool(pool: PoolFile[]): Sorted {
  const modelJson = pool.find(isModelJson) ?? null;
  const batch = pool.filter(isBatchFile);
  const paths = modelJson ? manifestPaths(modelJson) : null;
  const wanted = new Set(paths ?? []);
  const shards = pool.filter((f) => f !== modelJson && !batch.includes(f) && wanted.has(baseName(f.name)));
  const missing: string[] = [];
  if (!modelJson) missing.push('model.json (a TensorFlow.js layers model)');
  else if (paths) {
    const have = new Set(shards.map((f) => baseName(f.name)));
    for (const p of paths) if (!have.has(p)) missing.push(`${p} (a weight file named in ${modelJson.name})`);
  }
  if (batch.length === 0) missing.push('a batch: .npz with x and y, .npy, or .json');
  else if (batch.length === 1 && /\.npy$/i.test(batch[0].name) && npyRole(batch[0].name) === 'y')
    missing.push(`the inputs .npy (x) to go with the labels ${batch[0].name}`);
  const role = (f: PoolFile): FileRole =>
    f === modelJson
      ? 'model'
      : shards.includes(f)
        ? 'shard'
        : batch.includes(f)
          ? 'batch'
          : modelJson && paths
            ? 'unused'
            : 'unknown';
  return {
    modelJson,
    shards,
    batch,
    entries: pool.map((f) => ({ name: f.name, bytes: f.data.byteLength, role: role(f), demo: f.demo })),
    missing,
    modelComplete:
      !!modelJson && (paths === null || missing.every((m) => !m.includes(`named in ${modelJson.name}`))),
  };
}

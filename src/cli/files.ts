import { readFileSync, existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SippError, type NamedBytes } from '../core';

export function readNamed(path: string, what: string): NamedBytes {
  if (!existsSync(path)) throw new SippError('file-not-found', `${what} not found: ${path}`);
  if (statSync(path).isDirectory())
    throw new SippError('file-not-found', `${what} is a directory, not a file: ${path}`);
  const buf = readFileSync(path);
  return { name: basename(path), data: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) };
}

/**
 * model.json plus the shards its manifest names, read from its folder. Shards that are absent are
 * simply not passed, so the loader reports them by name; a model.json that is not JSON goes alone.
 */
export function readModelFiles(modelPath: string): NamedBytes[] {
  const json = readNamed(modelPath, 'model file');
  const files = [{ ...json, name: modelPath }];
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(json.data));
  } catch {
    return files;
  }
  const manifest = (parsed as { weightsManifest?: unknown }).weightsManifest;
  if (!Array.isArray(manifest)) return files;
  const dir = dirname(modelPath);
  for (const group of manifest) {
    const paths = (group as { paths?: unknown }).paths;
    if (!Array.isArray(paths)) continue;
    for (const p of paths) {
      if (typeof p !== 'string') continue;
      // The manifest path first; then the bare file name beside model.json (files moved flat).
      const full = [join(dir, p), join(dir, basename(p))].find((f) => existsSync(f) && statSync(f).isFile());
      if (full) files.push(readNamed(full, 'weight shard'));
    }
  }
  return files;
}

/**
 * --batch (and --train) take one file, or several separated by commas (an x.npy + y.npy pair).
 * `what` names the file in messages ('batch file', 'training file').
 */
export function readBatchFiles(spec: string, what = 'batch file'): NamedBytes[] {
  return spec
    .split(',')
    .filter(Boolean)
    .map((p) => readNamed(p, what));
}

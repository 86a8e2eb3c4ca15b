// Which of the given files is model.json, which are its shards, and what to call the model.
import type { NamedBytes } from '../types';
import { SippError } from '../util/errors';
import { parseJsonFile } from './io-json';
import { isObj } from './normalize';
import type { ManifestGroup } from './validate';

export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p !== '' && p !== '.');
  return parts.length ? parts[parts.length - 1] : path;
}

function dirName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p !== '' && p !== '.');
  return parts.slice(0, -1).join('/');
}

function listNames(files: NamedBytes[]): string {
  if (files.length === 0) return 'no files';
  const names = files.slice(0, 12).map((f) => f.name);
  return names.join(', ') + (files.length > 12 ? ` and ${files.length - 12} more` : '');
}

const FOREIGN: Array<[RegExp, string]> = [
  [/\.(h5|hdf5)$/i, 'a Keras HDF5 file: convert it with tensorflowjs_converter --input_format keras'],
  [/\.keras$/i, 'a Keras 3 archive: convert it with tensorflowjs_converter'],
  [/\.(pb|pbtxt)$/i, 'a TensorFlow graph: SiPP Studio needs a Keras model exported as a TF.js layers model'],
  [/\.onnx$/i, 'an ONNX model: SiPP Studio reads TensorFlow.js layers models'],
  [/\.(tflite|pt|pth)$/i, 'not a TensorFlow.js model'],
];

export interface PickedModelJson {
  file: NamedBytes;
  json: Record<string, unknown>;
}

/**
 * Finds model.json among the files: the only .json, else the one whose content has
 * `modelTopology`, else the one named model.json.
 */
export function pickModelJson(files: NamedBytes[]): PickedModelJson {
  if (files.length === 0) throw new SippError('not-a-model', 'No files were given.');
  const jsons = files.filter((f) => /\.json$/i.test(f.name));
  if (jsons.length === 0) {
    for (const f of files) {
      const hit = FOREIGN.find(([re]) => re.test(f.name));
      if (hit) throw new SippError('not-a-model', `${f.name} is ${hit[1]}.`);
    }
    throw new SippError('not-a-model', `No .json file among the files given (${listNames(files)}).`);
  }
  if (jsons.length === 1) return { file: jsons[0], json: asObject(jsons[0]) };
  // Several .json files (a labels.json next to the model, say): read the plausible ones.
  const parsed: PickedModelJson[] = [];
  const named = jsons.filter((f) => baseName(f.name).toLowerCase() === 'model.json');
  const isModel = (json: unknown): json is Record<string, unknown> =>
    isObj(json) && ('modelTopology' in json || 'weightsManifest' in json);
  if (named.length === 1) {
    // The common case; it also spares parsing a large JSON batch that came along.
    const json = parseJsonFile(named[0]);
    if (isModel(json)) return { file: named[0], json };
  }
  for (const f of jsons) {
    let json: unknown;
    try {
      json = parseJsonFile(f);
    } catch (e) {
      // A broken file named model.json is the user's model: report its fault.
      if (named.includes(f) && named.length === 1) throw e;
      continue;
    }
    if (isModel(json)) parsed.push({ file: f, json });
  }
  if (parsed.length === 1) return parsed[0];
  if (parsed.length > 1) {
    const preferred = parsed.filter((p) => named.includes(p.file));
    if (preferred.length === 1) return preferred[0];
    throw new SippError(
      'ambiguous-model-json',
      `Several files look like a model.json (${parsed.map((p) => p.file.name).join(', ')}); give one model at a time.`,
    );
  }
  if (named.length === 1) return { file: named[0], json: asObject(named[0]) };
  throw new SippError(
    'not-a-model',
    `None of the .json files (${jsons.map((f) => f.name).join(', ')}) is a TF.js model.json (no modelTopology).`,
  );
}

function asObject(file: NamedBytes): Record<string, unknown> {
  const json = parseJsonFile(file);
  if (!isObj(json)) {
    throw new SippError(
      'not-a-model',
      `${file.name} holds a JSON ${Array.isArray(json) ? 'array' : typeof json}, not a model.json object.`,
    );
  }
  return json;
}

/** Names that say nothing about a model: tfjs and Keras defaults, converter shard names. */
const GENERIC =
  /^(model|models|weights?|sequential|functional|keras_model|tfjs_model|tfjs|web_model|saved_model|group\d*|shard|export|output|out|\d+)(_\d+)?$/i;

const meaningful = (s: string | undefined): s is string => !!s && s.trim() !== '' && !GENERIC.test(s.trim());

/** The stem the weight files share: `emotion.weights.bin` -> emotion; `group1-shard1of2.bin` -> none. */
export function shardStem(names: string[]): string | undefined {
  if (names.length === 0) return undefined;
  const stems = names.map((n) =>
    baseName(n)
      .replace(/\.bin$/i, '')
      .replace(/[._-]?weights$/i, '')
      .replace(/[._-]?(group\d+[._-]?)?shard\d+of\d+$/i, ''),
  );
  let common = stems[0];
  for (const s of stems.slice(1)) while (!s.startsWith(common)) common = common.slice(0, -1);
  common = common.replace(/[._-]+$/, '');
  return meaningful(common) ? common : undefined;
}

/** The model's own name in the topology, unless it is a Keras default ('sequential', 'model_3'). */
export function topologyName(topology: unknown): string | undefined {
  if (!isObj(topology)) return undefined;
  const cfg = (o: unknown) => (isObj(o) && isObj(o.config) ? o.config : undefined);
  const name = cfg(topology)?.name ?? cfg(topology.model_config)?.name;
  return typeof name === 'string' && meaningful(name) ? name : undefined;
}

/**
 * What to call the model (downloads, the heading): opts.name; else the folder of a generic
 * 'dir/model.json'; else the json file's own stem when it says something ('emotion.json'); else the
 * stem its weight files share; else the model's name in the topology; else the file's stem.
 */
export function modelBaseName(
  jsonName: string,
  override?: string,
  seen: { shards?: string[]; topology?: unknown } = {},
): string {
  if (override && override.trim()) return override.trim();
  const stem = baseName(jsonName).replace(/\.json$/i, '');
  const dir = dirName(jsonName);
  if (meaningful(stem)) return stem;
  if (dir && meaningful(baseName(dir))) return baseName(dir);
  return shardStem(seen.shards ?? []) ?? topologyName(seen.topology) ?? (stem || 'model');
}

export interface ResolvedGroup {
  group: ManifestGroup;
  shards: NamedBytes[];
}

/**
 * Matches each manifest path to a given file by base name (manifest paths may carry folders or
 * './'). Several files with one base name: the one beside model.json wins.
 */
export function resolveShards(
  groups: ManifestGroup[],
  files: NamedBytes[],
  jsonFile: NamedBytes,
  notices: string[],
): ResolvedGroup[] {
  const byBase = new Map<string, NamedBytes[]>();
  for (const f of files) {
    if (f === jsonFile) continue;
    const key = baseName(f.name);
    byBase.set(key, [...(byBase.get(key) ?? []), f]);
  }
  const jsonDir = dirName(jsonFile.name);
  const missing: string[] = [];
  const used = new Set<NamedBytes>();
  const resolved = groups.map((group) => ({
    group,
    shards: group.paths.map((p) => {
      const hits = byBase.get(baseName(p)) ?? [];
      const hit = hits.find((f) => dirName(f.name) === jsonDir) ?? hits[0];
      if (!hit) missing.push(p);
      else used.add(hit);
      return hit as NamedBytes;
    }),
  }));
  if (missing.length > 0) {
    const given = files.filter((f) => f !== jsonFile);
    throw new SippError(
      'missing-shard',
      `${jsonFile.name} needs weight file(s) ${missing.map((m) => `'${baseName(m)}'`).join(', ')}, which ` +
        `${missing.length === 1 ? 'was' : 'were'} not among the files given (${listNames([jsonFile, ...given])}). ` +
        `Select model.json together with all its .bin files.`,
    );
  }
  const unused = files.filter((f) => f !== jsonFile && !used.has(f) && !/\.json$/i.test(f.name));
  if (unused.length > 0)
    notices.push(`ignored file(s) not named in the weights manifest: ${listNames(unused)}`);
  return resolved;
}

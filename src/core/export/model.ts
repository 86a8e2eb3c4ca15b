import * as tf from '@tensorflow/tfjs';
import { gzipSync } from 'fflate';
import type { NamedBytes } from '../types';
import { SippError } from '../util/errors';
import { restoreDepthMultipliers } from '../model/tfjs-fixes';
import type { SippMetadata } from './metadata';
import { decodeShard, isWeightFormat, quantizeShard, type WeightEntry, type WeightFormat } from './quantize';

export interface ExportedModel {
  /** model.json and one shard, `${name}.weights.bin`. */
  files: NamedBytes[];
  rawBytes: number;
  /** Sum over the files of their gzip size (level 9): what a web server would send. */
  gzipBytes: number;
  /** Nonzero values among all weights in the shard (trainable or not). */
  nonzeroParams: number;
  totalParams: number;
  /** How the float32 weights are stored: 'float32', or the quantisation (int32/bool stay as they are). */
  weightFormat: WeightFormat;
  /** float16: weights with finite values beyond ±65504, written as ±65504 (none otherwise). */
  clamped: { name: string; count: number }[];
}

export const GENERATED_BY = 'SiPP Studio';

/** File-system-safe stem; keeps what users typically name models with. */
export function safeName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return s || 'model';
}

/**
 * Serialises a layers model as TF.js artifacts (format 'layers-model', one weight shard) that stock
 * tf.loadLayersModel reads. Works in a worker: uses a save handler, not 'downloads://'.
 * `topology` replaces the model's own toJSON(), e.g. the normalised topology of a Keras 3 original.
 * `quantize` writes the float32 weights as the TF.js converter's float16 / uint8 / uint16
 * quantisations, which stock tfjs dequantises on load (see quantize.ts; zeros stay exactly zero).
 * `nonzeroParams` counts the weights as they load from the written shard.
 */
export async function exportModel(
  model: tf.LayersModel,
  opts: {
    name: string;
    topology?: object;
    quantize?: WeightFormat;
    /** Written as `userDefinedMetadata.sippStudio` (see metadata.ts); stock tfjs loads it aside. */
    metadata?: SippMetadata;
  },
): Promise<ExportedModel> {
  const name = safeName(opts.name);
  const format = opts.quantize ?? 'float32';
  if (!isWeightFormat(format))
    throw new SippError(
      'bad-argument',
      `weights can be written as float32, float16, uint8 or uint16, not '${String(format)}'`,
    );
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.weightSpecs || artifacts.weightData === undefined) {
    throw new SippError('export-failed', `Saving model '${model.name}' produced no weights.`);
  }
  const weightData = Array.isArray(artifacts.weightData)
    ? tf.io.CompositeArrayBuffer.join(artifacts.weightData)
    : artifacts.weightData;
  const topology = opts.topology ?? restoreDepthMultipliers(model, artifacts.modelTopology);
  if (opts.topology) checkTopologyFits(opts.topology, model);

  const plain = new Uint8Array(weightData);
  const shard =
    format === 'float32'
      ? { specs: artifacts.weightSpecs as WeightEntry[], data: plain, clamped: [] }
      : quantizeShard(artifacts.weightSpecs as WeightEntry[], plain, format);

  const shardName = `${name}.weights.bin`;
  const modelJson = {
    format: 'layers-model',
    generatedBy: GENERATED_BY,
    convertedBy: `${GENERATED_BY} (TensorFlow.js ${tf.version.tfjs})`,
    modelTopology: topology,
    weightsManifest: [{ paths: [shardName], weights: shard.specs }],
    ...(opts.metadata ? { userDefinedMetadata: { sippStudio: opts.metadata } } : {}),
  };
  const jsonBytes = new TextEncoder().encode(JSON.stringify(modelJson));
  const binBytes = shard.data;
  const files: NamedBytes[] = [
    { name: 'model.json', data: jsonBytes },
    { name: shardName, data: binBytes },
  ];
  const { nonzero, total } = countParams(shard.specs, binBytes);
  return {
    files,
    rawBytes: jsonBytes.byteLength + binBytes.byteLength,
    gzipBytes: files.reduce((s, f) => s + gzipSync(f.data, { level: 9 }).byteLength, 0),
    nonzeroParams: nonzero,
    totalParams: total,
    weightFormat: format,
    clamped: shard.clamped,
  };
}

function countParams(specs: WeightEntry[], bin: Uint8Array): { nonzero: number; total: number } {
  let nonzero = 0;
  let total = 0;
  for (const values of decodeShard(specs, bin)) {
    for (const v of values) if (v !== 0) nonzero++;
    total += values.length;
  }
  return { nonzero, total };
}

/** A caller-supplied topology must describe this model, or the artifacts would not load. */
function checkTopologyFits(topology: object, model: tf.LayersModel): void {
  const t = topology as {
    model_config?: { config?: { layers?: unknown[] } };
    config?: { layers?: unknown[] };
  };
  const layers = t.config?.layers ?? t.model_config?.config?.layers;
  const names = new Set(
    (layers ?? []).map((l) => {
      const e = l as { name?: string; config?: { name?: string } };
      return e.config?.name ?? e.name;
    }),
  );
  const missing = model.layers.filter((l) => l.weights.length > 0 && !names.has(l.name)).map((l) => l.name);
  if (missing.length > 0) {
    throw new SippError(
      'export-failed',
      `The topology given for export lacks layer(s) ${missing.join(', ')} of model '${model.name}'.`,
    );
  }
}

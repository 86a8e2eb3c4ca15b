// Weight encodings and tfjs helpers for the fixture script.
import * as tf from '@tensorflow/tfjs';
import { encodeFloat16, quantizeAffine, type WeightSpec } from '../../src/core/model/quantization';
import { buildModel, type ModelSpec } from './specs';
import type { FixtureFile } from './types';

export interface LeafWeight {
  ancestors: string[];
  layer: string;
  short: string;
  shape: number[];
  values: Float32Array;
}

export function leafWeights(model: tf.LayersModel, ancestors: string[] = [model.name]): LeafWeight[] {
  const out: LeafWeight[] = [];
  for (const layer of model.layers) {
    if (layer instanceof tf.LayersModel) {
      out.push(...leafWeights(layer, [...ancestors, layer.name]));
      continue;
    }
    const values = layer.getWeights().map((t) => t.dataSync() as Float32Array);
    layer.weights.forEach((w, i) => {
      const short = w.originalName.split('/').pop() as string;
      out.push({ ancestors, layer: layer.name, short, shape: w.shape as number[], values: values[i] });
    });
  }
  return out;
}

export function leafLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.flatMap((l) =>
    l instanceof tf.LayersModel ? leafLayers(l) : l.weights.length ? [l] : [],
  );
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

export const f32bytes = (v: Float32Array) =>
  new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
export const json = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));

export async function tfjsArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved as tf.io.ModelArtifacts;
}

export type Quant = 'uint8' | 'uint16' | 'float16';

/** Encodes weights with an optional quantisation (only for names that `which` accepts). */
export function encodeWeights(
  entries: Array<{ name: string; w: LeafWeight }>,
  quant?: Quant,
  which: (name: string) => boolean = () => true,
): { specs: WeightSpec[]; data: Uint8Array } {
  const specs: WeightSpec[] = [];
  const parts: Uint8Array[] = [];
  for (const { name, w } of entries) {
    const spec: WeightSpec = { name, shape: w.shape, dtype: 'float32' };
    if (quant && which(name)) {
      if (quant === 'float16') {
        spec.quantization = { dtype: 'float16', original_dtype: 'float32' } as WeightSpec['quantization'];
        parts.push(encodeFloat16(w.values));
      } else {
        const q = quantizeAffine(w.values, quant);
        spec.quantization = {
          dtype: quant,
          min: q.min,
          scale: q.scale,
          original_dtype: 'float32',
        } as WeightSpec['quantization'];
        parts.push(q.bytes);
      }
    } else parts.push(f32bytes(w.values));
    specs.push(spec);
  }
  return { specs, data: concat(parts) };
}

export function split(data: Uint8Array, n: number, prefix = 'group1'): FixtureFile[] {
  const size = Math.ceil(data.byteLength / n);
  return Array.from({ length: n }, (_, i) => ({
    name: `${prefix}-shard${i + 1}of${n}.bin`,
    data: data.slice(i * size, (i + 1) * size),
  }));
}

/**
 * Outputs of the spec's model on `x` with these exact (possibly quantised) bytes, decoded by tfjs's
 * own tf.io.decodeWeights, so the loader is checked against an independent decoder.
 */
export function referenceFromBytes(
  spec: ModelSpec,
  specs: WeightSpec[],
  data: Uint8Array,
  x: tf.Tensor,
): number[] {
  const m = buildModel(spec);
  const decoded = tf.io.decodeWeights(data.slice().buffer, specs as tf.io.WeightsManifestEntry[]);
  // Manifest order is layer by layer; model.setWeights wants trainable weights first.
  const layers = leafLayers(m);
  let k = 0;
  for (const layer of layers) {
    layer.setWeights(layer.weights.map(() => decoded[specs[k++].name]));
  }
  const y = m.predict(x) as tf.Tensor;
  const out = Array.from(y.dataSync());
  tf.dispose([y, ...Object.values(decoded)]);
  m.dispose();
  return out;
}

// Gzipped size of a pruned model, cheap enough to follow the slider: the float32 weights as
// they would be written, gzipped at fflate's fastest level (within about 1 % of level 9 on
// pruned float32 weights), in slices with a turn of the event loop between them so that a newer
// request or a cancel gets through. The export states the exact level-9 figure.
import type * as tf from '@tensorflow/tfjs';
import { Gzip, gzipSync } from 'fflate';
import { AbortError } from '../core';

const SLICE = 1 << 20;

const turn = () => new Promise<void>((r) => setTimeout(r, 0));

export async function gzipWeights(
  model: tf.LayersModel,
  signal?: AbortSignal,
): Promise<{ gzip: number; raw: number }> {
  // Read every variable first: the model's weights may be rewritten by the next job.
  const arrays = await Promise.all(model.weights.map(async (w) => (await w.read().data()) as Float32Array));
  let gzip = 0;
  let raw = 0;
  const z = new Gzip({ level: 1 }, (chunk) => {
    gzip += chunk.byteLength;
  });
  for (const a of arrays) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    raw += bytes.byteLength;
    for (let off = 0; off < bytes.byteLength; off += SLICE) {
      z.push(bytes.subarray(off, Math.min(bytes.byteLength, off + SLICE)));
      await turn();
      if (signal?.aborted) throw new AbortError();
    }
  }
  z.push(new Uint8Array(0), true);
  return { gzip, raw };
}

export function gzipJson(value: object): { gzip: number; raw: number } {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  return { gzip: gzipSync(bytes, { level: 6 }).byteLength, raw: bytes.byteLength };
}

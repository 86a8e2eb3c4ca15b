// The accuracy of a written model as a user's stock tfjs will see it: the files loaded back from
// memory by tf.loadLayersModel (which dequantises them itself), evaluated on the session's points.
// The app checks a download with it, and the CLI a slim model (not the session's: other shapes).
import * as tf from '@tensorflow/tfjs';
import type { PruningSession } from '../session';
import type { LongCallOptions } from '../types';
import type { NamedBytes } from '../types';
import { SippError } from '../util/errors';

interface Manifest {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

export async function loadWritten(files: NamedBytes[]): Promise<tf.LayersModel> {
  const json = files.find((f) => f.name.endsWith('.json'));
  if (!json) throw new SippError('export-failed', 'the written model has no model.json');
  const m = JSON.parse(new TextDecoder().decode(json.data)) as Manifest;
  const shards = m.weightsManifest.flatMap((g) =>
    g.paths.map((p) => {
      const f = files.find((x) => x.name === p);
      if (!f) throw new SippError('export-failed', `the written model names ${p}, which was not written`);
      return f.data;
    }),
  );
  const data = new Uint8Array(shards.reduce((s, d) => s + d.byteLength, 0));
  let at = 0;
  for (const d of shards) {
    data.set(d, at);
    at += d.byteLength;
  }
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: m.modelTopology,
      weightSpecs: m.weightsManifest.flatMap((g) => g.weights),
      weightData: data.buffer,
    }),
  );
}

/** Accuracy and agreement (with the session's dense model) of the files as written. */
export async function evaluateFiles(
  session: PruningSession,
  files: NamedBytes[],
  opts: LongCallOptions = {},
) {
  const model = await loadWritten(files);
  try {
    const e = await session.evaluateInPlace(opts, model);
    return { accuracy: e.accuracy, agreement: e.agreement };
  } finally {
    model.dispose();
  }
}

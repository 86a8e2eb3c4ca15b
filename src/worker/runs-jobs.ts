// What pruning did, for the page: per-class damage and the flipped samples of the slider's (or a
// retrained) model against the dense one, and the fingerprints that tie a kept run to its files.
// Everything is summarised here; the page never gets the predictions of thousands of samples
// as tensors, only rows and, for one page of flips at a time, the pixels to draw.
import type { LoadedModel, PruningSession, PruneResult } from '../core';
import { SippError } from '../core';
import { predictTop, type TopPredictions } from '../core/evaluate/confidence';
import { flipRows } from '../core/evaluate/flips';
import { classReport } from '../core/evaluate/per-class';
import { sampleLayout, samplePixels, topValues, type SampleLayout } from '../core/evaluate/sample-layout';
import { samplesPerChunk } from '../core/memory/chunks';
import type { PoolFile } from './files';
import { PRIORITY, type Jobs, type Post } from './jobs';
import { SAMPLES_PER_REQUEST, type Event, type RequestOf, type SampleView } from './protocol';
import type { Workspace } from './workspace';

/** Longest side of a picture sent to the page: enough for a thumbnail, small for a photo. */
const MAX_PICTURE_SIDE = 96;
/** Values listed for a sample that is not a picture. */
const TOP_VALUES = 8;

async function sha256(parts: Uint8Array[]): Promise<string> {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.byteLength;
  }
  const digest = await crypto.subtle.digest('SHA-256', all);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The bytes in a fixed order: model.json first, then the rest by name (a shard's name is fixed by
 * model.json, so renaming the files without changing them keeps the fingerprint).
 */
export function fingerprintFiles(files: PoolFile[]): Promise<string> {
  const sorted = [...files].sort(
    (a, b) =>
      Number(!a.name.endsWith('.json')) - Number(!b.name.endsWith('.json')) || (a.name < b.name ? -1 : 1),
  );
  return sha256(sorted.map((f) => f.data));
}

/** The shape the model's first layer reshapes its input into, when that layer is a Reshape. */
function reshapeTarget(loaded: LoadedModel): number[] | null {
  const first = loaded.model.layers.find((l) => l.getClassName() !== 'InputLayer');
  if (!first || first.getClassName() !== 'Reshape') return null;
  const target = first.getConfig().targetShape;
  return Array.isArray(target) && target.every((d) => typeof d === 'number') ? (target as number[]) : null;
}

export class RunsJobs {
  private dense: { generation: number; top: TopPredictions } | null = null;
  private prints = new Map<PoolFile[], Promise<string>>();

  constructor(
    private readonly ws: Workspace,
    private readonly jobs: Jobs,
    private readonly post: Post,
  ) {}

  private layout(): SampleLayout {
    const loaded = this.ws.model!.loaded;
    const per = loaded.model.inputs[0].shape.slice(1) as number[];
    return sampleLayout(per, reshapeTarget(loaded));
  }

  async classes(req: RequestOf<'classes'>): Promise<Event | null> {
    return this.jobs.job(req.id, PRIORITY.size, 'prune', async (s, signal) => {
      let result: PruneResult;
      if (req.resultId !== undefined) {
        if (!this.jobs.trainedLookup)
          throw new SippError('result-gone', 'No retrained models are kept here.');
        result = this.jobs.trainedLookup.trained(req.resultId);
      } else result = await this.jobs.pruned(s, req, signal);
      const dense = await this.denseTop(s, signal);
      const model = s.modelWith(result);
      const pruned = await predictTop(model, s.evalSamples, samplesPerChunk(model), { signal });
      const labels = s.evalY;
      const numClasses = s.info.numClasses;
      const r = classReport(dense.classes, pruned.classes, labels, numClasses);
      const right = (cls: Int32Array) => cls.reduce((n, c, i) => n + (labels && c === labels[i] ? 1 : 0), 0);
      const n = s.evalPoints;
      let same = 0;
      for (let i = 0; i < n; i++) if (dense.classes[i] === pruned.classes[i]) same++;
      return {
        type: 'classes',
        id: req.id,
        report: {
          method: result.method,
          targetSparsity: result.targetSparsity,
          seed: result.seed,
          propagate: result.propagated,
          resultId: req.resultId ?? null,
          labelled: labels !== null,
          numClasses,
          points: s.points,
          evalPoints: n,
          accuracyDense: labels ? right(dense.classes) / n : null,
          accuracyPruned: labels ? right(pruned.classes) / n : null,
          agreement: same / n,
          classes: r.classes,
          shifts: r.shifts,
          flips: flipRows(
            dense.classes,
            dense.confidence,
            pruned.classes,
            pruned.confidence,
            labels,
            numClasses,
          ),
          predictions: [...pruned.classes],
          layout: this.layout(),
        },
      };
    });
  }

  /** The dense model's predictions, once per session. */
  private async denseTop(s: PruningSession, signal: AbortSignal): Promise<TopPredictions> {
    if (this.dense && this.dense.generation === this.ws.generation) return this.dense.top;
    const model = s.modelWith(null);
    const top = await predictTop(model, s.evalSamples, samplesPerChunk(model), { signal });
    this.dense = { generation: this.ws.generation, top };
    return top;
  }

  /** Evaluation samples by index, as pictures (subsampled when large) and their largest values. */
  samples(req: RequestOf<'samples'>): null {
    const s = this.ws.session;
    if (!s) throw new SippError('not-ready', 'Load a model and a batch first.');
    const n = s.evalPoints;
    const bad = req.indices.find((i) => !Number.isInteger(i) || i < 0 || i >= n);
    if (bad !== undefined || req.indices.length > SAMPLES_PER_REQUEST)
      throw new SippError(
        'bad-samples',
        bad !== undefined
          ? `Sample ${bad} is not an evaluation point (there are ${n}).`
          : `At most ${SAMPLES_PER_REQUEST} samples at a time, not ${req.indices.length}.`,
      );
    const layout = this.layout();
    const x = s.evalSamples;
    const size = layout.size;
    const transfer: Transferable[] = [];
    const samples: SampleView[] = req.indices.map((index) => {
      const values = x.data.subarray(index * size, (index + 1) * size);
      const top = topValues(values, TOP_VALUES);
      if (layout.kind !== 'image') return { index, pixels: null, height: 0, width: 0, top };
      const p = samplePixels(values, layout, MAX_PICTURE_SIDE);
      transfer.push(p.data.buffer);
      return { index, pixels: p.data, height: p.height, width: p.width, top };
    });
    // Posted here rather than returned: the pixel buffers are transferred, not copied.
    this.post({ type: 'samples', id: req.id, samples, layout }, transfer);
    return null;
  }

  async fingerprint(req: RequestOf<'fingerprint'>): Promise<Event> {
    const of = (files: PoolFile[] | undefined) => {
      if (!files) return Promise.resolve(null);
      let p = this.prints.get(files);
      if (!p) {
        p = fingerprintFiles(files);
        // One model and one batch at a time: older entries are only memory.
        if (this.prints.size > 8) this.prints.clear();
        this.prints.set(files, p);
      }
      return p;
    };
    const [model, batch] = await Promise.all([of(this.ws.model?.files), of(this.ws.batch?.files)]);
    return { type: 'fingerprint', id: req.id, fingerprints: { model, batch } };
  }
}

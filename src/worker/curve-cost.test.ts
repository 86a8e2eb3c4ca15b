// Curve points carry the cost of the slim model: parameters recounted here from the zeroed
// weights (a neuron stays when it produces something and something reads it), MACs from those
// counts, and the dense timing reused where no shape changed.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../test-support/tf-node';
import type { PoolFile } from './files';
import { Jobs } from './jobs';
import type { CurvePoint, Event } from './protocol';
import { Workspace } from './workspace';

const DEMO = new URL('../../public/demo/', import.meta.url);
const read = (path: string, name = path): PoolFile => ({
  name,
  data: new Uint8Array(readFileSync(new URL(path, DEMO))),
  demo: false,
});

/** Dense chain: the neurons of each hidden layer that are both produced and read. */
function slimCounts(weights: Float32Array[], shapes: number[][]): { params: number; macs: number } {
  const layers = shapes.length / 2;
  const alive: boolean[][] = [];
  for (let l = 0; l < layers; l++) {
    const [nIn, nOut] = shapes[2 * l];
    const w = weights[2 * l];
    const b = weights[2 * l + 1];
    const next = l + 1 < layers ? weights[2 * l + 2] : null;
    const [, nNext] = l + 1 < layers ? shapes[2 * l + 2] : [0, 0];
    alive.push(
      Array.from({ length: nOut }, (_, j) => {
        if (!next) return true; // the output layer never shrinks
        let produced = b[j] !== 0;
        for (let i = 0; i < nIn && !produced; i++) produced = w[i * nOut + j] !== 0;
        let read = false;
        for (let k = 0; k < nNext && !read; k++) read = next[j * nNext + k] !== 0;
        return produced && read;
      }),
    );
  }
  let params = 0;
  let macs = 0;
  let nIn = shapes[0][0];
  for (let l = 0; l < layers; l++) {
    const nOut = alive[l].filter(Boolean).length;
    params += nIn * nOut + nOut;
    macs += nIn * nOut;
    nIn = nOut;
  }
  return { params, macs };
}

describe('curve point costs', () => {
  beforeAll(() => useBackend('wasm'));

  it('count the slim model of each point, time it only when a shape changed', async () => {
    const ws = new Workspace();
    ws.options = { scaleUint8: false, points: 24 };
    const events: Event[] = [];
    const jobs = new Jobs(ws, (e) => events.push(e));
    ws.add([
      read('lenet-300-100/model.json', 'm/model.json'),
      read('lenet-300-100/weights.bin', 'm/weights.bin'),
      read('mnist-holdout-1000.npz'),
    ]);
    await ws.sync();
    await jobs.sweep({ type: 'sweep', id: 1, methods: ['wt', 'pfp'], sparsities: [0.3, 0.7], seed: 0 });
    const before = tf.memory().numTensors;
    const pts = events.flatMap((e) => (e.type === 'curve-point' ? [e.point] : []));
    expect(pts).toHaveLength(4);
    const session = ws.session!;
    const denseModel = session.modelWith(null);
    const shapes = denseModel.getWeights().map((w) => w.shape);
    for (const p of pts) {
      const cost = p.cost!;
      const r = await session.prune(p.method, p.sparsity, { seed: 0 });
      const weights = await Promise.all(
        session
          .modelWith(r)
          .getWeights()
          .map((w) => w.data() as Promise<Float32Array>),
      );
      const want = slimCounts(weights, shapes);
      expect(cost.params, `${p.method}@${p.sparsity}`).toBe(want.params);
      expect(cost.macs, `${p.method}@${p.sparsity}`).toBe(want.macs);
      expect(cost.dense).toMatchObject({
        params: denseModel.countParams(),
        macs: 784 * 300 + 300 * 100 + 100 * 10,
      });
      expect(cost.latencyMs).toBeGreaterThan(0);
      if (cost.removedChannels === 0) expect(cost.latencyMs).toBe(cost.dense.latencyMs);
    }
    const at = (m: string, s: number) => pts.find((p) => p.method === m && p.sparsity === s) as CurvePoint;
    // PFP removes whole neurons: fewer parameters and MACs than dense; WT at 30 % kills none.
    expect(at('pfp', 0.7).cost!.params).toBeLessThan(0.5 * at('pfp', 0.7).cost!.dense.params);
    expect(at('pfp', 0.7).cost!.removedChannels).toBeGreaterThan(0);
    expect(at('wt', 0.3).cost!.removedChannels).toBe(0);
    expect(at('wt', 0.3).cost!.params).toBe(at('wt', 0.3).cost!.dense.params);
    // The slim models are freed after their measurement.
    expect(tf.memory().numTensors).toBe(before);
    ws.unload();
  });
});

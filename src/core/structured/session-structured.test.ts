import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchFor, cnn, mlp } from '../../test-support/models';
import { rng, useBackend } from '../../test-support/tf-node';
import { referenceSensitivity } from '../../test-support/reference64';
import { PruningSession } from '../session';
import { KEEP_TOLERANCE } from '../prune/budget';
import type { LayerWeights } from '../prune/layout';
import { isAbortError } from '../util/errors';
import { channelSensitivity } from './channels';
import { CHANNEL_METHODS } from './plan';

beforeAll(async () => {
  await useBackend('cpu');
});

/** A small CNN whose Flatten → Dense layer gives the channel methods fine enough steps. */
function smallCnn(): tf.LayersModel {
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({
      inputShape: [12, 12, 3],
      filters: 8,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      name: 'c1',
    }),
  );
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', name: 'c2' }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 48, activation: 'relu', name: 'fc' }));
  m.add(tf.layers.dense({ units: 10, activation: 'softmax', name: 'out' }));
  const r = rng(7);
  m.setWeights(
    m.weights.map((w) => {
      const shape = w.shape as number[];
      const fan = shape.length > 1 ? shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
      return tf.tensor(
        Float32Array.from({ length: w.read().size }, () => ((r() * 2 - 1) * 2) / Math.sqrt(fan)),
        shape,
      );
    }),
  );
  return m;
}

/** Every input-channel (or, for FT/SoftNet, output-filter) slice is all zero or a multiple of the original. */
function slicesWhole(kernel: Float32Array, orig: Float32Array, shape: number[], axis: 'in' | 'out'): boolean {
  const out = shape[shape.length - 1];
  const C = axis === 'in' ? shape[shape.length - 2] : out;
  for (let c = 0; c < C; c++) {
    let ratio: number | null = null;
    for (let k = 0; k < kernel.length; k++) {
      const ch = axis === 'in' ? Math.floor(k / out) % C : k % out;
      if (ch !== c || orig[k] === 0) continue;
      const r = kernel[k] / orig[k];
      if (ratio === null) ratio = r;
      else if (Math.abs(r - ratio) > 1e-5 * Math.max(1, Math.abs(ratio))) return false;
    }
  }
  return true;
}

describe.each([
  ['MLP 784-300-100-10 (demo-sized)', () => mlp([784, 300, 100, 10], 11), 40],
  ['small CNN', smallCnn, 24],
] as const)('structured methods on the %s', (_name, make, points) => {
  let model: tf.LayersModel;
  let session: PruningSession;
  beforeAll(async () => {
    model = make();
    session = await PruningSession.create(model, batchFor(model, points + 40, 4, true), { points });
  });
  afterAll(() => {
    session.dispose();
    model.dispose();
  });

  it.each(CHANNEL_METHODS.map((m) => [m]))(
    '%s at sparsity 0.5: within tolerance, whole slices, no leak',
    async (method) => {
      await session.prepare([method]);
      const before = tf.memory().numTensors;
      const r = await session.prune(method, 0.5, { seed: 3 });
      expect(tf.memory().numTensors).toBe(before);
      const why = `${r.nonzeroParams} of ${r.totalParams} after ${r.trials} trials`;
      if (method === 'filter-uniform' && session.info.prunable[0].kind === 'dense') {
        // FilterUniNet never prunes the first layer's inputs (§5.1), 88 % of this MLP: the nearest
        // achievable is every later layer at one channel, and the result says it missed.
        expect(r.withinTolerance, why).toBe(false);
        expect(r.nonzeroParams).toBe(784 * 300 + 1 * 100 + 1 * 10); // mlp() has zero biases
        return;
      }
      expect(r.withinTolerance, why).toBe(true);
      expect(Math.abs(1 - r.achievedSparsity - 0.5)).toBeLessThan(KEEP_TOLERANCE * 0.5);
      const axis = method === 'filter-norm' || method === 'softnet' ? 'out' : 'in';
      session.info.prunable.forEach((p, li) => {
        const orig = session.weights.original[session.weights.kernelVar[li]];
        expect(
          slicesWhole(r.overrides.get(session.weights.kernelVar[li])!, orig, p.kernelShape, axis),
          p.key,
        ).toBe(true);
      });
      // Some channel slice is gone somewhere.
      expect(r.prunableSparsity).toBeGreaterThan(0.3);
      const e = await session.evaluate(r);
      expect(e.agreement).toBeGreaterThanOrEqual(0);
    },
  );
});

describe('cancel and the shared pass', () => {
  it('an aborted signal cancels prepare and prune of PFP', async () => {
    const model = cnn();
    const session = await PruningSession.create(model, batchFor(model, 40, 4, true), { points: 20 });
    const ac = new AbortController();
    ac.abort();
    await expect(session.prepare(['pfp'], { signal: ac.signal })).rejects.toSatisfy(isAbortError);
    await session.prepare(['pfp']);
    await expect(session.prune('pfp-rand', 0.5, { signal: ac.signal })).rejects.toSatisfy(isAbortError);
    session.dispose();
    model.dispose();
  });

  it('PFP after SiPP-Rand reuses the max pass: no second sensitivity stage', async () => {
    const model = cnn();
    const session = await PruningSession.create(model, batchFor(model, 40, 4, true), { points: 20 });
    const stages: string[] = [];
    await session.prepare(['sipp-rand'], { onProgress: (p) => stages.push(p.stage) });
    expect(stages).toContain('sensitivities');
    stages.length = 0;
    await session.prune('pfp', 0.5, { onProgress: (p) => stages.push(p.stage) });
    expect(stages).not.toContain('sensitivities');
    session.dispose();
    model.dispose();
  });
});

describe('float64 reference of s_in (max over points, copies, outputs, taps, positions)', () => {
  it.each([
    ['Dense', false],
    ['Conv2D', true],
  ] as const)('%s', async (_n, conv) => {
    const m = tf.sequential();
    if (conv)
      m.add(
        tf.layers.conv2d({ inputShape: [5, 5, 3], filters: 4, kernelSize: 3, padding: 'same', name: 'l' }),
      );
    else m.add(tf.layers.dense({ inputShape: [6], units: 5, name: 'l' }));
    const r = rng(5);
    m.setWeights(
      m.weights.map((w) =>
        tf.tensor(
          Float32Array.from({ length: w.read().size }, () => r() * 2 - 1),
          w.shape as number[],
        ),
      ),
    );
    const batch = batchFor(m, 8, 9, true); // negative inputs: the sign split is exercised
    const session = await PruningSession.create(m, batch, { points: 5 });
    await session.prepare(['pfp']);
    const p = session.info.prunable[0];
    const kernel = session.weights.original[session.weights.kernelVar[0]];
    const per = batch.xShape.slice(1);
    const size = per.reduce((a, b) => a * b, 1);
    const pts = Array.from({ length: 5 }, (_, i) =>
      Float64Array.from(batch.x.subarray(i * size, (i + 1) * size)),
    );
    const ref = referenceSensitivity(
      {
        kind: conv ? 'conv2d' : 'dense',
        kernel: Float64Array.from(kernel),
        kernelShape: p.kernelShape,
        padding: 'same',
      },
      pts,
      per,
      'max',
    );
    const C = conv ? 3 : 6;
    const want = new Float64Array(C);
    ref.forEach((v, k) => {
      const c = Math.floor(k / p.out) % C;
      want[c] = Math.max(want[c], v);
    });
    const L: LayerWeights = {
      key: 'l',
      kernel,
      fanIn: p.fanIn,
      out: p.out,
      taps: p.taps,
      positions: p.positions,
    };
    const got = channelSensitivity(L, session.sensitivities('max')![0]);
    got.forEach((v, c) => expect(v).toBeCloseTo(want[c], 5));
    expect(Math.max(...want)).toBeGreaterThan(0);
    session.dispose();
    m.dispose();
  });
});

// The CLI's accuracy of a written model is that of the files themselves, loaded back by stock
// tfjs: a different (slim, quantised) model scores as that model, not as the session's own.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PruningSession } from '../session';
import { exportModel } from './model';
import { shrinkModel } from '../structured/shrink';
import { batchFor, channelCnn } from '../../test-support/models';
import { useBackend } from '../../test-support/tf-node';
import { evaluateFiles } from './written';

let session: PruningSession;
let model: tf.LayersModel;
const N = 96;
const POINTS = 24;

beforeAll(async () => {
  await useBackend('cpu');
  model = channelCnn(3);
  const b = batchFor(model, N, 5, true);
  // Labels not the model's own, so that accuracy moves with every changed prediction.
  b.y = Int32Array.from(b.y!, (c, i) => (i % 3 === 0 ? (c + 1) % 4 : c));
  session = await PruningSession.create(model, b, { points: POINTS });
  await session.evaluate(null);
});
afterAll(() => {
  session.dispose();
  model.dispose();
});

describe('evaluateFiles', () => {
  it('scores the written slim uint8 model as stock tfjs loads it', async () => {
    const r = await session.prune('pfp', 0.6);
    const slim = await shrinkModel(session.modelWith(r));
    const exported = await exportModel(slim.model, { name: 'slim', quantize: 'uint8' });
    const before = tf.memory().numTensors;
    const e = await evaluateFiles(session, exported.files);
    expect(tf.memory().numTensors).toBe(before);

    // Recomputed from the files with stock tfjs, on the evaluation points (after the S points).
    const json = JSON.parse(new TextDecoder().decode(exported.files[0].data));
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: exported.files[1].data.slice().buffer,
      }),
    );
    const b = batchFor(model, N, 5, true);
    const per = b.xShape.slice(1).reduce((a, d) => a * d, 1);
    const x = tf.tensor(b.x.slice(POINTS * per), [N - POINTS, ...b.xShape.slice(1)]);
    const cls = tf.tidy(() => (loaded.predict(x) as tf.Tensor).argMax(-1).dataSync());
    const labels = Int32Array.from(b.y!, (c, i) => (i % 3 === 0 ? (c + 1) % 4 : c));
    const right = cls.filter((c, i) => c === labels[POINTS + i]).length;
    const same = cls.filter((c, i) => c === b.y![POINTS + i]).length;
    expect(e.accuracy).toBe(right / (N - POINTS));
    expect(e.agreement).toBe(same / (N - POINTS));
    tf.dispose([x]);
    loaded.dispose();
    slim.model.dispose();
  });

  it('a file that another model wrote scores as that model', async () => {
    const other = channelCnn(11);
    const exported = await exportModel(other, { name: 'other' });
    const e = await evaluateFiles(session, exported.files);
    const b = batchFor(model, N, 5, true);
    const per = b.xShape.slice(1).reduce((a, d) => a * d, 1);
    const x = tf.tensor(b.x.slice(POINTS * per), [N - POINTS, ...b.xShape.slice(1)]);
    const cls = tf.tidy(() => (other.predict(x) as tf.Tensor).argMax(-1).dataSync());
    x.dispose();
    expect(e.agreement).toBe(cls.filter((c, i) => c === b.y![POINTS + i]).length / (N - POINTS));
    expect(e.agreement).toBeLessThan(1);
    other.dispose();
  });

  it('names a shard the model.json asks for but nobody wrote', async () => {
    const m = channelCnn(3);
    const exported = await exportModel(m, { name: 'm' });
    m.dispose();
    await expect(evaluateFiles(session, [exported.files[0]])).rejects.toThrow(
      /names m\.weights\.bin, which was not written/,
    );
  });
});

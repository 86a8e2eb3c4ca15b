// Matching manifest weights to layers by name (issue 9): manifests in another order than the
// layers, layer names with '/', prefixes, cell names, same-named nested layers, and the cases
// where position is, and is not, allowed to decide.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NamedBytes } from '../types';
import { SippError } from '../util/errors';
import { loadModel } from './load';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Entry {
  spec: { name: string; shape: number[]; dtype: string };
  bytes: Uint8Array;
}

const FIX = path.join(__dirname, 'fixtures');
const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  parts.reduce((o, p) => (out.set(p, o), o + p.byteLength), 0);
  return out;
};

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

/** What model.save() writes, one entry per weight with its bytes. */
async function saved(model: tf.LayersModel): Promise<{ topology: Obj; entries: Entry[] }> {
  let a: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (x) => {
      a = x;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const data = new Uint8Array(a!.weightData as ArrayBuffer);
  let o = 0;
  const entries = (a!.weightSpecs as Entry['spec'][]).map((spec) => {
    const n = 4 * spec.shape.reduce((p, q) => p * q, 1);
    o += n;
    return { spec: { ...spec }, bytes: data.slice(o - n, o) };
  });
  return { topology: a!.modelTopology as Obj, entries };
}

/** model.json plus shards; `groups` splits the entries into one shard each. */
function files(topology: Obj, groups: Entry[][]): NamedBytes[] {
  const json = {
    format: 'layers-model',
    modelTopology: topology,
    weightsManifest: groups.map((g, i) => ({ paths: [`w${i + 1}.bin`], weights: g.map((e) => e.spec) })),
  };
  return [
    { name: 'model.json', data: enc(json) },
    ...groups.map((g, i) => ({ name: `w${i + 1}.bin`, data: concat(g.map((e) => e.bytes)) })),
  ];
}

const rename = (entries: Entry[], f: (name: string) => string) =>
  entries.map((e) => ({ ...e, spec: { ...e.spec, name: f(e.spec.name) } }));

function randomize(model: tf.LayersModel): void {
  tf.tidy(() =>
    model.setWeights(model.weights.map((w, i) => tf.randomNormal(w.shape as number[], 0, 1, 'float32', i))),
  );
}

function predict(model: tf.LayersModel, x: tf.Tensor): number[] {
  return tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));
}

async function failure(p: Promise<unknown>): Promise<SippError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(SippError);
  return e as SippError;
}

/** Input -> fire module (squeeze 1x1 -> expand 1x1 + 3x3 -> Concatenate) -> pooling -> softmax. */
function fire(sep: string): tf.LayersModel {
  const x = tf.input({ shape: [5, 5, 3], name: 'data' });
  const n = (s: string) => `fire2${sep}${s}`;
  const sq = tf.layers.conv2d({ name: n('squeeze1x1'), filters: 2, kernelSize: 1 }).apply(x);
  const e1 = tf.layers.conv2d({ name: n('expand1x1'), filters: 3, kernelSize: 1 }).apply(sq);
  const e3 = tf.layers.conv2d({ name: n('expand3x3'), filters: 3, kernelSize: 3, padding: 'same' }).apply(sq);
  const cat = tf.layers.concatenate({ name: n('concat') }).apply([e1, e3] as tf.SymbolicTensor[]);
  const pool = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(cat);
  const y = tf.layers.dense({ name: 'predictions', units: 2, activation: 'softmax' }).apply(pool);
  const m = tf.model({ inputs: x, outputs: y as tf.SymbolicTensor, name: 'squeezenet' });
  randomize(m);
  return m;
}

describe('matching manifest weights to layers by name', () => {
  it.each([
    'good/fire/tfjs-slash-names',
    'good/fire/tfjs-plain-names',
    'good/fire/keras2-old-slash-names',
    'good/dup-names/tfjs-shuffled',
    'good/nested/tfjs-shuffled',
  ])('%s: stock tf.loadLayersModel and loadModel predict the same', async (dir) => {
    const given = fs.readdirSync(path.join(FIX, dir)).map((f) => ({
      name: f,
      data: new Uint8Array(fs.readFileSync(path.join(FIX, dir, f))),
    }));
    const json = JSON.parse(new TextDecoder().decode(given.find((f) => f.name === 'model.json')!.data));
    const groups = json.weightsManifest as Array<{ paths: string[]; weights: Entry['spec'][] }>;
    const weightData = concat(
      groups.flatMap((g) => g.paths.map((p) => given.find((f) => f.name === p)!.data)),
    );
    const stock = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: groups.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
        weightData: weightData.slice().buffer,
      }),
    );
    const ours = await loadModel(given);
    const inShape = (stock.inputs[0].shape as number[]).slice(1);
    const x = tf.randomUniform([3, ...inShape], -1, 1, 'float32', 7);
    expect(predict(ours.model, x)).toEqual(predict(stock, x));
    tf.dispose([x]);
    stock.dispose();
    ours.model.dispose();
  });

  it("maps Keras 3 prefixes onto layer names with '/', longest name first", async () => {
    const src = fire('/');
    const { topology, entries } = await saved(src);
    const shuffled = [...entries].reverse();
    const loaded = await loadModel(files(topology, [rename(shuffled, (n) => `squeezenet/${n}`)]));
    expect(loaded.notices.join('\n')).toContain(
      "model-name prefix to their layers (e.g. 'squeezenet/predictions/bias')",
    );
    const x = tf.randomUniform([2, 5, 5, 3], -1, 1, 'float32', 1);
    expect(predict(loaded.model, x)).toEqual(predict(src, x));
    tf.dispose(x);
    [src, loaded.model].forEach((m) => m.dispose());
  });

  it('skips a cell name between layer and weight (lstm/lstm_cell/kernel), as stock tfjs does', async () => {
    const src = tf.sequential({
      name: 'seq',
      layers: [
        tf.layers.lstm({ name: 'lstm', units: 3, inputShape: [4, 2] }),
        tf.layers.dense({ name: 'out', units: 2 }),
      ],
    });
    randomize(src);
    const { topology, entries } = await saved(src);
    const named = rename([...entries].reverse(), (n) => n.replace(/^lstm\//, 'lstm/lstm_cell/'));
    expect(named.map((e) => e.spec.name)).toContain('lstm/lstm_cell/recurrent_kernel');
    const stock = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: topology,
        weightSpecs: named.map((e) => e.spec) as tf.io.WeightsManifestEntry[],
        weightData: concat(named.map((e) => e.bytes)).buffer as ArrayBuffer,
      }),
    );
    const loaded = await loadModel(files(topology, [named]));
    expect(loaded.notices).toEqual([]);
    const x = tf.randomUniform([2, 4, 2], -1, 1, 'float32', 2);
    expect(predict(loaded.model, x)).toEqual(predict(src, x));
    expect(predict(stock, x)).toEqual(predict(src, x));
    tf.dispose(x);
    [src, stock, loaded.model].forEach((m) => m.dispose());
  });

  it("gives 'dense/kernel' to the outer layer when a nested model, earlier in the model, has a 'dense' too", async () => {
    const x = tf.input({ shape: [4], name: 'x' });
    const inner = tf.sequential({
      name: 'inner',
      layers: [tf.layers.dense({ name: 'dense', units: 3, inputShape: [4] })],
    });
    const h = inner.apply(x) as tf.SymbolicTensor;
    const y = tf.layers.dense({ name: 'dense', units: 3 }).apply(h) as tf.SymbolicTensor;
    const src = tf.model({ inputs: x, outputs: y, name: 'functional' });
    randomize(src);
    const { topology, entries } = await saved(src);
    // Both layers have a kernel [4,3]/[3,3] and a bias [3]: the biases fit either layer by shape.
    const keras3 = ['inner/dense/kernel', 'inner/dense/bias', 'dense/kernel', 'dense/bias'];
    const named = entries.map((e, i) => ({ ...e, spec: { ...e.spec, name: keras3[i] } }));
    const loaded = await loadModel(files(topology, [[named[3], named[1], named[2], named[0]]]));
    const input = tf.randomUniform([2, 4], -1, 1, 'float32', 3);
    expect(predict(loaded.model, input)).toEqual(predict(src, input));
    tf.dispose(input);
    [src, loaded.model].forEach((m) => m.dispose());
  });

  it('matches unnamed weights by position only when every shape agrees, and says when equal shapes leave the order unchecked', async () => {
    const src = fire('_');
    const { topology, entries } = await saved(src);
    const unnamed = entries.map((e, i) => ({ ...e, spec: { ...e.spec, name: `w${i}` } }));
    const loaded = await loadModel(files(topology, [unnamed]));
    expect(loaded.notices.join('\n')).toMatch(
      /matched 8 weight\(s\) by position .*, but 4 of them share a shape with another, so their order is unchecked/,
    );
    const x = tf.randomUniform([2, 5, 5, 3], -1, 1, 'float32', 4);
    expect(predict(loaded.model, x)).toEqual(predict(src, x));
    tf.dispose(x);
    loaded.model.dispose();

    const before = tf.memory().numTensors;
    const e = await failure(loadModel(files(topology, [[unnamed[1], unnamed[0], ...unnamed.slice(2)]])));
    expect(e.code).toBe('weights-mismatch');
    expect(e.message).toBe(
      'model.json: the weights do not fit the model topology: 8 weight(s) name no layer of the model ' +
        "(e.g. 'w1') and cannot be matched by position: weight 'w1' [2] would go to layer " +
        "'fire2_squeeze1x1' (Conv2D) kernel [1,1,3,2].",
    );
    expect(tf.memory().numTensors).toBe(before);
    src.dispose();
  });

  it('names the file, the weight, its shard and the layer when a name points at a layer it does not fit', async () => {
    const src = fire('/');
    const { topology, entries } = await saved(src);
    const swapped = rename(entries, (n) =>
      n === 'fire2/expand1x1/bias'
        ? 'fire2/squeeze1x1/bias'
        : n === 'fire2/squeeze1x1/bias'
          ? 'fire2/expand1x1/bias'
          : n,
    );
    const given = files(topology, [swapped.slice(0, 3), swapped.slice(3)]).map((f) => ({
      ...f,
      name: `squeezenet/${f.name}`,
    }));
    const e = await failure(loadModel(given));
    expect(e.code).toBe('weights-mismatch');
    expect(e.message).toContain('squeezenet/model.json: the weights do not fit the model topology: ');
    expect(e.message).toContain(
      "weight 'fire2/squeeze1x1/bias' (in squeezenet/w2.bin) has shape [3] but layer 'fire2/squeeze1x1' (Conv2D) bias expects [2]",
    );
    src.dispose();
  });
});

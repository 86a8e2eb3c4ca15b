import { describe, expect, it } from 'vitest';
import { addToPool, isModelJson, sortPool, type PoolFile } from './files';

const enc = new TextEncoder();
const file = (name: string, text: string | number = 8, demo = false): PoolFile => ({
  name,
  data: typeof text === 'string' ? enc.encode(text) : new Uint8Array(text),
  demo,
});
const modelJson = (name = 'model.json', paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin']) =>
  file(
    name,
    JSON.stringify({ format: 'layers-model', modelTopology: {}, weightsManifest: [{ paths, weights: [] }] }),
  );

describe('sorting dropped files', () => {
  it('tells model.json from a batch .json by content, not by name', () => {
    expect(isModelJson(modelJson('whatever.json'))).toBe(true);
    expect(isModelJson(file('model.json', '{"x": [[1, 2]], "y": [0]}'))).toBe(false);
    expect(isModelJson(file('batch.json', '{"x": [[1]]}'))).toBe(false);
  });

  it('lists the shards still missing, then the batch, whatever the order files come in', () => {
    let pool = addToPool([], [file('group1-shard2of2.bin')]);
    let s = sortPool(pool);
    expect(s.missing[0]).toMatch(/^model\.json/);
    expect(s.entries[0].role).toBe('unknown');

    pool = addToPool(pool, [modelJson()]);
    s = sortPool(pool);
    expect(s.missing).toEqual([
      'group1-shard1of2.bin (a weight file named in model.json)',
      expect.stringMatching(/^a batch/),
    ]);
    expect(s.modelComplete).toBe(false);

    pool = addToPool(pool, [file('batch.npz'), file('group1-shard1of2.bin')]);
    s = sortPool(pool);
    expect(s.missing).toEqual([]);
    expect(s.modelComplete).toBe(true);
    expect(s.shards.map((f) => f.name).sort()).toEqual(['group1-shard1of2.bin', 'group1-shard2of2.bin']);
    expect(s.batch.map((f) => f.name)).toEqual(['batch.npz']);
  });

  it('keeps both halves of an x/y pair of .npy files but replaces any other batch', () => {
    let pool = addToPool([], [file('x_test.npy')]);
    pool = addToPool(pool, [file('y_test.npy')]);
    expect(sortPool(pool).batch.map((f) => f.name)).toEqual(['x_test.npy', 'y_test.npy']);
    pool = addToPool(pool, [file('other.npz')]);
    expect(sortPool(pool).batch.map((f) => f.name)).toEqual(['other.npz']);
  });

  it('asks for the inputs when only a labels .npy is given', () => {
    const s = sortPool(addToPool([], [file('y.npy')]));
    expect(s.missing.some((m) => m.includes('inputs .npy (x)'))).toBe(true);
  });

  it('a new model.json replaces the previous one; same-named files replace each other', () => {
    let pool = addToPool([], [modelJson('a/model.json', ['w.bin'])]);
    pool = addToPool(pool, [modelJson('b.json', ['v.bin'])]);
    expect(sortPool(pool).modelJson?.name).toBe('b.json');
    pool = addToPool(pool, [file('v.bin', 4)]);
    pool = addToPool(pool, [file('v.bin', 12)]);
    expect(pool.filter((f) => f.name === 'v.bin').map((f) => f.data.byteLength)).toEqual([12]);
  });

  it('user files push out the demo: all of it for a model, only its batch for a batch', () => {
    const demo = [
      modelJson('lenet/model.json', ['w.bin']),
      file('lenet/w.bin', 4, true),
      file('mnist.npz', 4, true),
    ];
    demo[0].demo = true;
    const withBatch = addToPool(demo, [file('mine.npz')]);
    expect(withBatch.map((f) => f.name)).toEqual(['lenet/model.json', 'lenet/w.bin', 'mine.npz']);
    const withModel = addToPool(demo, [modelJson()]);
    expect(withModel.map((f) => f.name)).toEqual(['model.json']);
    const demoAgain = addToPool(withModel, demo);
    expect(demoAgain.map((f) => f.name)).toEqual(demo.map((f) => f.name));
  });

  it('marks files the model does not name as unused', () => {
    const s = sortPool(addToPool([], [modelJson('model.json', ['w.bin']), file('w.bin'), file('notes.txt')]));
    expect(s.entries.find((e) => e.name === 'notes.txt')?.role).toBe('unused');
  });

  it('an unreadable model.json still counts as complete, so that loading reports its fault', () => {
    const s = sortPool([file('model.json', '{"modelTopology": {"truncated')]);
    expect(s.modelJson?.name).toBe('model.json');
    expect(s.modelComplete).toBe(true);
  });
});

// Two models of one session never share a name (their downloads would collide); the same files
// dropped again keep theirs; the session summary carries the sanity warnings.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpz } from '../core/export/npz';
import { useBackend } from '../test-support/tf-node';
import type { PoolFile } from './files';
import { Workspace } from './workspace';

const DEMO = new URL('../../public/demo/', import.meta.url);
const read = (path: string, name: string): PoolFile => ({
  name,
  data: new Uint8Array(readFileSync(new URL(path, DEMO))),
  demo: false,
});

describe('workspace names and warnings', () => {
  beforeAll(() => useBackend('cpu'));

  it('gives a second model of the same name a suffix, keeps names of files seen before', async () => {
    const ws = new Workspace();
    const mlp = [
      read('lenet-300-100/model.json', 'net/model.json'),
      read('lenet-300-100/weights.bin', 'net/weights.bin'),
    ];
    const cnn = [read('lenet5/model.json', 'net/model.json'), read('lenet5/weights.bin', 'net/weights.bin')];
    ws.add(mlp);
    await ws.sync();
    expect(ws.summary().model?.name).toBe('net');
    ws.clear();
    ws.add(cnn);
    await ws.sync();
    expect(ws.summary().model?.name).toBe('net-2');
    ws.clear();
    ws.add(mlp.map((f) => ({ ...f })));
    await ws.sync();
    expect(ws.summary().model?.name).toBe('net');
    ws.unload();
  });

  it('puts the sanity warnings in the session summary', async () => {
    const ws = new Workspace();
    ws.options = { scaleUint8: false, points: 8 };
    const n = 20;
    const x = Uint8Array.from({ length: n * 784 }, (_, i) => (i * 37) % 256);
    const y = Int32Array.from({ length: n }, (_, i) => i % 2);
    ws.add([
      read('lenet-300-100/model.json', 'model.json'),
      read('lenet-300-100/weights.bin', 'weights.bin'),
      {
        name: 'b.npz',
        data: encodeNpz({ x: { shape: [n, 784], data: x }, y: { shape: [n], data: y } }),
        demo: false,
      },
    ]);
    await ws.sync();
    const codes = ws.summary().session!.warnings.map((w) => w.code);
    expect(codes).toEqual(expect.arrayContaining(['few-samples', 'input-range', 'labels-subset']));
    ws.unload();
  });
});

// The client against a scripted fake worker: ids, outcomes, the cancel watchdog, and recovery
// from a failed backend (a fresh worker that is given the same files again).
import { describe, expect, it } from 'vitest';
import { EngineClient, type ClientHooks } from './client';
import type { BackendInfo, Event, Request, Workspace } from './protocol';

const info = (name: BackendInfo['name']): BackendInfo => ({
  name,
  choice: 'auto',
  adapter: name,
  softwareAdapter: false,
  reason: 'test',
  kernel: 'k',
});

const workspace = (files: string[]): Workspace => ({
  files: files.map((name) => ({ name, bytes: 1, role: 'batch', demo: false })),
  missing: [],
  model: null,
  batch: null,
  session: null,
  errors: [],
  ready: false,
  training: { files: [], set: null, initFiles: [], init: null, initMissing: [], errors: [] },
  generation: 1,
});

/** A worker that answers init and add-files, and never finishes 'prepare' unless told to honour cancels. */
class FakeWorker {
  onmessage: ((m: MessageEvent<Event>) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  received: Request[] = [];
  /** Transferables per request id. */
  transferred = new Map<number, number>();
  terminated = false;
  private files: string[] = [];
  constructor(
    private readonly backend: BackendInfo['name'],
    private readonly honourCancel: boolean,
  ) {}
  emit(e: Event) {
    setTimeout(() => this.onmessage?.({ data: e } as MessageEvent<Event>), 0);
  }
  postMessage(req: Request, transfer: Transferable[] = []) {
    this.received.push(req);
    this.transferred.set(req.id, transfer.length);
    switch (req.type) {
      case 'init':
        return this.emit({
          type: 'backend',
          id: req.id,
          info: { ...info(this.backend), choice: req.backend },
        });
      case 'add-files':
        this.files.push(...req.files.map((f) => f.name));
        return this.emit({ type: 'workspace', id: req.id, workspace: workspace(this.files) });
      case 'prepare':
        return this.emit({
          type: 'progress',
          id: req.id,
          progress: { stage: 'sensitivities', done: 1, total: 4 },
        });
      case 'cancel':
        if (this.honourCancel) this.emit({ type: 'cancelled', id: req.target });
        return;
      case 'train-set':
      case 'train-init':
        return this.emit({
          type: 'training',
          id: req.id,
          training: {
            ...workspace([]).training,
            files: req.files.map((f) => ({
              name: f.name,
              bytes: f.data.byteLength,
              role: 'batch',
              demo: req.demo,
            })),
          },
        });
      default:
        return;
    }
  }
  terminate() {
    this.terminated = true;
  }
}

function setup(honourCancel: boolean) {
  const workers: FakeWorker[] = [];
  const restarts: { backend: BackendInfo; ws: Workspace | null; reason: string | null }[] = [];
  const hooks: ClientHooks = {
    onRestart: (backend, ws, reason) => restarts.push({ backend, ws, reason }),
    onFatal: (e) => {
      throw new Error(`fatal: ${e.message}`);
    },
  };
  const client = new EngineClient(hooks, () => {
    const w = new FakeWorker(workers.length === 0 ? 'webgpu' : 'wasm', honourCancel);
    workers.push(w);
    return w as unknown as Worker;
  });
  return { client, workers, restarts };
}

const blob = (name: string) => ({ name, blob: new Blob([new Uint8Array([1, 2, 3])]) });

describe('EngineClient', () => {
  it('numbers requests, streams progress to the caller and resolves with the result', async () => {
    const { client, workers } = setup(true);
    await client.start('auto');
    const r = await client.addFiles([blob('a.npz')], false);
    expect(r.kind === 'ok' && r.event.workspace.files.map((f) => f.name)).toEqual(['a.npz']);
    const progress: Event[] = [];
    const call = client.call<'prepare'>({ type: 'prepare', methods: ['sipp'] }, (e) => progress.push(e));
    await new Promise((res) => setTimeout(res, 5));
    expect(progress.map((e) => e.type)).toEqual(['progress']);
    call.cancel();
    expect(await call.done).toEqual({ kind: 'cancelled' });
    const ids = workers[0].received.map((q) => q.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('replaces a worker that ignores a cancel for more than a second, and gives the new one the files', async () => {
    const { client, workers, restarts } = setup(false);
    await client.start('auto');
    await client.addFiles([blob('model.json'), blob('w.bin')], false);
    const call = client.call<'prepare'>({ type: 'prepare', methods: ['sipp'] });
    const t0 = Date.now();
    call.stop();
    expect(await call.done).toEqual({ kind: 'cancelled', restarted: true });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    await expect.poll(() => restarts.length).toBe(2);
    expect(workers).toHaveLength(2);
    expect(workers[0].terminated).toBe(true);
    const replayed = workers[1].received.filter((q) => q.type === 'add-files');
    expect(replayed.flatMap((q) => (q.type === 'add-files' ? q.files.map((f) => f.name) : []))).toEqual([
      'model.json',
      'w.bin',
    ]);
    expect(restarts[1].reason).toMatch(/did not stop within a second/);
    expect(restarts[1].ws?.files).toHaveLength(2);
  });

  it('moves to another backend when the worker reports its backend failed, and says why', async () => {
    const { client, workers, restarts } = setup(true);
    await client.start('webgpu');
    await client.addFiles([blob('b.npz')], false);
    workers[0].emit({ type: 'backend-failed', id: 0, name: 'webgpu', error: 'the GPU device was lost' });
    await expect.poll(() => restarts.length).toBe(2);
    const init = workers[1].received.find((q) => q.type === 'init');
    expect(init).toMatchObject({ backend: 'auto', exclude: ['webgpu'] });
    expect(restarts[1].backend.name).toBe('wasm');
    expect(restarts[1].backend.fellBackFrom).toEqual({ name: 'webgpu', error: 'the GPU device was lost' });
    expect(restarts[1].reason).toMatch(/webgpu backend failed: the GPU device was lost/);
    expect(restarts[1].ws?.files.map((f) => f.name)).toEqual(['b.npz']);
  });

  it('transfers training files, and gives them to a fresh worker after the model files, in order', async () => {
    const { client, workers, restarts } = setup(true);
    await client.start('webgpu');
    await client.addFiles([blob('model.json'), blob('w.bin'), blob('b.npz')], false);
    const big = blob('train.npz');
    const r = await client.setTrainingFiles('train-set', [big], false);
    expect(r.kind === 'ok' && r.event.training.files.map((f) => f.name)).toEqual(['train.npz']);
    const sent = workers[0].received.find((q) => q.type === 'train-set')!;
    expect(workers[0].transferred.get(sent.id)).toBe(1);
    await client.setTrainingFiles('train-init', [blob('init/model.json')], false);
    await client.setTrainingFiles('train-init', [blob('init/weights.bin')], false);
    // A second training set replaces the first; a removed one is not given again.
    await client.setTrainingFiles('train-set', [blob('other.npz')], false);
    await client.setTrainingFiles('train-set', [], false);
    await client.setTrainingFiles('train-set', [blob('third.npz')], false);
    workers[0].emit({ type: 'backend-failed', id: 0, name: 'webgpu', error: 'lost' });
    await expect.poll(() => restarts.length).toBe(2);
    const replayed = workers[1].received
      .filter((q) => q.type === 'add-files' || q.type === 'train-set' || q.type === 'train-init')
      .map((q) => `${q.type}:${'files' in q ? q.files.map((f) => f.name).join('+') : ''}`);
    expect(replayed).toEqual([
      'add-files:model.json+w.bin+b.npz',
      'train-init:init/model.json',
      'train-init:init/weights.bin',
      'train-set:third.npz',
    ]);
    expect(restarts[1].ws?.training.files.map((f) => f.name)).toEqual(['third.npz']);
  });

  it('drops answers to requests it no longer waits for', async () => {
    const { client, workers } = setup(true);
    await client.start('auto');
    workers[0].emit({ type: 'pruned', id: 999, result: {} as never });
    const r = await client.addFiles([blob('c.npz')], false);
    expect(r.kind).toBe('ok');
  });
});

// The page's handle on the engine worker, and the only module of src/worker the UI imports.
// Requests get ids; each call resolves with its outcome (result, error or cancelled) and streams
// its progress. A cancel that the worker does not honour within a second, a backend that dies, or
// a switch of backend all end the same way: a fresh worker, given the same files again.
import {
  isFinal,
  type BackendChoice,
  type BackendInfo,
  type BackendName,
  type Event,
  type EventOf,
  type Request,
  type RequestOf,
  type RequestType,
  type ResultOf,
  type SessionOptions,
  type UserError,
  type Workspace,
} from './protocol';

/** `restarted` on a cancellation: the worker did not stop in time and was replaced. */
export type Outcome<T extends RequestType> =
  | { kind: 'ok'; event: EventOf<ResultOf[T]> }
  | { kind: 'cancelled'; restarted?: boolean }
  | { kind: 'error'; error: UserError };

export interface Call<T extends RequestType> {
  id: number;
  done: Promise<Outcome<T>>;
  /** Asks the worker to stop this request; the answer becomes 'cancelled' when it has. */
  cancel(): void;
  /** Like cancel, but if the worker has not stopped a second later, it is replaced (files reloaded). */
  stop(): void;
}

export interface ClientHooks {
  /** A fresh worker is up (first start, backend switch, recovery): its backend and workspace. */
  onRestart(backend: BackendInfo, workspace: Workspace | null, reason: string | null): void;
  /** The worker failed to start or crashed, and no fresh one could be started. */
  onFatal(error: UserError): void;
}

interface Pending {
  resolve: (o: Outcome<RequestType>) => void;
  onEvent?: (e: Event) => void;
}

/** Each call without its id. */
type Body<T extends RequestType> = T extends RequestType ? Omit<RequestOf<T>, 'id'> : never;

export interface NamedBlob {
  name: string;
  blob: Blob;
}

/** Milliseconds a cancelled request may take to stop before the worker is replaced. */
export const CANCEL_GRACE_MS = 1000;

export type WorkerFactory = () => Worker;

const defaultFactory: WorkerFactory = () =>
  new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'sipp-engine' });

export class EngineClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /**
   * The file calls since the last demo, replayed in order into a fresh worker: the model and batch
   * (`files`, up to the last clear) and the training data (`train-set`, `train-init`), which
   * survive a backend switch too.
   */
  private adds: { kind: 'files' | 'train-set' | 'train-init'; files: NamedBlob[]; demo: boolean }[] = [];
  private options: SessionOptions = { scaleUint8: false, points: null };
  private choice: BackendChoice = 'auto';
  private readonly exclude: BackendName[] = [];
  private restarting: Promise<void> | null = null;
  private starts = 0;

  constructor(
    private readonly hooks: ClientHooks,
    private readonly factory: WorkerFactory = defaultFactory,
  ) {}

  get backendChoice(): BackendChoice {
    return this.choice;
  }

  /** Starts (or restarts) the worker on `choice`, replaying the files and options it had. */
  start(
    choice: BackendChoice,
    reason: string | null = null,
    fellBackFrom?: BackendInfo['fellBackFrom'],
  ): Promise<void> {
    this.choice = choice;
    const generation = ++this.starts;
    // A newer start (another backend switch, a second failure) makes this one moot: stop quietly.
    const superseded = () => generation !== this.starts;
    const run = async () => {
      this.stopWorker();
      const worker = this.factory();
      this.worker = worker;
      worker.onmessage = (m: MessageEvent<Event>) => this.receive(m.data);
      worker.onerror = (e) => {
        e.preventDefault();
        this.failAll({
          where: 'backend',
          code: 'worker-crashed',
          message: `The compute engine stopped: ${e.message || 'unknown error'}.`,
        });
      };
      const init = await this.call<'init'>({ type: 'init', backend: choice, exclude: [...this.exclude] })
        .done;
      if (superseded()) return;
      if (init.kind !== 'ok') {
        const error =
          init.kind === 'error'
            ? init.error
            : { where: 'backend' as const, code: 'init-cancelled', message: 'The engine did not start.' };
        this.hooks.onFatal(error);
        return;
      }
      const info = { ...init.event.info };
      if (fellBackFrom && !info.fellBackFrom) info.fellBackFrom = fellBackFrom;
      let workspace = null as Workspace | null;
      if (this.options.scaleUint8 || this.options.points !== null || this.options.trainSplit) {
        await this.call<'set-options'>({ type: 'set-options', options: this.options }).done;
      }
      for (const add of this.adds) {
        if (add.kind === 'files') {
          const r = await this.send(add.files, add.demo).done;
          if (r.kind === 'ok') workspace = r.event.workspace;
        } else {
          const r = await this.sendTraining(add.kind, add.files, add.demo);
          if (r.kind === 'ok' && workspace) workspace = { ...workspace, training: r.event.training };
        }
      }
      if (!superseded()) this.hooks.onRestart(info, workspace, reason);
    };
    const p = run().finally(() => {
      if (this.restarting === p) this.restarting = null;
    });
    this.restarting = p;
    return p;
  }

  private stopWorker(): void {
    if (this.worker) {
      this.worker.onmessage = null;
      this.worker.onerror = null;
      this.worker.terminate();
      this.worker = null;
    }
    for (const p of this.pending.values()) p.resolve({ kind: 'cancelled' });
    this.pending.clear();
  }

  private failAll(error: UserError): void {
    for (const p of this.pending.values()) p.resolve({ kind: 'error', error });
    this.pending.clear();
    this.hooks.onFatal(error);
  }

  private receive(e: Event): void {
    if (e.type === 'backend-failed' && e.id === 0) {
      if (!this.exclude.includes(e.name)) this.exclude.push(e.name);
      void this.start(
        'auto',
        `The ${e.name} backend failed: ${e.error}. The engine moved to another backend and recomputes there.`,
        {
          name: e.name,
          error: e.error,
        },
      );
      return;
    }
    const p = this.pending.get(e.id);
    if (!p) return; // a superseded or unknown request: its answer is stale
    if (!isFinal(e)) {
      p.onEvent?.(e);
      return;
    }
    this.pending.delete(e.id);
    if (e.type === 'error') p.resolve({ kind: 'error', error: e.error });
    else if (e.type === 'cancelled') p.resolve({ kind: 'cancelled' });
    else p.resolve({ kind: 'ok', event: e } as Outcome<RequestType>);
  }

  /** Sends a request; `onEvent` gets its progress and streamed points. */
  call<T extends RequestType>(
    body: Body<T>,
    onEvent?: (e: Event) => void,
    transfer: Transferable[] = [],
  ): Call<T> {
    const id = this.nextId++;
    const req = { ...body, id } as Request;
    const done = new Promise<Outcome<T>>((resolve) => {
      this.pending.set(id, { resolve: resolve as (o: Outcome<RequestType>) => void, onEvent });
    });
    if (this.worker) this.worker.postMessage(req, transfer);
    else this.pending.get(id)?.resolve({ kind: 'cancelled' });
    return { id, done, cancel: () => this.cancel(id, false), stop: () => this.cancel(id, true) };
  }

  private cancel(id: number, watchdog: boolean): void {
    if (!this.pending.has(id) || !this.worker) return;
    this.worker.postMessage({ type: 'cancel', id: this.nextId++, target: id } satisfies Request);
    if (!watchdog) return;
    setTimeout(() => {
      // Still running: the worker is stuck in a long step (or a GPU that does not answer).
      if (this.pending.has(id)) {
        this.pending.get(id)?.resolve({ kind: 'cancelled', restarted: true });
        this.pending.delete(id);
        void this.start(this.choice, 'The engine did not stop within a second, so it was restarted.');
      }
    }, CANCEL_GRACE_MS);
  }

  private send(files: NamedBlob[], demo: boolean): Call<'add-files'> {
    // Read all files first, then send in one message with the buffers transferred (no copy).
    const id = this.nextId++;
    const done = (async (): Promise<Outcome<'add-files'>> => {
      const payload = await Promise.all(
        files.map(async (f) => ({ name: f.name, data: await f.blob.arrayBuffer() })),
      );
      const call = this.call<'add-files'>(
        { type: 'add-files', files: payload, demo },
        undefined,
        payload.map((p) => p.data),
      );
      return call.done;
    })();
    return { id, done, cancel: () => {}, stop: () => {} };
  }

  /** Adds files (any mix of model.json, shards, batch); `demo` files replace everything. */
  async addFiles(files: NamedBlob[], demo: boolean): Promise<Outcome<'add-files'>> {
    await this.restarting;
    if (demo) this.adds = [];
    this.adds.push({ kind: 'files', files, demo });
    return this.send(files, demo).done;
  }

  /** Removes the model and batch files (the training data stays). */
  async clearFiles(): Promise<Outcome<'clear-files'>> {
    await this.restarting;
    this.adds = this.adds.filter((a) => a.kind !== 'files');
    return this.call<'clear-files'>({ type: 'clear-files' }).done;
  }

  /**
   * Replaces the training set (`train-set`) or the lottery ticket's initial weights (`train-init`);
   * no files removes them. Buffers are transferred to the worker, never copied by postMessage.
   */
  async setTrainingFiles(
    kind: 'train-set' | 'train-init',
    files: NamedBlob[],
    demo: boolean,
  ): Promise<Outcome<'train-set' | 'train-init'>> {
    await this.restarting;
    // A training set replaces the previous one; initial weights may come in two drops.
    if (files.length === 0 || kind === 'train-set') this.adds = this.adds.filter((a) => a.kind !== kind);
    if (files.length > 0) this.adds.push({ kind, files, demo });
    return this.sendTraining(kind, files, demo);
  }

  private async sendTraining(
    kind: 'train-set' | 'train-init',
    files: NamedBlob[],
    demo: boolean,
  ): Promise<Outcome<'train-set' | 'train-init'>> {
    const payload = await Promise.all(
      files.map(async (f) => ({ name: f.name, data: await f.blob.arrayBuffer() })),
    );
    return this.call<'train-set' | 'train-init'>(
      { type: kind, files: payload, demo },
      undefined,
      payload.map((p) => p.data),
    ).done;
  }

  async setOptions(options: SessionOptions): Promise<Outcome<'set-options'>> {
    await this.restarting;
    this.options = { ...options };
    return this.call<'set-options'>({ type: 'set-options', options }).done;
  }

  /** Test hook: destroys the WebGPU device, as a GPU reset would. */
  loseDevice(): void {
    this.call({ type: 'lose-device' });
  }

  dispose(): void {
    this.stopWorker();
  }
}

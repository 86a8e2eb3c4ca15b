// The engine worker: receives requests from client.ts, runs the core, answers with events.
// One worker serves one backend for its whole life: switching backend (or recovering from a
// lost GPU) means a fresh worker, which the client arranges.
/// <reference lib="webworker" />
import * as tf from '@tensorflow/tfjs';
import { isAbortError, SippError } from '../core';
import { loseDevice, startBackend, watchDeviceLoss } from './backend';
import { Jobs } from './jobs';
import { TrainJobs } from './train-jobs';
import { RunsJobs } from './runs-jobs';
import {
  assertNever,
  type BackendName,
  type Event,
  type FilePayload,
  type Request,
  type UserError,
} from './protocol';
import { toUserError, Workspace } from './workspace';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (e: Event, transfer: Transferable[] = []) => scope.postMessage(e, transfer);

const ws = new Workspace();
const jobs = new Jobs(ws, post);
const training = new TrainJobs(ws, jobs, post);
const runs = new RunsJobs(ws, jobs, post);

/** Changes to the files or options: running jobs are stale, so they are stopped first. */
async function mutate(id: number, change: () => void): Promise<Event> {
  jobs.cancelAll();
  return jobs.lock.run(5, async () => {
    post({ type: 'progress', id, progress: { stage: 'loading', done: 0, total: 1 } });
    change();
    await ws.sync();
    post({ type: 'progress', id, progress: { stage: 'loading', done: 1, total: 1 } });
    return { type: 'workspace', id, workspace: ws.summary() };
  });
}

/** Views on the transferred buffers: no copy. */
const poolFiles = (files: FilePayload[], demo: boolean) =>
  files.map((f) => ({ name: f.name, data: new Uint8Array(f.data), demo }));

async function handle(req: Request): Promise<Event | null> {
  switch (req.type) {
    case 'init': {
      const info = await startBackend(req.backend, req.exclude);
      watchDeviceLoss((error) => {
        jobs.cancelAll();
        post({ type: 'backend-failed', id: 0, name: 'webgpu', error });
      });
      return { type: 'backend', id: req.id, info };
    }
    case 'add-files':
      return mutate(req.id, () => ws.add(poolFiles(req.files, req.demo)));
    case 'clear-files':
      return mutate(req.id, () => ws.clear());
    case 'set-options':
      return mutate(req.id, () => (ws.options = { ...req.options }));
    case 'prepare':
      return jobs.prepare(req);
    case 'prune':
      return jobs.prune(req);
    case 'size':
      return jobs.size(req);
    case 'export':
      return jobs.export(req);
    case 'speed':
      return jobs.speed(req);
    case 'sweep':
      return jobs.sweep(req);
    case 'cancel':
      jobs.cancel(req.target);
      return { type: 'done', id: req.id };
    case 'lose-device':
      loseDevice();
      return { type: 'done', id: req.id };
    // Training data does not change the session: no lock, no cancel of running jobs. Parsing is
    // synchronous, so it always sees one model (a load in progress refits it when done).
    case 'train-set':
      ws.setTrainingFiles(poolFiles(req.files, req.demo));
      return { type: 'training', id: req.id, training: ws.training.summary() };
    case 'train-init':
      await ws.training.setInit(poolFiles(req.files, req.demo));
      return { type: 'training', id: req.id, training: ws.training.summary() };
    case 'train':
      return training.train(req);
    case 'classes':
      return runs.classes(req);
    case 'samples':
      return runs.samples(req);
    case 'fingerprint':
      return runs.fingerprint(req);
    default:
      return assertNever(req, 'request');
  }
}

const WHERE: Record<Request['type'], UserError['where']> = {
  init: 'backend',
  'add-files': 'files',
  'clear-files': 'files',
  'set-options': 'batch',
  prepare: 'sensitivities',
  prune: 'prune',
  size: 'prune',
  export: 'export',
  speed: 'prune',
  sweep: 'curves',
  cancel: 'files',
  'lose-device': 'backend',
  'train-set': 'train',
  'train-init': 'train-init',
  train: 'retrain',
  classes: 'prune',
  samples: 'prune',
  fingerprint: 'files',
};

scope.onmessage = async (msg: MessageEvent<Request>) => {
  const req = msg.data;
  if (!req || typeof req !== 'object' || typeof req.type !== 'string' || !(req.type in WHERE)) {
    post({
      type: 'error',
      id: typeof req?.id === 'number' ? req.id : 0,
      error: {
        where: 'backend',
        code: 'bad-request',
        message: `The engine got an unknown request: ${JSON.stringify(req)}`,
      },
    });
    return;
  }
  try {
    const answer = await handle(req);
    if (answer) post(answer);
  } catch (e) {
    if (isAbortError(e)) {
      post({ type: 'cancelled', id: req.id });
      return;
    }
    post({ type: 'error', id: req.id, error: toUserError(e, WHERE[req.type]) });
    // An unexpected failure on a GPU backend (lost device, out of memory, a missing kernel) is
    // the backend's: the client starts a fresh worker on the next backend and says so.
    const backend = tf.getBackend() as BackendName;
    if (!(e instanceof SippError) && (backend === 'webgpu' || backend === 'webgl') && req.type !== 'init') {
      post({
        type: 'backend-failed',
        id: 0,
        name: backend,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }
};

// The page's side of retraining: the training data sent to the worker (files, a split of the
// batch, the lottery ticket's initial weights), a training run (its events folded into the state),
// cancel, and picking a retrained model for the slider and the download.
import type { Call, NamedBlob } from '../../worker/client';
import type { UserError } from '../../worker/protocol';
import { fetchDemoInit, fetchDemoTraining } from './demo';
import { parseForm, withResult, type RetrainForm } from './retrain';
import { endRun, newRun, runEvent } from './retrain-progress';
import type { Studio } from './studio';
import type { DemoList, DemoModel, RetrainView } from './types';

export class RetrainRunner {
  private call: Call<'train'> | null = null;

  constructor(private readonly studio: Studio) {}

  private get view(): RetrainView {
    return this.studio.getState().retrain;
  }

  private patch(p: Partial<RetrainView>): void {
    this.studio.set({ retrain: { ...this.view, ...p } });
  }

  get running(): boolean {
    return this.view.run?.state === 'running';
  }

  setForm(patch: Partial<RetrainForm>): void {
    this.patch({ form: { ...this.view.form, ...patch }, error: null });
  }

  setUseRetrained(useRetrained: boolean): void {
    this.patch({ useRetrained });
  }

  setSplitPercent(splitPercent: string): void {
    this.patch({ splitPercent });
  }

  // --- a run ---------------------------------------------------------------------------------
  start(): void {
    const s = this.studio.getState();
    if (this.running || !s.prepared) return;
    const parsed = parseForm(this.view.form, { sparsity: s.sparsity, method: s.method, seed: s.seed });
    if (!parsed.ok) {
      this.patch({ error: { where: 'retrain', code: 'bad-form', message: parsed.error } });
      return;
    }
    const params = parsed.params;
    const key = this.studio.wsKey;
    const call = this.studio.client.call<'train'>({ type: 'train', ...params }, (e) => {
      if (this.call !== call || !this.view.run) return;
      const run = runEvent(this.view.run, e, performance.now());
      if (e.type === 'train-step-done') this.patch({ run, results: withResult(this.view.results, e.step) });
      else this.patch({ run });
    });
    this.call = call;
    this.patch({ run: newRun(call.id, params, performance.now()), error: null });
    void call.done.then((r) => {
      if (this.call !== call) return;
      this.call = null;
      const run = this.view.run;
      if (!run || run.id !== call.id || key !== this.studio.wsKey) return;
      this.patch({ run: endRun(run, r, performance.now()) });
    });
  }

  /** Stops the run within a minibatch; what finished stays (no worker restart, which would lose it). */
  cancel(): void {
    const call = this.call;
    const run = this.view.run;
    if (!call || !run) return;
    this.call = null;
    const t0 = performance.now();
    call.cancel();
    this.patch({ run: endRun(run, { kind: 'cancelled' }, t0) });
    void call.done.then(() => {
      const now = this.view.run;
      if (!now || now.id !== run.id || now.state !== 'cancelled') return;
      const ms = Math.round(performance.now() - t0);
      this.patch({ run: { ...now, message: `${now.message} The engine stopped in ${ms} ms.` } });
    });
  }

  /** A new model, batch or setting: results of the old one no longer apply. */
  reset(reason: string | null): void {
    const run = this.view.run;
    this.call = null;
    this.patch({
      results: [],
      selectedId: null,
      run:
        run && run.state === 'running'
          ? { ...endRun(run, { kind: 'cancelled' }, performance.now()), message: reason }
          : run,
    });
  }

  /** Shows a retrained model: the slider moves to its method and sparsity, the download takes it. */
  select(resultId: string): void {
    const r = this.view.results.find((x) => x.resultId === resultId);
    if (!r) return;
    this.patch({ selectedId: resultId, useRetrained: true });
    if (this.studio.getState().method !== r.method) this.studio.setMethod(r.method);
    this.studio.setSparsity(r.targetSparsity);
  }

  // --- training data -------------------------------------------------------------------------
  private fail(error: UserError): void {
    this.patch({ loading: null, error });
  }

  private async send(kind: 'train-set' | 'train-init', files: NamedBlob[], demo: boolean): Promise<void> {
    this.patch({ loading: kind, error: null });
    const r = await this.studio.client.setTrainingFiles(kind, files, demo);
    if (r.kind === 'ok') {
      this.studio.set({ training: r.event.training });
      this.patch({ loading: null });
    } else if (r.kind === 'error') this.fail(r.error);
    else this.patch({ loading: null });
  }

  /** A training set from files; a split of the batch gives way to it. */
  async addTrainingFiles(files: NamedBlob[], demo = false): Promise<void> {
    if (files.length === 0) return;
    if (this.studio.getState().options.trainSplit) await this.studio.setOptions({ trainSplit: null });
    await this.send('train-set', files, demo);
  }

  removeTrainingSet(): Promise<void> {
    return this.send('train-set', [], false);
  }

  setInitFiles(files: NamedBlob[], demo = false): Promise<void> {
    return this.send('train-init', files, demo);
  }

  removeInit(): Promise<void> {
    return this.send('train-init', [], false);
  }

  /** Trains on a seeded share of the batch; pruning and evaluation use the rest (new sensitivities). */
  async split(): Promise<void> {
    const percent = Number(this.view.splitPercent);
    if (!(percent > 0 && percent < 100)) {
      this.fail({
        where: 'train',
        code: 'train-split-fraction',
        message: `The training share must be a percentage between 0 and 100; got "${this.view.splitPercent}".`,
      });
      return;
    }
    const seed = Number.isInteger(Number(this.view.form.seed)) ? Number(this.view.form.seed) : 0;
    this.patch({ error: null });
    await this.studio.setOptions({ trainSplit: { fraction: percent / 100, seed } });
  }

  async unsplit(): Promise<void> {
    await this.studio.setOptions({ trainSplit: null });
  }

  /** The demo's training split and initial weights, sent as the demo's (none: removed). */
  async loadDemoData(list: DemoList, model: DemoModel): Promise<void> {
    try {
      const [train, init] = await Promise.all([fetchDemoTraining(list), fetchDemoInit(model)]);
      await this.send('train-set', train, true);
      await this.send('train-init', init, true);
    } catch (e) {
      this.fail({
        where: 'train',
        code: 'demo-unavailable',
        message: `The demo's training data could not be loaded: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
  }
}

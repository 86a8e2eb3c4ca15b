// The controller behind the per-class view, the flipped samples, the run history and the
// comparison: it follows the studio's state (never the other way round), asks the worker for
// summaries of the model on screen, and keeps runs in IndexedDB through RunStore.
import { zipSync } from 'fflate';
import { compareReportHtml, runReportHtml } from '../report/html';
import type { RunRecord } from '../report/types';
import type { MethodKey, SampleView } from '../../worker/protocol';
import { missingSamples, pageOf, viewKey } from './classes';
import { disagreement } from './compare';
import { fileStem, saveFile } from './download';
import { exportedTrained, exportName } from './exporter';
import { browserEstimate, IdbBackend } from './history/idb';
import { buildRecord, fromBase64, toBase64 } from './history/record';
import { exportRuns, mismatch, RunStore } from './history/store';
import { initialRuns, type FlipFilter, type RunsState } from './runs-types';
import { Store } from './store';
import type { Studio } from './studio';
import { pruneParams } from './limits';
import { readUrl } from './url';
import { TOOL_VERSION } from './version';

/** The per-class request waits for the slider to rest this long (it is a forward pass). */
const CLASSES_DELAY_MS = 350;
/** Samples kept on the page per model + batch; older pages are fetched again if needed. */
const MAX_SAMPLES = 600;

function defaultHistory(): RunStore | null {
  if (typeof indexedDB === 'undefined') return null;
  return new RunStore(new IdbBackend(indexedDB), browserEstimate);
}

export class Runs extends Store<RunsState> {
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The view the latest classes request was for. */
  private asked: string | null = null;
  private samplesFor = '';
  private printsAsked = '';
  private readonly loading = new Set<number>();
  /** The model fingerprint the opening link names (url.ts), until a model with it is loaded. */
  private linkModel: string | null = typeof location === 'undefined' ? null : readUrl(location.search).model;

  constructor(
    private readonly studio: Studio,
    private readonly history: RunStore | null = defaultHistory(),
  ) {
    super(initialRuns());
    studio.subscribe(() => this.follow());
  }

  // --- following the studio ----------------------------------------------------------------
  private follow(): void {
    const st = this.studio.getState();
    const wsKey = this.studio.wsKey;
    if (wsKey !== this.samplesFor) {
      // Another model, batch or split: its evaluation samples are other samples.
      this.samplesFor = wsKey;
      this.loading.clear();
      this.set({ samples: {}, layout: null, samplesError: null, prints: null, printsFor: null });
    }
    if (st.workspace?.ready && this.printsAsked !== wsKey) {
      this.printsAsked = wsKey;
      void this.fingerprint(wsKey);
    }
    const key = viewKey(st, wsKey);
    if (key === this.asked) return;
    this.asked = key;
    if (this.timer) clearTimeout(this.timer);
    if (key === null) {
      if (this.state.classes) this.set({ classes: null, classesFor: null, classesPending: false });
      return;
    }
    this.set({ classesPending: true });
    this.timer = setTimeout(() => void this.requestClasses(key), CLASSES_DELAY_MS);
  }

  private async fingerprint(wsKey: string): Promise<void> {
    const r = await this.studio.client.call<'fingerprint'>({ type: 'fingerprint' }).done;
    if (r.kind !== 'ok' || wsKey !== this.studio.wsKey) return;
    const prints = r.event.fingerprints;
    this.set({ prints, printsFor: wsKey });
    this.studio.scheduleUrl();
    const link = this.linkModel;
    if (!link || !prints.model) return;
    if (prints.model.startsWith(link)) this.linkModel = null;
    else
      this.set({
        notice: {
          kind: 'error',
          text:
            `This link was made for the model with fingerprint ${link.slice(0, 8)}…, but the model loaded now is ` +
            `${prints.model.slice(0, 8)}…: the method, sparsity and seed in the link are shown on another model. ` +
            'Drop the same model files to see the view the link describes.',
        },
      });
  }

  private async requestClasses(key: string): Promise<void> {
    const st = this.studio.getState();
    const p = st.pruned;
    if (!p) return;
    const t = exportedTrained(st);
    const r = await this.studio.client.call<'classes'>({
      type: 'classes',
      // The slider's parameters (per-layer limits too), for the result on screen.
      ...pruneParams(st),
      method: p.method,
      sparsity: p.targetSparsity,
      seed: p.seed,
      ...(t ? { resultId: t.resultId } : {}),
    }).done;
    if (key !== this.asked) return; // the slider moved on: a newer request follows
    if (r.kind === 'ok') {
      this.set({
        classes: r.event.report,
        classesFor: key,
        classesPending: false,
        classesError: null,
        layout: r.event.report.layout,
        // Another model flips other samples: back to the first page.
        flipPage: this.state.classesFor === key ? this.state.flipPage : 0,
      });
      void this.ensurePage();
    } else if (r.kind === 'error') this.set({ classesPending: false, classesError: r.error });
  }

  /** True when the summary on screen is for the model on screen. */
  isCurrent(): boolean {
    return this.state.classesFor !== null && this.state.classesFor === this.asked;
  }

  // --- flipped samples ---------------------------------------------------------------------
  setFlipFilter(flipFilter: FlipFilter): void {
    this.set({ flipFilter, flipPage: 0 });
    void this.ensurePage();
  }

  setFlipPage(page: number): void {
    this.set({ flipPage: page });
    void this.ensurePage();
  }

  private ensurePage(): Promise<void> {
    return this.ensureSamples(pageOf(this.state).rows.map((f) => f.index));
  }

  /** Fetches the samples (evaluation indices) not on the page yet. */
  async ensureSamples(indices: number[]): Promise<void> {
    const wsKey = this.studio.wsKey;
    const wanted = indices.filter((i) => !this.loading.has(i));
    for (const chunk of missingSamples(wanted, this.state.samples)) {
      chunk.forEach((i) => this.loading.add(i));
      const r = await this.studio.client.call<'samples'>({ type: 'samples', indices: chunk }).done;
      chunk.forEach((i) => this.loading.delete(i));
      if (wsKey !== this.studio.wsKey) return;
      if (r.kind === 'error') {
        this.set({ samplesError: r.error });
        return;
      }
      if (r.kind !== 'ok') return;
      let samples: Record<number, SampleView> = { ...this.state.samples };
      const keys = Object.keys(samples);
      if (keys.length > MAX_SAMPLES) samples = {};
      for (const s of r.event.samples) samples[s.index] = s;
      this.set({ samples, layout: r.event.layout, samplesError: null });
    }
  }

  // --- the run on screen -------------------------------------------------------------------
  /** The run on screen as a record, or why it cannot be one yet. */
  current(name?: string): RunRecord | string {
    const st = this.studio.getState();
    if (!this.isCurrent())
      return 'The per-class summary of this result is still being computed: try again in a moment.';
    if (this.state.printsFor !== this.studio.wsKey)
      return 'The files are still being fingerprinted: try again in a moment.';
    const now = new Date();
    return buildRecord(st, this.state.classes, this.state.prints, {
      id: `run-${now.getTime().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`,
      createdAt: now.toISOString(),
      toolVersion: TOOL_VERSION,
      name,
    });
  }

  downloadReport(): void {
    const r = this.current();
    if (typeof r === 'string') {
      this.set({ notice: { kind: 'error', text: `No report: ${r}` } });
      return;
    }
    saveFile(`${fileStem(r.name)}.report.html`, runReportHtml(r), 'text/html');
    this.set({ notice: { kind: 'ok', text: `Report of "${r.name}" downloaded.` } });
  }

  // --- history -----------------------------------------------------------------------------
  async loadHistory(): Promise<void> {
    if (!this.history) {
      this.set({ historyError: 'This browser offers no IndexedDB here, so runs cannot be kept.' });
      return;
    }
    try {
      this.set({ records: await this.history.list(), historyReady: true, historyError: null });
    } catch (e) {
      this.set({
        historyError: `Kept runs could not be read: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
  }

  setKeepWeights(keepWeights: boolean): void {
    this.set({ keepWeights });
  }

  async keep(name?: string): Promise<void> {
    if (!this.history) return;
    const r = this.current(name);
    if (typeof r === 'string') {
      this.set({ notice: { kind: 'error', text: `Not kept: ${r}` } });
      return;
    }
    this.set({ busy: true });
    let record = r;
    if (this.state.keepWeights) {
      const w = await this.weights();
      if (typeof w === 'string') {
        this.set({ busy: false, notice: { kind: 'error', text: `Not kept: ${w}` } });
        return;
      }
      record = { ...record, weights: w };
    }
    const out = await this.history.keep(record);
    await this.loadHistory();
    this.set({
      busy: false,
      notice: out.ok ? { kind: 'ok', text: `Kept "${record.name}".` } : { kind: 'error', text: out.message },
    });
  }

  /** The model on screen's files, for a record that keeps its weights. */
  private async weights(): Promise<RunRecord['weights'] | string> {
    const st = this.studio.getState();
    const t = exportedTrained(st);
    const r = await this.studio.client.call<'export'>({
      type: 'export',
      method: st.method,
      sparsity: st.sparsity,
      seed: st.seed,
      propagate: st.propagate,
      name: exportName(st),
      ...(t ? { resultId: t.resultId } : {}),
    }).done;
    if (r.kind !== 'ok') return r.kind === 'error' ? r.error.message : 'the weights could not be written.';
    const files = r.event.result.files.map((f) => ({
      name: f.name,
      base64: toBase64(new Uint8Array(f.data)),
    }));
    return { files, bytes: r.event.result.files.reduce((n, f) => n + f.data.byteLength, 0) };
  }

  async rename(id: string, name: string): Promise<void> {
    if (!this.history) return;
    const r = await this.history.rename(id, name);
    await this.loadHistory();
    if (!r) this.set({ notice: { kind: 'error', text: 'A run needs a name: the old one was kept.' } });
  }

  async remove(id: string): Promise<void> {
    if (!this.history) return;
    const r = this.state.records.find((x) => x.id === id);
    await this.history.remove(id);
    this.set({ selected: this.state.selected.filter((x) => x !== id) });
    await this.loadHistory();
    if (this.state.selected.length < 2) this.set({ compareOpen: false });
    this.set({ notice: { kind: 'ok', text: `Deleted "${r?.name ?? id}".` } });
  }

  /** One JSON file: the ticked runs, or every kept run when none is ticked. */
  exportFile(): void {
    const chosen = this.state.records.filter((r) => this.state.selected.includes(r.id));
    const runs = chosen.length ? chosen : this.state.records;
    if (runs.length === 0) return;
    saveFile(`sipp-studio-runs-${runs.length}.json`, exportRuns(runs), 'application/json');
  }

  async importFile(file: File): Promise<void> {
    if (!this.history) return;
    const out = await this.history.import(await file.text());
    await this.loadHistory();
    const added = `Imported ${out.added.length} run${out.added.length === 1 ? '' : 's'} from ${file.name}.`;
    this.set({
      notice: {
        kind: out.skipped.length && !out.added.length ? 'error' : 'ok',
        text: [added, ...out.skipped].join(' '),
      },
    });
  }

  /** Puts a kept run's settings back on the slider: only for the model it was made on. */
  restore(id: string): void {
    const r = this.state.records.find((x) => x.id === id);
    if (!r) return;
    const p = this.state.prints;
    const why = mismatch(r, { model: p?.model ?? null, batch: p?.batch ?? null, points: null }, false);
    if (why) {
      this.set({ notice: { kind: 'error', text: `Refused: ${why}` } });
      return;
    }
    const s = this.studio;
    s.setSeed(r.settings.seed);
    s.setPropagate(r.settings.propagate);
    s.pickPoint(r.settings.method as MethodKey, r.settings.targetSparsity);
    const note = r.settings.retrained
      ? ' (the prune-only setting; retrain again to get the retrained model)'
      : '';
    this.set({ notice: { kind: 'ok', text: `Slider set to "${r.name}"${note}.` } });
  }

  reportOf(id: string): void {
    const r = this.state.records.find((x) => x.id === id);
    if (r) saveFile(`${fileStem(r.name)}.report.html`, runReportHtml(r), 'text/html');
  }

  weightsOf(id: string): void {
    const r = this.state.records.find((x) => x.id === id);
    if (!r?.weights) return;
    const zip = zipSync(Object.fromEntries(r.weights.files.map((f) => [f.name, fromBase64(f.base64)])), {
      level: 0,
    });
    saveFile(`${fileStem(r.name)}.zip`, zip, 'application/zip');
  }

  // --- comparison --------------------------------------------------------------------------
  toggleSelect(id: string): void {
    const sel = this.state.selected;
    const selected = sel.includes(id) ? sel.filter((x) => x !== id) : [...sel, id];
    this.set({ selected, compareOpen: this.state.compareOpen && selected.length >= 2 });
  }

  openCompare(open = true): void {
    this.set({ compareOpen: open && this.state.selected.length >= 2 });
  }

  chosen(): RunRecord[] {
    return this.state.selected
      .map((id) => this.state.records.find((r) => r.id === id))
      .filter((r): r is RunRecord => !!r);
  }

  compareReport(): void {
    const runs = this.chosen();
    if (runs.length < 2) return;
    const d = runs.length === 2 ? disagreement(runs[0], runs[1]) : null;
    saveFile(
      `comparison-${runs.length}-runs.report.html`,
      compareReportHtml(runs, d && d.ok ? d.indices : null),
      'text/html',
    );
  }
}

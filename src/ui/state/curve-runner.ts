// The background job behind the curves: asks the worker for the (method, sparsity) points not
// yet computed, coarse to fine, and adds them to the state as they stream in.
import type { Call } from '../../worker/client';
import type { MethodKey } from '../../worker/protocol';
import { coarseToFine, pointKey, SPARSITY_GRID } from './curves';
import { limitsParam } from './limits';
import type { StudioState } from './types';

const limitsOf = (s: StudioState) => {
  const limits = limitsParam(s.limits);
  return limits ? { limits } : {};
};
import type { Studio } from './studio';

export class CurveRunner {
  private call: Call<'sweep'> | null = null;

  constructor(private readonly studio: Studio) {}

  /** (Re)starts the sweep for every chosen method that misses points. */
  start(): void {
    this.stop();
    const s = this.studio;
    const { curves, prepared, seed } = s.getState();
    if (!prepared) return;
    const have = new Set(curves.points.map((p) => pointKey(p.method, p.sparsity)));
    const methods = curves.methods.filter((m) => SPARSITY_GRID.some((x) => !have.has(pointKey(m, x))));
    if (methods.length === 0) return;
    const key = s.wsKey;
    const call = s.client.call<'sweep'>(
      { type: 'sweep', methods, sparsities: coarseToFine(SPARSITY_GRID), seed, ...limitsOf(s.getState()) },
      (e) => {
        if (this.call !== call) return;
        const c = s.getState().curves;
        if (e.type === 'curve-point') {
          if (have.has(pointKey(e.point.method, e.point.sparsity))) return;
          s.set({ curves: { ...c, points: [...c.points, e.point] } });
        } else if (e.type === 'progress') {
          const { stage, done, total } = e.progress;
          s.set({ curves: { ...c, stage, done, total } });
        }
      },
    );
    this.call = call;
    s.set({ curves: { ...curves, running: true, error: null, done: 0, total: 0, stage: 'starting' } });
    void call.done.then((r) => {
      if (this.call !== call || key !== s.wsKey) return;
      this.call = null;
      s.set({
        curves: { ...s.getState().curves, running: false, error: r.kind === 'error' ? r.error : null },
      });
    });
  }

  stop(): void {
    this.call?.cancel();
    this.call = null;
    const c = this.studio.getState().curves;
    if (c.running) this.studio.set({ curves: { ...c, running: false } });
  }

  toggle(m: MethodKey): void {
    const s = this.studio;
    const c = s.getState().curves;
    const adding = !c.methods.includes(m);
    s.set({ curves: { ...c, methods: adding ? [...c.methods, m] : c.methods.filter((x) => x !== m) } });
    if (s.getState().prepared && (adding || c.running)) this.start();
  }
}

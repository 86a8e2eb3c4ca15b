// Optimisers with PyTorch's semantics (the reference trains with torch.optim), written with tfjs
// ops so that the masks can be applied in the same update and the learning rate can follow a
// schedule step by step. tfjs' own optimisers have no weight decay and fix their learning rate.
import * as tf from '@tensorflow/tfjs';
import type { TrainSettings } from './types';

export interface Optimizer {
  /**
   * One step: every variable gets its update, multiplied by its mask when it has one, so pruned
   * entries are exactly zero again after the step (§5.5 enforce_sparsity).
   */
  step(vars: tf.Variable[], grads: (tf.Tensor | undefined)[], lr: number, masks: (tf.Tensor | null)[]): void;
  dispose(): void;
}

function write(v: tf.Variable, next: tf.Tensor, mask: tf.Tensor | null): void {
  v.assign(mask ? tf.mul(next, mask) : next);
}

/** SGD with momentum and L2 weight decay: d = g + wd·w; buf = μ·buf + d (buf = d at first); w -= lr·buf. */
class Sgd implements Optimizer {
  private readonly buf = new Map<number, tf.Tensor>();
  constructor(
    private readonly momentum: number,
    private readonly weightDecay: number,
  ) {}

  step(vars: tf.Variable[], grads: (tf.Tensor | undefined)[], lr: number, masks: (tf.Tensor | null)[]): void {
    vars.forEach((v, i) => {
      const g = grads[i];
      if (!g) return;
      const old = this.buf.get(i);
      const keep = this.momentum > 0;
      const next = tf.tidy(() => {
        let d = this.weightDecay > 0 ? tf.add(g, tf.mul(v, this.weightDecay)) : g;
        if (keep) d = old ? tf.add(tf.mul(old, this.momentum), d) : d.clone();
        write(v, tf.sub(v, tf.mul(d, lr)), masks[i]);
        return keep ? d : tf.scalar(0);
      });
      old?.dispose();
      if (keep) this.buf.set(i, next);
      else next.dispose();
    });
  }

  dispose(): void {
    for (const t of this.buf.values()) t.dispose();
    this.buf.clear();
  }
}

/** Adam (Kingma & Ba; torch.optim.Adam): L2 weight decay added to the gradient, bias-corrected moments. */
class Adam implements Optimizer {
  private readonly m = new Map<number, tf.Tensor>();
  private readonly v = new Map<number, tf.Tensor>();
  private t = 0;
  constructor(
    private readonly weightDecay: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {}

  step(vars: tf.Variable[], grads: (tf.Tensor | undefined)[], lr: number, masks: (tf.Tensor | null)[]): void {
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    vars.forEach((w, i) => {
      const g = grads[i];
      if (!g) return;
      const [m0, v0] = [this.m.get(i), this.v.get(i)];
      const [m1, v1] = tf.tidy(() => {
        const d = this.weightDecay > 0 ? tf.add(g, tf.mul(w, this.weightDecay)) : g;
        const m = m0 ? tf.add(tf.mul(m0, this.beta1), tf.mul(d, 1 - this.beta1)) : tf.mul(d, 1 - this.beta1);
        const sq = tf.mul(tf.square(d), 1 - this.beta2);
        const v = v0 ? tf.add(tf.mul(v0, this.beta2), sq) : sq;
        const denom = tf.add(tf.sqrt(tf.div(v, c2)), this.eps);
        write(w, tf.sub(w, tf.mul(tf.div(m, denom), lr / c1)), masks[i]);
        return [m, v];
      });
      m0?.dispose();
      v0?.dispose();
      this.m.set(i, m1);
      this.v.set(i, v1);
    });
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}

export function makeOptimizer(s: TrainSettings): Optimizer {
  return s.optimizer === 'sgd' ? new Sgd(s.momentum, s.weightDecay) : new Adam(s.weightDecay);
}

/**
 * Learning rate at a global step. step: x0.1 at 60 % and 90 % of the epochs (the paper's 30 and 45
 * of 50, §6.2); cosine: from lr to 0 over all steps; constant: lr.
 */
export function learningRate(
  s: TrainSettings,
  epoch: number,
  globalStep: number,
  totalSteps: number,
): number {
  if (s.schedule === 'step') {
    const milestones = [Math.round(0.6 * s.epochs), Math.round(0.9 * s.epochs)].filter((m) => m > 0);
    return s.lr * 0.1 ** milestones.filter((m) => epoch >= m).length;
  }
  if (s.schedule === 'cosine')
    return s.lr * 0.5 * (1 + Math.cos((Math.PI * globalStep) / Math.max(1, totalSteps)));
  return s.lr;
}

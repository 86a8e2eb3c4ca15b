// The sparsity slider's keyboard steps: 1 % below 90 %, 0.1 % from 90 % up (where one step
// changes the weights left by a tenth), PageUp/PageDown ten times that. Values are fractions.

export const SLIDER_MAX = 0.999;
export const FINE_FROM = 0.9;

export function stepSparsity(s: number, direction: 1 | -1, big = false): number {
  const fine = s > FINE_FROM + 1e-9 || (Math.abs(s - FINE_FROM) < 1e-9 && direction === 1);
  const step = (fine ? 0.001 : 0.01) * (big ? 10 : 1);
  let next = s + direction * step;
  // Coming down out of the fine range lands on 90 % first, so no value is skipped on the way.
  if (fine && direction === -1 && next < FINE_FROM) next = FINE_FROM;
  if (!fine && direction === 1 && next > FINE_FROM) next = FINE_FROM;
  return Math.min(SLIDER_MAX, Math.max(0, Math.round(next * 1000) / 1000));
}

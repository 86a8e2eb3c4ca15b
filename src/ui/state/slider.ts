// The sparsity slider: its keyboard steps and the scale of its track. Values are fractions.
//
// Keyboard: 1 % below 90 %, 0.1 % from 90 % up (where one step changes the weights left by a
// tenth), PageUp/PageDown ten times that.
//
// Track: piecewise linear, 0-90 % on the first half and 90-99.9 % on the second, so that the
// range where a tenth of a percent matters gets as much room as everything below it (the same
// idea as the chart's "stretch high sparsity"). The native input's value is the track position
// (0..1); only this file converts.

export const SLIDER_MAX = 0.999;
export const FINE_FROM = 0.9;
/** Track position of FINE_FROM: half the track. */
export const KNEE = 0.5;

export function stepSparsity(s: number, direction: 1 | -1, big = false): number {
  const fine = s > FINE_FROM + 1e-9 || (Math.abs(s - FINE_FROM) < 1e-9 && direction === 1);
  const step = (fine ? 0.001 : 0.01) * (big ? 10 : 1);
  let next = s + direction * step;
  // Coming down out of the fine range lands on 90 % first, so no value is skipped on the way.
  if (fine && direction === -1 && next < FINE_FROM) next = FINE_FROM;
  if (!fine && direction === 1 && next > FINE_FROM) next = FINE_FROM;
  return roundSparsity(next);
}

/** The slider's precision: a tenth of a percent, clamped to 0..99.9 %. */
export function roundSparsity(s: number): number {
  return Math.min(SLIDER_MAX, Math.max(0, Math.round(s * 1000) / 1000));
}

/** Sparsity -> track position in 0..1. */
export function toTrack(s: number): number {
  const v = Math.min(SLIDER_MAX, Math.max(0, s));
  return v <= FINE_FROM
    ? (KNEE * v) / FINE_FROM
    : KNEE + ((1 - KNEE) * (v - FINE_FROM)) / (SLIDER_MAX - FINE_FROM);
}

/** Track position in 0..1 -> sparsity, rounded to the slider's precision. */
export function fromTrack(t: number): number {
  const v = Math.min(1, Math.max(0, t));
  const s =
    v <= KNEE ? (FINE_FROM * v) / KNEE : FINE_FROM + ((SLIDER_MAX - FINE_FROM) * (v - KNEE)) / (1 - KNEE);
  return roundSparsity(s);
}

/**
 * A target sparsity as the slider, its readout and the chart's marker all write it: one decimal,
 * the slider's precision (99.5 %, 90.1 %, 50.0 %).
 */
export function targetPct(s: number): string {
  return `${(100 * s).toFixed(1)} %`;
}

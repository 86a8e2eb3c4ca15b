import { useEffect, useRef, type KeyboardEvent } from 'react';
import { fromTrack, SLIDER_MAX, stepSparsity, targetPct, toTrack } from '../state/slider';

const PRESETS = [0.5, 0.8, 0.9, 0.95, 0.98, 0.99];

/** Labels under the track, at their place on the piecewise scale. */
const SCALE = [0, 0.5, 0.9, 0.95, 0.999];

/**
 * A native range input whose value is the track position (0..1, see state/slider: 0-90 % on the
 * first half, 90-99.9 % on the second); onChange gets the target sparsity. It listens to the
 * native input/change events (not React's onChange) so that a value set by a script and
 * announced with an event counts like a drag.
 */
export function SparsitySlider({
  value,
  onChange,
  disabled,
}: {
  value: number;
  onChange: (v: number) => void;
  disabled: boolean;
}) {
  const ref = useRef<HTMLInputElement>(null);
  const latest = useRef(onChange);
  useEffect(() => {
    latest.current = onChange;
  }, [onChange]);

  useEffect(() => {
    const el = ref.current;
    if (el && fromTrack(Number(el.value)) !== value) el.value = String(toTrack(value));
  }, [value]);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const handler = () => latest.current(fromTrack(Number(el.value)));
    el.addEventListener('input', handler);
    el.addEventListener('change', handler);
    return () => {
      el.removeEventListener('input', handler);
      el.removeEventListener('change', handler);
    };
  }, []);

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const dir = { ArrowRight: 1, ArrowUp: 1, PageUp: 1, ArrowLeft: -1, ArrowDown: -1, PageDown: -1 }[
      e.key
    ] as 1 | -1 | undefined;
    let next: number | null = null;
    if (dir) next = stepSparsity(value, dir, e.key.startsWith('Page'));
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = SLIDER_MAX;
    if (next === null) return;
    e.preventDefault();
    if (ref.current) ref.current.value = String(toTrack(next));
    onChange(next);
  };

  return (
    <div className="slider">
      <div className="slider-head">
        <label htmlFor="sparsity-slider">Target sparsity</label>
        <output htmlFor="sparsity-slider" className="slider-value">
          {targetPct(value)}
        </output>
      </div>
      <input
        id="sparsity-slider"
        ref={ref}
        type="range"
        min={0}
        max={1}
        step="any"
        defaultValue={toTrack(value)}
        disabled={disabled}
        data-testid="prune.sparsity-slider"
        data-value={value}
        aria-valuetext={`${targetPct(value)} of the weights set to zero`}
        aria-describedby="slider-hint"
        onKeyDown={onKeyDown}
      />
      <div className="slider-scale" aria-hidden="true">
        {SCALE.map((s) => (
          <span key={s} style={{ left: `${100 * toTrack(s)}%` }}>
            {+(100 * s).toFixed(1)} %
          </span>
        ))}
      </div>
      <div className="presets" role="group" aria-label="Sparsity presets">
        {PRESETS.map((p) => (
          <button
            key={p}
            type="button"
            className={`chip${Math.abs(p - value) < 1e-9 ? ' active' : ''}`}
            disabled={disabled}
            onClick={() => onChange(p)}
          >
            {+(100 * p).toFixed(1)} %
          </button>
        ))}
      </div>
      <p id="slider-hint" className="hint">
        The second half of the track is 90-99.9 %. Arrow keys: 1 % steps, 0.1 % above 90 %. Page Up/Down: ten
        steps.
      </p>
    </div>
  );
}

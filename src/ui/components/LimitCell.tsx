import { useState } from 'react';
import type { LayerLimits } from '../../worker/protocol';
import { withCap, withExclude } from '../state/limits';

/**
 * A prunable layer's limits in the per-layer table: "keep" leaves it as trained, "max %" caps its
 * sparsity. The cap applies on Enter or when the box loses focus, not on every keystroke.
 */
export function LimitCell({
  layer,
  limits,
  onChange,
  disabled,
}: {
  layer: string;
  limits: LayerLimits;
  onChange: (l: LayerLimits) => void;
  disabled: boolean;
}) {
  const excluded = (limits.exclude ?? []).includes(layer);
  const cap = limits.maxSparsity?.[layer];
  const shown = cap === undefined ? '' : String(+(100 * cap).toFixed(1));
  const [draft, setDraft] = useState<string | null>(null);
  const commit = () => {
    if (draft === null) return;
    const v = draft.trim() === '' ? null : Number(draft) / 100;
    setDraft(null);
    if (v !== null && !(v >= 0 && v < 1)) return;
    if ((v ?? undefined) !== cap) onChange(withCap(limits, layer, v));
  };
  return (
    <span className="limit-cell">
      <label className="check" title="Leave this layer exactly as trained; the others are pruned harder">
        <input
          type="checkbox"
          data-testid="layers.exclude"
          data-layer={layer}
          checked={excluded}
          disabled={disabled}
          onChange={(e) => onChange(withExclude(limits, layer, e.target.checked))}
        />
        keep
      </label>
      <input
        type="number"
        className="cap-input"
        data-testid="layers.cap"
        data-layer={layer}
        min={0}
        max={99.9}
        step={1}
        placeholder="max %"
        aria-label={`Most of ${layer} that may be pruned, in percent (empty: no cap)`}
        value={draft ?? shown}
        disabled={disabled || excluded}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
      />
    </span>
  );
}

import { memo } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Histogram } from '../../worker/protocol';
import { count, pct } from '../state/format';

/** Weights per bin of log10(sensitivity); the worker has already binned them. */
export const SensitivityHistogram = memo(function SensitivityHistogram({ h }: { h: Histogram }) {
  const data = h.counts.map((c, i) => ({
    x: (h.edges[i] + h.edges[i + 1]) / 2,
    lo: h.edges[i],
    hi: h.edges[i + 1],
    c,
  }));
  const desc = `hist-desc-${h.layer.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  return (
    <div role="figure" aria-label={`Sensitivity distribution of layer ${h.layer}`} aria-describedby={desc}>
      <ResponsiveContainer width="100%" height={180}>
        <BarChart data={data} margin={{ top: 4, right: 8, bottom: 18, left: 4 }} barCategoryGap={1}>
          <CartesianGrid stroke="#e5e7eb" strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="x"
            type="number"
            domain={[h.edges[0], h.edges[h.edges.length - 1]]}
            tickFormatter={(v: number) => `1e${Math.round(v)}`}
            allowDecimals={false}
            fontSize={12}
            label={{
              value: 'sensitivity (log scale)',
              position: 'insideBottom',
              offset: -10,
              fontSize: 12,
              fill: '#4b5563',
            }}
          />
          <YAxis
            fontSize={12}
            width={52}
            tickFormatter={(v: number) => (v >= 1000 ? `${Math.round(v / 1000)}k` : String(v))}
          />
          <Tooltip
            formatter={(v) => [count(Number(v)), 'weights']}
            labelFormatter={(x) => `around ${Number(10 ** Number(x)).toExponential(1)}`}
          />
          <Bar dataKey="c" fill="#1f6feb" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
      <p className="hint" id={desc}>
        {count(h.total)} weights; {count(h.zeros)} ({pct(h.zeros / Math.max(1, h.total))}) have sensitivity 0
        on the sensitivity points (their input is never active) and are the first to go. Most weights lie
        around 1e{Math.round(data.reduce((a, d) => (d.c > a.c ? d : a), data[0] ?? { x: 0, c: 0 }).x)}.
      </p>
    </div>
  );
});

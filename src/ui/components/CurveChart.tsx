import { memo } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceDot,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { METHODS, type CurvePoint, type MethodKey } from '../../worker/protocol';
import {
  axisTitle,
  costTicks,
  denseX,
  formatX,
  pointX,
  stretchedX as toX,
  unstretchX as fromX,
  type CurveAxis,
} from '../state/curve-axis';
import { quality } from '../state/curves';
import type { RetrainedPoint } from '../state/retrain';
import { sparsityPct } from '../state/format';
import { targetPct } from '../state/slider';
import { METHOD_COLORS } from './colors';

interface Props {
  methods: MethodKey[];
  points: CurvePoint[];
  dense: number;
  showDelta: boolean;
  stretchX: boolean;
  /** What x is: sparsity, or the slim model's parameters, multiply-adds or latency. */
  axis?: CurveAxis;
  /** The slider's result: drawn at its achieved sparsity, labelled with its target. */
  marker: { sparsity: number; target: number; quality: number; method: MethodKey } | null;
  /** After-retraining points, drawn beside each method's prune-only curve with their own marker. */
  retrained?: RetrainedPoint[];
  /** Accuracy (labelled batch) or agreement with the original model. */
  measure: 'accuracy' | 'agreement';
  /** A prune-only point clicked: its method and target sparsity. */
  onPick?: (method: MethodKey, sparsity: number) => void;
}

/** Axis titles and the dense label: #4b5563 on white is 7.6:1 (recharts' default grey is 3.9:1). */
const AXIS_TEXT = '#4b5563';

/** A prune-only point: a dot that moves the slider (and the method) to it when clicked. */
function pickDot(method: MethodKey, color: string, onPick?: Props['onPick']) {
  function Shape(props: { cx?: number; cy?: number; index?: number; payload?: { t: number; s: number } }) {
    const { cx, cy, index, payload } = props;
    if (cx === undefined || cy === undefined || !payload) return <g key={index} />;
    return (
      <circle
        key={index}
        cx={cx}
        cy={cy}
        r={3.5}
        fill="#fff"
        stroke={color}
        strokeWidth={1.5}
        className="curve-dot"
        data-method={method}
        data-target={payload.t}
        style={{ cursor: onPick ? 'pointer' : undefined }}
        onClick={onPick ? () => onPick(method, payload.t) : undefined}
      >
        <title>{`${METHODS[method].label} at ${sparsityPct(payload.s)}: click to move the slider here`}</title>
      </circle>
    );
  }
  return Shape;
}

const STRETCH_TICKS = [0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995];
const LINEAR_TICKS = [0, 20, 40, 60, 80, 100];

/** One-shot points are diamonds, cascade steps triangles: told apart from the round prune-only dots. */
function trainedDot(kind: RetrainedPoint['protocol'], color: string) {
  function Shape(props: { cx?: number; cy?: number; index?: number }) {
    const { cx, cy, index } = props;
    if (cx === undefined || cy === undefined) return <g key={index} />;
    const r = 5.5;
    const d =
      kind === 'one-shot'
        ? `M${cx},${cy - r}L${cx + r},${cy}L${cx},${cy + r}L${cx - r},${cy}Z`
        : `M${cx},${cy - r}L${cx + r},${cy + r * 0.8}L${cx - r},${cy + r * 0.8}Z`;
    return (
      <path
        key={index}
        d={d}
        fill={color}
        stroke="#fff"
        strokeWidth={1.2}
        className={`retrained-dot ${kind}`}
      />
    );
  }
  return Shape;
}

export const RETRAINED_WORDS: Record<RetrainedPoint['protocol'], string> = {
  'one-shot': 'fine-tuned',
  cascade: 'cascade',
};

/** Memoised: the page re-renders on every training tick, the chart only when its data changes. */
export const CurveChart = memo(function CurveChart({
  methods,
  points,
  dense,
  showDelta,
  stretchX,
  axis = 'sparsity',
  marker: sliderMarker,
  measure,
  retrained: retrainedPoints = [],
  onPick,
}: Props) {
  const bySparsity = axis === 'sparsity';
  // The slider's result and retrained models carry no measured cost: sparsity axis only.
  const marker = bySparsity ? sliderMarker : null;
  const retrained = bySparsity ? retrainedPoints : [];
  const y = (q: number) => 100 * (showDelta ? q - dense : q);
  const series = methods.map((m) => ({
    method: m,
    data: points
      .filter((p) => p.method === m)
      .flatMap((p) => {
        const x = pointX(p, axis, stretchX);
        return x === null ? [] : [{ x, y: y(quality(p)), s: p.achievedSparsity, t: p.sparsity }];
      })
      // Along the sparsity path on every axis: a cost axis shows where each step of it lands.
      .sort((a, b) => a.s - b.s),
  }));
  const denseAt = denseX(points, axis);
  const costAxis = bySparsity
    ? null
    : costTicks(axis, Math.max(denseAt ?? 0, ...series.flatMap((s) => s.data.map((d) => d.x))));
  const trainedSeries = methods.flatMap((m) =>
    (['one-shot', 'cascade'] as const)
      .map((protocol) => ({
        method: m,
        protocol,
        data: retrained
          .filter((p) => p.method === m && p.protocol === protocol)
          .sort((a, b) => a.achievedSparsity - b.achievedSparsity)
          .map((p) => ({ x: toX(p.achievedSparsity, stretchX), y: y(quality(p)), s: p.achievedSparsity })),
      }))
      .filter((t) => t.data.length > 0),
  );
  const ticks = costAxis ? costAxis.ticks : stretchX ? STRETCH_TICKS.map((s) => toX(s, true)) : LINEAR_TICKS;
  // Y range on round numbers: from the lowest point (or just under dense) to the top.
  const ys = [...series, ...trainedSeries].flatMap((s) => s.data.map((d) => d.y));
  if (marker) ys.push(y(marker.quality));
  const lowest = Math.min(y(dense) - 2, ...ys);
  const top = showDelta ? Math.max(1, ...ys.map((v) => Math.ceil(v))) : 100;
  const span = top - lowest;
  const step = span > 60 ? 20 : span > 25 ? 10 : span > 10 ? 5 : span > 4 ? 2 : 1;
  const bottom = Math.floor(lowest / step) * step;
  const yTicks = Array.from({ length: Math.floor((top - bottom) / step) + 1 }, (_, i) => bottom + i * step);
  if (yTicks[yTicks.length - 1] < top) yTicks.push(top);
  return (
    <ResponsiveContainer width="100%" height={300}>
      <LineChart margin={{ top: 18, right: 16, bottom: 20, left: 14 }}>
        <CartesianGrid stroke="#e5e7eb" strokeDasharray="3 3" />
        <XAxis
          type="number"
          dataKey="x"
          domain={costAxis ? costAxis.domain : stretchX ? [0, toX(0.995, true)] : [0, 100]}
          ticks={ticks}
          tickFormatter={(x: number) => formatX(axis, x, stretchX)}
          label={{
            value: axisTitle(axis, points),
            position: 'insideBottom',
            offset: -12,
            fontSize: 12,
            fill: AXIS_TEXT,
          }}
          fontSize={12}
          allowDataOverflow
        />
        <YAxis
          type="number"
          domain={[bottom, top]}
          ticks={yTicks}
          tickFormatter={(v: number) =>
            showDelta ? `${v > 0 ? '+' : ''}${v.toFixed(0)}` : `${v.toFixed(0)}`
          }
          width={44}
          label={{
            value: showDelta ? `Δ ${measure} (pt)` : `${measure} (%)`,
            angle: -90,
            position: 'insideLeft',
            offset: 10,
            fontSize: 12,
            fill: AXIS_TEXT,
          }}
          fontSize={12}
        />
        <Tooltip
          formatter={(v, name) => [`${Number(v).toFixed(1)}${showDelta ? ' pt' : ' %'}`, String(name)]}
          labelFormatter={(x) =>
            bySparsity
              ? `sparsity ${sparsityPct(fromX(Number(x), stretchX))}`
              : `${formatX(axis, Number(x), stretchX)} ${axis === 'latency' ? '' : 'of dense'}`.trim()
          }
        />
        {!bySparsity && denseAt !== null && (
          <ReferenceLine
            x={denseAt}
            stroke="#111827"
            strokeDasharray="2 3"
            className="dense-x"
            label={{ value: 'dense', position: 'insideBottomLeft', fontSize: 11, fill: AXIS_TEXT }}
          />
        )}
        <ReferenceLine
          y={showDelta ? 0 : 100 * dense}
          stroke="#111827"
          strokeDasharray="6 4"
          label={{
            value: `dense ${(100 * dense).toFixed(1)} %`,
            position: 'insideBottomRight',
            fontSize: 11,
            fill: AXIS_TEXT,
          }}
        />
        {marker && (
          <ReferenceLine
            x={toX(marker.sparsity, stretchX)}
            stroke="#6b7280"
            className="slider-marker"
            label={{
              value: `slider ${targetPct(marker.target)}`,
              position: 'top',
              fontSize: 11,
              fill: AXIS_TEXT,
            }}
          />
        )}
        {series.map((s) => (
          <Line
            key={s.method}
            data={s.data}
            dataKey="y"
            name={METHODS[s.method].label}
            stroke={METHOD_COLORS[s.method]}
            strokeWidth={2}
            dot={pickDot(s.method, METHOD_COLORS[s.method], onPick)}
            activeDot={false}
            isAnimationActive={false}
            connectNulls
          />
        ))}
        {trainedSeries.map((t) => (
          <Line
            key={`${t.method}-${t.protocol}`}
            data={t.data}
            dataKey="y"
            name={`${METHODS[t.method].label}, ${RETRAINED_WORDS[t.protocol]}`}
            stroke={METHOD_COLORS[t.method]}
            strokeWidth={1.5}
            strokeDasharray={t.protocol === 'one-shot' ? '5 3' : '2 3'}
            dot={trainedDot(t.protocol, METHOD_COLORS[t.method])}
            activeDot={false}
            isAnimationActive={false}
          />
        ))}
        {marker && (
          <ReferenceDot
            x={toX(marker.sparsity, stretchX)}
            y={y(marker.quality)}
            r={6}
            fill={METHOD_COLORS[marker.method]}
            stroke="#fff"
            strokeWidth={2}
            ifOverflow="extendDomain"
          />
        )}
      </LineChart>
    </ResponsiveContainer>
  );
});

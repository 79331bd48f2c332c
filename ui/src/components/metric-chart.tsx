import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MetricPoint } from '../api/client';
import { formatNumber, formatSeconds, formatTime } from '../lib/format';
import { smooth } from '../lib/smoothing';

export type XAxis = 'step' | 'time' | 'relative';

export interface ChartSeries {
  label: string;
  color: string;
  points: MetricPoint[];
}

export interface MetricChartProps {
  /** Names the chart in the DOM and in the performance timeline (`chart-drawn:<id>`). */
  id: string;
  series: ChartSeries[];
  xAxis: XAxis;
  smoothing: number;
  logY: boolean;
  height?: number;
  /** Called with the step range the user dragged over (step axis only), or undefined on double-click. */
  onZoomSteps?: (range: [number, number] | undefined) => void;
}

/** One table per series for uPlot.join: x, raw y and (when smoothing) smoothed y, sorted by x, one point per x. */
function table(s: ChartSeries, xAxis: XAxis, smoothing: number, logY: boolean): uPlot.AlignedData {
  const pts = xAxis === 'step' ? s.points : [...s.points].sort((a, b) => a.timestamp - b.timestamp);
  const t0 = pts[0]?.timestamp ?? 0;
  const xs: number[] = [];
  const ys: (number | null)[] = [];
  for (const p of pts) {
    const x = xAxis === 'step' ? p.step : xAxis === 'time' ? p.timestamp / 1000 : (p.timestamp - t0) / 1000;
    const y = !Number.isFinite(p.value) || (logY && p.value <= 0) ? null : p.value;
    if (xs.length && xs[xs.length - 1] === x) ys[ys.length - 1] = y;
    else if (!xs.length || x > xs[xs.length - 1]!) {
      xs.push(x);
      ys.push(y);
    }
  }
  return smoothing > 0 ? [xs, ys, smooth(ys, smoothing)] : [xs, ys];
}

function buildData(series: ChartSeries[], xAxis: XAxis, smoothing: number, logY: boolean): uPlot.AlignedData {
  const tables = series.map((s) => table(s, xAxis, smoothing, logY));
  if (tables.length === 1) return tables[0]!;
  if (tables.length === 0) return [[]];
  return uPlot.join(tables);
}

const fade = (hex: string, alpha: number) =>
  `${hex}${Math.round(alpha * 255)
    .toString(16)
    .padStart(2, '0')}`;

/** A uPlot line chart of metric series: canvas-drawn, so thousands of points per series stay cheap. */
export function MetricChart({
  id,
  series,
  xAxis,
  smoothing,
  logY,
  height = 240,
  onZoomSteps,
}: MetricChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const legend = useRef<HTMLDivElement>(null);
  const zoomRef = useRef(onZoomSteps);
  zoomRef.current = onZoomSteps;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const data = buildData(series, xAxis, smoothing, logY);
    const uSeries: uPlot.Series[] = [{ label: xAxis }];
    for (const s of series) {
      if (smoothing > 0) {
        uSeries.push({ label: `${s.label} (raw)`, stroke: fade(s.color, 0.28), width: 1, spanGaps: true });
        uSeries.push({ label: s.label, stroke: s.color, width: 1.75, spanGaps: true });
      } else uSeries.push({ label: s.label, stroke: s.color, width: 1.5, spanGaps: true });
    }
    const values = legend.current ? [...legend.current.querySelectorAll<HTMLElement>('[data-value]')] : [];
    const perSeries = smoothing > 0 ? 2 : 1;
    let drawn = false;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      series: uSeries,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: true }, points: { size: 6 } },
      scales: {
        x: { time: xAxis === 'time' },
        y: logY ? { distr: 3, log: 10 } : {},
      },
      axes: [
        {
          stroke: '#5b6270',
          grid: { stroke: '#eceef2' },
          ticks: { stroke: '#d6d9e0' },
          ...(xAxis === 'relative'
            ? {
                values: (_u: uPlot, splits: number[]) =>
                  splits.map((v) => (v == null ? '' : formatSeconds(v))),
              }
            : {}),
        },
        {
          stroke: '#5b6270',
          grid: { stroke: '#eceef2' },
          ticks: { stroke: '#d6d9e0' },
          size: 60,
          // Log axes keep uPlot's own labels, which skip the minor ticks.
          ...(logY
            ? {}
            : {
                values: (_u: uPlot, splits: number[]) =>
                  splits.map((v) => (v == null ? '' : formatNumber(v))),
              }),
        },
      ],
      hooks: {
        draw: [
          (u) => {
            if (drawn || u.data[0].length === 0) return;
            drawn = true;
            el.dataset.drawn = 'true';
            performance.mark(`chart-drawn:${id}`);
          },
        ],
        setCursor: [
          (u) => {
            const i = u.cursor.idx;
            const header = values[0];
            if (header) header.textContent = i == null ? '' : xText(u.data[0][i], xAxis);
            series.forEach((_, s) => {
              const cell = values[s + 1];
              const column = u.data[1 + s * perSeries + perSeries - 1];
              if (cell) cell.textContent = i == null || !column ? '' : formatNumber(column[i] ?? undefined);
            });
          },
        ],
        setSelect: [
          (u) => {
            if (u.select.width < 2 || xAxis !== 'step' || !zoomRef.current) return;
            const lo = Math.floor(u.posToVal(u.select.left, 'x'));
            const hi = Math.ceil(u.posToVal(u.select.left + u.select.width, 'x'));
            if (hi > lo) zoomRef.current([lo, hi]);
          },
        ],
      },
    };
    const plot = new uPlot(opts, data, el);
    const reset = () => zoomRef.current?.(undefined);
    plot.over.addEventListener('dblclick', reset);
    const resize = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (w !== plot.width) plot.setSize({ width: w, height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.over.removeEventListener('dblclick', reset);
      plot.destroy();
      delete el.dataset.drawn;
    };
  }, [id, series, xAxis, smoothing, logY, height]);

  return (
    <div className="chart">
      <div ref={box} className="chart-canvas" data-chart={id} />
      <div ref={legend} className="chart-legend">
        <span className="legend-x" data-value="x" />
        {series.map((s) => (
          <span key={s.label} className="legend-item" title={s.label}>
            <i style={{ background: s.color }} />
            <span className="legend-label">{s.label}</span>
            <b data-value={s.label} />
          </span>
        ))}
      </div>
    </div>
  );
}

function xText(x: number | undefined, axis: XAxis): string {
  if (x === undefined) return '';
  if (axis === 'time') return formatTime(x * 1000);
  if (axis === 'relative') return formatSeconds(x);
  return `step ${formatNumber(x)}`;
}

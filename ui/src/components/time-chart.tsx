import { formatNumber, formatTime } from '../lib/format';

export interface TimeSeries {
  name: string;
  color: string;
  dashed?: boolean;
  /** One point per window; null where the window has no value (no labels yet, say). */
  points: { x: number; y: number | null }[];
}

const H = 180;
const PAD_L = 52;
const PAD_R = 12;
const PAD_T = 10;
const PAD_B = 24;

/**
 * A few series over windows (x = window start), drawn as lines with a dot per window, plus optional bars (label
 * counts) under them on their own scale. Small enough that a page of them costs nothing to draw.
 */
export function TimeChart({
  label,
  series,
  bars,
  width = 900,
  yRange,
}: {
  label: string;
  series: TimeSeries[];
  bars?: { name: string; points: { x: number; y: number }[] };
  width?: number;
  /** Fixed y range (e.g. [0, 1] for rates); otherwise the data's, padded. */
  yRange?: [number, number];
}) {
  const xs = [...series.flatMap((s) => s.points.map((p) => p.x)), ...(bars?.points.map((p) => p.x) ?? [])];
  const ys = series.flatMap((s) => s.points.map((p) => p.y)).filter((y): y is number => y !== null);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  let [yMin, yMax] = yRange ?? [Math.min(...ys), Math.max(...ys)];
  if (!yRange) {
    const pad = (yMax - yMin) * 0.1 || Math.abs(yMax) * 0.1 || 0.1;
    // Padding must not invent impossible values: no negative latency or count, no score above 1.
    const unit = yMin >= 0 && yMax <= 1;
    yMin = yMin >= 0 ? Math.max(0, yMin - pad) : yMin - pad;
    yMax = unit ? Math.min(1, yMax + pad) : yMax + pad;
  }
  if (!Number.isFinite(yMin) || !Number.isFinite(yMax)) [yMin, yMax] = [0, 1];
  const sx = (x: number) =>
    PAD_L + (xMax > xMin ? ((x - xMin) / (xMax - xMin)) * (width - PAD_L - PAD_R) : 0);
  const sy = (y: number) => H - PAD_B - ((y - yMin) / (yMax - yMin || 1)) * (H - PAD_B - PAD_T);
  const barMax = Math.max(1, ...(bars?.points.map((p) => p.y) ?? []));
  const barW = Math.max(2, Math.min(16, (width - PAD_L - PAD_R) / Math.max(1, bars?.points.length ?? 1) - 2));
  return (
    <figure className="time-chart">
      <svg width={width} height={H} role="img" aria-label={label}>
        {bars?.points.map((p) => {
          const h = (p.y / barMax) * (H - PAD_B - PAD_T) * 0.35;
          return (
            <rect
              key={`bar-${p.x}`}
              className="time-bar"
              x={sx(p.x) - barW / 2}
              y={H - PAD_B - h}
              width={barW}
              height={h}
              data-x={p.x}
            >
              <title>{`${formatTime(p.x)}: ${p.y.toLocaleString()} ${bars.name}`}</title>
            </rect>
          );
        })}
        <line x1={PAD_L} y1={H - PAD_B} x2={width - PAD_R} y2={H - PAD_B} className="axis-line" />
        {[yMin, (yMin + yMax) / 2, yMax].map((y) => (
          <text key={y} x={PAD_L - 6} y={sy(y) + 4} textAnchor="end" className="axis-label">
            {formatNumber(Number(y.toPrecision(3)))}
          </text>
        ))}
        <text x={PAD_L} y={H - 6} className="axis-label">
          {formatTime(xMin).slice(11)}
        </text>
        <text x={width - PAD_R} y={H - 6} textAnchor="end" className="axis-label">
          {formatTime(xMax).slice(11)}
        </text>
        {series.map((s) => {
          const segments: string[] = [];
          let open = false;
          for (const p of s.points) {
            if (p.y === null) {
              open = false;
              continue;
            }
            segments.push(`${open ? 'L' : 'M'}${sx(p.x)},${sy(p.y)}`);
            open = true;
          }
          return (
            <g key={s.name} data-series={s.name}>
              <path
                d={segments.join(' ')}
                fill="none"
                stroke={s.color}
                strokeWidth={2}
                strokeDasharray={s.dashed ? '5 4' : undefined}
              />
              {s.points.map((p) =>
                p.y === null ? null : (
                  <circle key={p.x} cx={sx(p.x)} cy={sy(p.y)} r={3} fill={s.color}>
                    <title>{`${s.name} at ${formatTime(p.x)}: ${formatNumber(p.y)}`}</title>
                  </circle>
                ),
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="small chart-legend">
        {series.map((s) => (
          <span key={s.name} className="legend-item">
            <i style={{ background: s.color }} />
            {s.name}
            {s.dashed ? ' (dashed)' : ''}
          </span>
        ))}
        {bars ? (
          <span className="legend-item">
            <i className="time-bar-swatch" />
            {bars.name}
          </span>
        ) : null}
      </figcaption>
    </figure>
  );
}

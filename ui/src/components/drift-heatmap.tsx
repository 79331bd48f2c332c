import type { ColumnDriftView, MonitorWindow } from '../api/types';
import { formatNumber, formatTime } from '../lib/format';

/** Tests whose score is a p-value (drift when it is below the threshold); the others score a distance. */
const P_VALUE_METHODS = new Set(['ks', 'chisquare', 'z']);

const LABEL_W = 150;
const ROW_H = 24;
const AXIS_H = 34;

/** How far past (≥ 1) or short of (< 1) its threshold a column's score is, whichever way its test points. */
export function driftRatio(c: ColumnDriftView): number {
  if (P_VALUE_METHODS.has(c.method)) return c.threshold / Math.max(c.score, 1e-300);
  return c.threshold > 0 ? c.score / c.threshold : c.score > 0 ? Number.POSITIVE_INFINITY : 0;
}

/** Red for drift (darker the further past the threshold), green for none (paler the closer to it). */
export function cellColor(c: ColumnDriftView): string {
  const r = driftRatio(c);
  if (c.drifted) {
    const strength = Math.min(1, Math.log10(Math.max(r, 1)) / 2);
    return `rgba(180, 35, 24, ${(0.45 + 0.55 * strength).toFixed(3)})`;
  }
  return `rgba(6, 118, 71, ${(0.15 + 0.45 * (1 - Math.min(1, r))).toFixed(3)})`;
}

export interface HeatmapSelection {
  feature: string;
  window: number;
}

/**
 * Drift per input column (rows) and window (columns, oldest left): each cell is the column's verdict against the
 * reference in that window; the top row is the share of drifted columns. Click a cell for the distributions.
 */
export function DriftHeatmap({
  windows,
  selected,
  onSelect,
  width = 1000,
}: {
  windows: MonitorWindow[];
  selected: HeatmapSelection | undefined;
  onSelect(s: HeatmapSelection): void;
  width?: number;
}) {
  const drifted = new Map<string, number>();
  for (const w of windows)
    for (const [name, c] of Object.entries(w.drift?.columns ?? {}))
      drifted.set(name, (drifted.get(name) ?? 0) + (c.drifted ? 1 : 0));
  // Most often drifted first, so the columns to look at are on top.
  const features = [...drifted.keys()].sort(
    (a, b) => drifted.get(b)! - drifted.get(a)! || a.localeCompare(b),
  );
  const cellW = Math.max(10, Math.min(48, Math.floor((width - LABEL_W) / Math.max(1, windows.length))));
  const svgW = LABEL_W + cellW * windows.length + 8;
  const svgH = AXIS_H + ROW_H * (features.length + 1) + 4;
  const ticks = tickIndexes(windows.length, Math.max(2, Math.floor((cellW * windows.length) / 140)));
  return (
    <div className="heatmap-wrap">
      <svg className="heatmap" width={svgW} height={svgH} role="img" aria-label="Drift per feature over time">
        <text x={LABEL_W - 8} y={AXIS_H + ROW_H / 2 + 4} textAnchor="end" className="heatmap-label">
          drift share
        </text>
        {windows.map((w, i) => {
          const share = w.drift?.share;
          const fill =
            share === undefined
              ? '#eef0f3'
              : w.drift!.drifted
                ? `rgba(180, 35, 24, ${(0.35 + 0.65 * share).toFixed(3)})`
                : `rgba(31, 79, 209, ${(0.1 + 0.5 * share).toFixed(3)})`;
          return (
            <rect
              key={`share-${w.start}`}
              className="heatmap-cell share"
              data-window={w.start}
              x={LABEL_W + i * cellW}
              y={AXIS_H}
              width={cellW - 1}
              height={ROW_H - 1}
              fill={fill}
            >
              <title>
                {share === undefined
                  ? `${formatTime(w.start)}: not compared (no reference or no rows)`
                  : `${formatTime(w.start)}: ${(share * 100).toFixed(0)}% of columns drifted${w.drift!.drifted ? ' — dataset drift' : ''}`}
              </title>
            </rect>
          );
        })}
        {features.map((f, row) => {
          const y = AXIS_H + ROW_H * (row + 1);
          return (
            <g key={f} data-feature={f}>
              <text x={LABEL_W - 8} y={y + ROW_H / 2 + 4} textAnchor="end" className="heatmap-label">
                {f.length > 20 ? `${f.slice(0, 19)}…` : f}
              </text>
              {windows.map((w, i) => {
                const c = w.drift?.columns[f];
                const skipped = w.drift?.skipped.find((s) => s.column === f);
                const isSelected = selected?.feature === f && selected.window === w.start;
                return (
                  // biome-ignore lint/a11y/useSemanticElements: an SVG rect cannot be a <button>; it has the role, a name and keys
                  <rect
                    key={w.start}
                    className={`heatmap-cell${c?.drifted ? ' drifted' : ''}${isSelected ? ' selected' : ''}`}
                    data-feature={f}
                    data-window={w.start}
                    data-drifted={c ? String(c.drifted) : 'untested'}
                    x={LABEL_W + i * cellW}
                    y={y}
                    width={cellW - 1}
                    height={ROW_H - 1}
                    fill={c ? cellColor(c) : '#eef0f3'}
                    role="button"
                    tabIndex={0}
                    aria-label={`${f} at ${formatTime(w.start)}`}
                    onClick={() => onSelect({ feature: f, window: w.start })}
                    onKeyDown={(ev) => {
                      if (ev.key === 'Enter' || ev.key === ' ') {
                        ev.preventDefault();
                        onSelect({ feature: f, window: w.start });
                      }
                    }}
                  >
                    <title>
                      {c
                        ? `${f}, ${formatTime(w.start)}: ${c.drifted ? 'drift' : 'no drift'} — ${c.method} ${P_VALUE_METHODS.has(c.method) ? 'p-value' : 'distance'} ${formatNumber(c.score)} (threshold ${formatNumber(c.threshold)})`
                        : `${f}, ${formatTime(w.start)}: not tested${skipped ? ` (${skipped.reason})` : ''}`}
                    </title>
                  </rect>
                );
              })}
            </g>
          );
        })}
        {ticks.map((i) => (
          <text
            key={i}
            x={LABEL_W + i * cellW + cellW / 2}
            y={AXIS_H - 10}
            textAnchor="middle"
            className="axis-label"
          >
            {formatTime(windows[i]!.start).slice(11, 19)}
          </text>
        ))}
      </svg>
      <p className="muted small legend-line">
        <span className="swatch" style={{ background: 'rgba(180, 35, 24, 0.8)' }} /> drift (darker: further
        past the threshold) <span className="swatch" style={{ background: 'rgba(6, 118, 71, 0.45)' }} /> no
        drift <span className="swatch" style={{ background: '#eef0f3' }} /> not tested. Hover a cell for the
        test and its score; click it for the distributions.
      </p>
    </div>
  );
}

/** At most `n` evenly spread indexes of `length` items, always the first and the last. */
function tickIndexes(length: number, n: number): number[] {
  if (length === 0) return [];
  if (length <= n) return Array.from({ length }, (_, i) => i);
  const step = (length - 1) / (n - 1);
  return [...new Set(Array.from({ length: n }, (_, i) => Math.round(i * step)))];
}

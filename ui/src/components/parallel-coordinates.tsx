import { formatNumber } from '../lib/format';

export interface PcRun {
  id: string;
  label: string;
  color: string;
  values: Record<string, string | number | undefined>;
}

interface Axis {
  key: string;
  numeric: boolean;
  min: number;
  max: number;
  categories: string[];
}

const W_AXIS = 150;
const HEIGHT = 320;
const TOP = 40;
const BOTTOM = 30;

function axisOf(key: string, runs: PcRun[]): Axis {
  const present = runs
    .map((r) => r.values[key])
    .filter((v): v is string | number => v !== undefined && v !== '');
  const nums = present.map((v) => (typeof v === 'number' ? v : Number(v)));
  const numeric = present.length > 0 && nums.every((n) => Number.isFinite(n));
  if (numeric) return { key, numeric, min: Math.min(...nums), max: Math.max(...nums), categories: [] };
  return { key, numeric, min: 0, max: 0, categories: [...new Set(present.map(String))].sort() };
}

/** 0 (bottom) … 1 (top) position of a value on its axis, or undefined when the run has none. */
function position(axis: Axis, value: string | number | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (axis.numeric) {
    const n = Number(value);
    return axis.max === axis.min ? 0.5 : (n - axis.min) / (axis.max - axis.min);
  }
  const i = axis.categories.indexOf(String(value));
  return axis.categories.length === 1 ? 0.5 : i / (axis.categories.length - 1);
}

/** Runs as lines across one vertical axis per parameter or metric: where the good runs cluster shows at a glance. */
export function ParallelCoordinates({ runs, keys }: { runs: PcRun[]; keys: string[] }) {
  const axes = keys.map((k) => axisOf(k, runs));
  const width = Math.max(2, axes.length) * W_AXIS;
  const x = (i: number) => W_AXIS / 2 + i * W_AXIS;
  const y = (p: number) => TOP + (1 - p) * (HEIGHT - TOP - BOTTOM);
  return (
    <div className="pc-wrap">
      <svg className="pc" width={width} height={HEIGHT} role="img" aria-label="Parallel coordinates">
        {axes.map((a, i) => (
          <g key={a.key} className="pc-axis">
            <line x1={x(i)} x2={x(i)} y1={y(1)} y2={y(0)} />
            <text x={x(i)} y={16} className="pc-label">
              {a.key.length > 22 ? `${a.key.slice(0, 21)}…` : a.key}
            </text>
            {a.numeric ? (
              <>
                <text x={x(i) + 6} y={y(1) + 4} className="pc-tick">
                  {formatNumber(a.max)}
                </text>
                <text x={x(i) + 6} y={y(0) + 4} className="pc-tick">
                  {formatNumber(a.min)}
                </text>
              </>
            ) : (
              a.categories.map((c) => (
                <text key={c} x={x(i) + 6} y={y(position(a, c)!) + 4} className="pc-tick">
                  {c.length > 16 ? `${c.slice(0, 15)}…` : c}
                </text>
              ))
            )}
          </g>
        ))}
        {runs.map((r) => {
          const segments: string[] = [];
          let path = '';
          axes.forEach((a, i) => {
            const p = position(a, r.values[a.key]);
            if (p === undefined) {
              if (path) segments.push(path);
              path = '';
            } else path += `${path ? 'L' : 'M'}${x(i)},${y(p)}`;
          });
          if (path) segments.push(path);
          return (
            <path key={r.id} className="pc-line" d={segments.join(' ')} stroke={r.color}>
              <title>{r.label}</title>
            </path>
          );
        })}
      </svg>
    </div>
  );
}

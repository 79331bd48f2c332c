import type { ColumnProfileView } from '../api/types';
import { formatNumber } from '../lib/format';

const W = 560;
const H = 190;
const PAD_L = 44;
const PAD_B = 26;
const PAD_T = 10;
const REF = '#8a93a6';
const CUR = '#1f4fd1';

/**
 * A column's distribution in the reference and in one window, overlaid: numeric columns as density outlines over
 * each profile's own histogram bins (the bins differ, densities are comparable), categorical ones as the share of
 * each frequent value side by side.
 */
export function DistributionCompare({
  column,
  reference,
  current,
}: {
  column: string;
  reference: ColumnProfileView | undefined;
  current: ColumnProfileView | undefined;
}) {
  const numeric = reference?.summary.histogram && current?.summary.histogram;
  return (
    <figure className="distribution" aria-label={`Reference and current distribution of ${column}`}>
      {numeric ? (
        <Densities reference={reference!} current={current!} column={column} />
      ) : (
        <Shares reference={reference} current={current} column={column} />
      )}
      <figcaption className="small">
        <span className="swatch" style={{ background: REF }} /> reference
        {reference
          ? ` (${(reference.count - reference.missing).toLocaleString()} values${stats(reference)})`
          : ': none'}{' '}
        <span className="swatch" style={{ background: CUR }} /> current
        {current
          ? ` (${(current.count - current.missing).toLocaleString()} values${stats(current)})`
          : ': none'}
      </figcaption>
    </figure>
  );
}

const stats = (c: ColumnProfileView) =>
  c.numeric
    ? `, mean ${formatNumber(c.numeric.mean)}, sd ${formatNumber(c.summary.stddev ?? undefined)}`
    : '';

function Densities({
  reference,
  current,
  column,
}: {
  reference: ColumnProfileView;
  current: ColumnProfileView;
  column: string;
}) {
  const series = [reference, current].map((c) => {
    const { edges, counts } = c.summary.histogram!;
    const total = counts.reduce((a, b) => a + b, 0) || 1;
    return counts.map((n, i) => ({
      x0: edges[i]!,
      x1: edges[i + 1]!,
      d: n / total / Math.max(edges[i + 1]! - edges[i]!, 1e-12),
    }));
  });
  const all = series.flat();
  const xMin = Math.min(...all.map((b) => b.x0));
  const xMax = Math.max(...all.map((b) => b.x1));
  const yMax = Math.max(1e-12, ...all.map((b) => b.d));
  const sx = (x: number) => PAD_L + ((x - xMin) / Math.max(xMax - xMin, 1e-12)) * (W - PAD_L - 8);
  const sy = (y: number) => H - PAD_B - (y / yMax) * (H - PAD_B - PAD_T);
  const path = (bins: (typeof series)[0]) =>
    bins.length === 0
      ? ''
      : `M${sx(bins[0]!.x0)},${sy(0)} ${bins.map((b) => `L${sx(b.x0)},${sy(b.d)} L${sx(b.x1)},${sy(b.d)}`).join(' ')} L${sx(bins.at(-1)!.x1)},${sy(0)}`;
  return (
    <svg width={W} height={H} role="img" aria-label={`Density of ${column}: reference and current`}>
      <line x1={PAD_L} y1={sy(0)} x2={W - 8} y2={sy(0)} className="axis-line" />
      <path
        d={path(series[0]!)}
        fill="rgba(138,147,166,0.25)"
        stroke={REF}
        strokeWidth={1.5}
        data-series="reference"
      />
      <path
        d={path(series[1]!)}
        fill="rgba(31,79,209,0.12)"
        stroke={CUR}
        strokeWidth={2}
        data-series="current"
      />
      <text x={PAD_L} y={H - 8} className="axis-label">
        {formatNumber(xMin)}
      </text>
      <text x={W - 8} y={H - 8} textAnchor="end" className="axis-label">
        {formatNumber(xMax)}
      </text>
      <text x={PAD_L + 4} y={PAD_T + 8} className="axis-label">
        density
      </text>
    </svg>
  );
}

function Shares({
  reference,
  current,
  column,
}: {
  reference: ColumnProfileView | undefined;
  current: ColumnProfileView | undefined;
  column: string;
}) {
  const share = (c: ColumnProfileView | undefined) => {
    const m = new Map<string, number>();
    const total = c ? Math.max(1, c.count - c.missing) : 1;
    for (const t of c?.summary.topK ?? []) m.set(String(t.value), t.count / total);
    return m;
  };
  const ref = share(reference);
  const cur = share(current);
  const values = [...new Set([...ref.keys(), ...cur.keys()])]
    .sort((a, b) => (ref.get(b) ?? 0) + (cur.get(b) ?? 0) - (ref.get(a) ?? 0) - (cur.get(a) ?? 0))
    .slice(0, 12);
  if (values.length === 0) return <p className="muted">No values to compare.</p>;
  const yMax = Math.max(1e-12, ...values.flatMap((v) => [ref.get(v) ?? 0, cur.get(v) ?? 0]));
  const groupW = (W - PAD_L - 8) / values.length;
  const barW = Math.max(2, groupW / 2 - 4);
  const sy = (y: number) => H - PAD_B - (y / yMax) * (H - PAD_B - PAD_T);
  return (
    <svg
      width={W}
      height={H}
      role="img"
      aria-label={`Share of each value of ${column}: reference and current`}
    >
      {values.map((v, i) => {
        const x = PAD_L + i * groupW + 2;
        const r = ref.get(v) ?? 0;
        const c = cur.get(v) ?? 0;
        return (
          <g key={v} data-value={v}>
            <rect x={x} y={sy(r)} width={barW} height={sy(0) - sy(r)} fill={REF} data-series="reference">
              <title>{`${v}: ${(r * 100).toFixed(1)}% of the reference`}</title>
            </rect>
            <rect
              x={x + barW + 2}
              y={sy(c)}
              width={barW}
              height={sy(0) - sy(c)}
              fill={CUR}
              data-series="current"
            >
              <title>{`${v}: ${(c * 100).toFixed(1)}% of the window`}</title>
            </rect>
            <text x={x + barW} y={H - 8} textAnchor="middle" className="axis-label">
              {v.length > 10 ? `${v.slice(0, 9)}…` : v}
            </text>
          </g>
        );
      })}
      <line x1={PAD_L} y1={sy(0)} x2={W - 8} y2={sy(0)} className="axis-line" />
      <text x={PAD_L - 6} y={PAD_T + 8} textAnchor="end" className="axis-label">
        {(yMax * 100).toFixed(0)}%
      </text>
    </svg>
  );
}

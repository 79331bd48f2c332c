import type { Datum, PlotData } from './plots.js';

/**
 * Plots drawn as inline SVG in one HTML file: no script, no network, so the page opens anywhere (a CI artifact, an
 * e-mail attachment) and shows the same thing. Each point carries a <title>, which browsers show on hover.
 */
const W = 640;
const H = 360;
const M = { top: 16, right: 16, bottom: 48, left: 64 };
const COLORS = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#eeca3b', '#9d755d'];

const esc = (s: unknown) =>
  String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const fmt = (v: unknown) => (typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v));

export interface Series {
  name: string;
  points: { x: unknown; y: number }[];
}

/** One series per revision and y field, named by what tells them apart. */
export function seriesOf(plot: PlotData): Series[] {
  const many = plot.revisions.length > 1;
  return plot.revisions.flatMap(({ rev, rows }) =>
    plot.y.map((y) => ({
      name: many && plot.y.length > 1 ? `${rev}: ${y}` : many ? rev : y,
      points: rows
        .filter((r) => r[plot.x] != null && typeof r[y] === 'number' && Number.isFinite(r[y]))
        .map((r) => ({ x: r[plot.x], y: r[y] as number })),
    })),
  );
}

/** About `count` round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

interface Axis {
  at: (v: unknown) => number;
  ticks: { at: number; label: string }[];
}

function numericAxis(values: number[], from: number, to: number, zero = false): Axis {
  let lo = Math.min(...values, ...(zero ? [0] : []));
  let hi = Math.max(...values, ...(zero ? [0] : []));
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const ts = ticks(lo, hi);
  lo = Math.min(lo, ts[0]!);
  hi = Math.max(hi, ts.at(-1)!);
  const at = (v: unknown) => from + ((Number(v) - lo) / (hi - lo)) * (to - from);
  return { at, ticks: ts.map((t) => ({ at: at(t), label: fmt(t) })) };
}

function bandAxis(values: unknown[], from: number, to: number): Axis & { band: number } {
  const keys = [...new Set(values.map(String))];
  const band = (to - from) / Math.max(1, keys.length);
  const at = (v: unknown) => from + (keys.indexOf(String(v)) + 0.5) * band;
  const every = Math.ceil(keys.length / 12);
  return {
    at,
    band,
    ticks: keys.filter((_, i) => i % every === 0).map((k) => ({ at: at(k), label: k })),
  };
}

function frame(plot: PlotData, x: Axis, y: Axis, body: string, legend: Series[]): string {
  const left = M.left;
  const bottom = H - M.bottom;
  const xt = x.ticks
    .map(
      (t) =>
        `<line x1="${t.at}" x2="${t.at}" y1="${bottom}" y2="${bottom + 4}" stroke="#666"/><text x="${t.at}" y="${bottom + 16}" text-anchor="middle">${esc(t.label.slice(0, 14))}</text>`,
    )
    .join('');
  const yt = y.ticks
    .map(
      (t) =>
        `<line x1="${left}" x2="${W - M.right}" y1="${t.at}" y2="${t.at}" stroke="#eee"/><text x="${left - 6}" y="${t.at + 4}" text-anchor="end">${esc(t.label.slice(0, 10))}</text>`,
    )
    .join('');
  const keys = legend
    .map(
      (s, i) =>
        `<span class="key"><span class="swatch" style="background:${COLORS[i % COLORS.length]}"></span>${esc(s.name)}</span>`,
    )
    .join(' ');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(plot.title)}">
<g font-size="11" fill="#333">${yt}${xt}</g>
<line x1="${left}" x2="${W - M.right}" y1="${bottom}" y2="${bottom}" stroke="#666"/><line x1="${left}" x2="${left}" y1="${M.top}" y2="${bottom}" stroke="#666"/>
${body}
<text x="${(left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle" font-size="12">${esc(plot.xLabel)}</text>
<text transform="translate(14 ${(M.top + bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(plot.yLabel)}</text>
</svg>${legend.length > 1 ? `<div class="legend">${keys}</div>` : ''}`;
}

/** A centred moving average over a tenth of the points (at least 3), DVC's `smooth` without its slider. */
function smooth(points: Series['points']): Series['points'] {
  const half = Math.max(1, Math.floor(points.length / 20));
  return points.map((p, i) => {
    const win = points.slice(Math.max(0, i - half), i + half + 1);
    return { x: p.x, y: win.reduce((a, q) => a + q.y, 0) / win.length };
  });
}

function xyChart(plot: PlotData): string {
  const series = seriesOf(plot);
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return empty(plot);
  const numericX = all.every((p) => typeof p.x === 'number');
  const x = numericX
    ? numericAxis(
        all.map((p) => p.x as number),
        M.left,
        W - M.right,
      )
    : bandAxis(
        all.map((p) => p.x),
        M.left,
        W - M.right,
      );
  const y = numericAxis(
    all.map((p) => p.y),
    H - M.bottom,
    M.top,
  );
  const body = series
    .map((s, i) => {
      const color = COLORS[i % COLORS.length];
      const pts = numericX ? [...s.points].sort((a, b) => (a.x as number) - (b.x as number)) : s.points;
      const dots = pts
        .map(
          (p) =>
            `<circle cx="${x.at(p.x).toFixed(1)}" cy="${y.at(p.y).toFixed(1)}" r="${plot.template === 'scatter' ? 3.5 : 2}" fill="${color}"${plot.template === 'scatter' ? ' fill-opacity="0.7"' : ''}><title>${esc(s.name)}: ${esc(plot.x)}=${esc(fmt(p.x))}, ${esc(fmt(p.y))}</title></circle>`,
        )
        .join('');
      if (plot.template === 'scatter') return dots;
      const line = (plot.template === 'smooth' ? smooth(pts) : pts)
        .map((p) => `${x.at(p.x).toFixed(1)},${y.at(p.y).toFixed(1)}`)
        .join(' ');
      return `<polyline points="${line}" fill="none" stroke="${color}" stroke-width="1.8"/>${pts.length <= 200 ? dots : ''}`;
    })
    .join('\n');
  return frame(plot, x, y, body, series);
}

/** DVC's bar_horizontal: the y field names the bar, the x field is its length; revisions side by side. */
function barChart(plot: PlotData): string {
  const series = plot.revisions.map(({ rev, rows }) => ({
    name: plot.revisions.length > 1 ? rev : plot.x,
    points: rows
      .filter((r) => typeof r[plot.x] === 'number')
      .map((r) => ({ x: r[plot.x] as number, y: r[plot.y[0]!] })),
  }));
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return empty(plot);
  const x = numericAxis(
    all.map((p) => p.x),
    M.left,
    W - M.right,
    true,
  );
  const y = bandAxis(
    all.map((p) => p.y),
    M.top,
    H - M.bottom,
  );
  const h = (y.band * 0.8) / series.length;
  const body = series
    .map((s, i) =>
      s.points
        .map((p) => {
          const top = y.at(p.y) - y.band * 0.4 + i * h;
          const a = x.at(0);
          const b = x.at(p.x);
          return `<rect x="${Math.min(a, b).toFixed(1)}" y="${top.toFixed(1)}" width="${Math.abs(b - a).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[i % COLORS.length]}"><title>${esc(s.name)}: ${esc(fmt(p.y))} = ${esc(fmt(p.x))}</title></rect>`;
        })
        .join(''),
    )
    .join('\n');
  return frame(plot, x, y, body, series.length > 1 ? series.map((s) => ({ ...s, points: [] })) : []);
}

/** Counts of (x = actual, y = predicted) pairs, one matrix per revision. */
export function confusion(rows: Datum[], x: string, y: string) {
  const labels = [...new Set(rows.flatMap((r) => [String(r[x]), String(r[y])]))].sort();
  const counts = labels.map(() => labels.map(() => 0));
  for (const r of rows) counts[labels.indexOf(String(r[y]))]![labels.indexOf(String(r[x]))]!++;
  return { labels, counts };
}

function confusionChart(plot: PlotData): string {
  return plot.revisions
    .map(({ rev, rows }) => {
      const { labels, counts } = confusion(rows, plot.x, plot.y[0]!);
      const n = Math.max(1, labels.length);
      const cell = Math.min(48, Math.floor(280 / n));
      const size = cell * n;
      const max = Math.max(1, ...counts.flat());
      const cells = counts
        .flatMap((row, i) =>
          row.map((c, j) => {
            const shade = Math.round(245 - (c / max) * 170);
            return `<rect x="${80 + j * cell}" y="${16 + i * cell}" width="${cell}" height="${cell}" fill="rgb(${shade},${shade + 5},255)" stroke="#fff"><title>${esc(plot.x)}=${esc(labels[j])}, ${esc(plot.y[0])}=${esc(labels[i])}: ${c}</title></rect><text x="${80 + j * cell + cell / 2}" y="${16 + i * cell + cell / 2 + 4}" text-anchor="middle" font-size="11">${c}</text>`;
          }),
        )
        .join('');
      const xl = labels
        .map(
          (l, j) =>
            `<text x="${80 + j * cell + cell / 2}" y="${16 + size + 14}" text-anchor="middle" font-size="11">${esc(l.slice(0, 8))}</text>`,
        )
        .join('');
      const yl = labels
        .map(
          (l, i) =>
            `<text x="74" y="${16 + i * cell + cell / 2 + 4}" text-anchor="end" font-size="11">${esc(l.slice(0, 10))}</text>`,
        )
        .join('');
      return `<figure>${plot.revisions.length > 1 ? `<figcaption>${esc(rev)}</figcaption>` : ''}<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size + 100} ${size + 56}" width="${size + 100}" height="${size + 56}" role="img" aria-label="${esc(plot.title)}">${cells}${xl}${yl}<text x="${80 + size / 2}" y="${size + 50}" text-anchor="middle" font-size="12">${esc(plot.xLabel)}</text><text transform="translate(14 ${16 + size / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(plot.yLabel)}</text></svg></figure>`;
    })
    .join('');
}

function empty(plot: PlotData): string {
  return `<p class="empty">${esc(plot.path)}: no numeric values of ${esc(plot.y.join(', '))} to draw.</p>`;
}

export function chart(plot: PlotData): string {
  if (plot.template === 'confusion') return confusionChart(plot);
  if (plot.template === 'bar_horizontal') return barChart(plot);
  return xyChart(plot);
}

/** The standalone page: one section per plot, in the order given. */
export function plotsHtml(plots: readonly PlotData[], heading: string): string {
  const sections = plots
    .map(
      (p) =>
        `<section><h2>${esc(p.title)}</h2><p class="meta">${esc(p.path)}${p.stage ? ` · stage ${esc(p.stage)}` : ''} · ${esc(p.template)}</p>${chart(p)}</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(heading)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:20px}h2{font-size:16px;margin:0}
section{display:inline-block;vertical-align:top;margin:0 24px 32px 0;max-width:100%}
svg{max-width:100%;height:auto;display:block}
.meta{color:#666;font-size:12px;margin:2px 0 8px}.empty{color:#a00}
.legend{font-size:12px;margin-top:4px}.key{margin-right:12px;white-space:nowrap}
.swatch{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
figure{display:inline-block;margin:0 16px 0 0}figcaption{font-size:12px;color:#444}
</style></head><body>
<h1>${esc(heading)}</h1>
${sections || '<p>No plots.</p>'}
</body></html>
`;
}

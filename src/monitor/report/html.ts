import type { ColumnDrift, DatasetDrift } from '../drift/types.js';

/**
 * A drift report as one standalone HTML file: inline CSS, inline SVG charts, no script and nothing fetched, so it
 * opens anywhere (a CI artifact, an e-mail attachment) and stays small — the report holds binned shares, never rows
 * (Evidently embeds the data, which makes large reports slow to open: evidently#15). Every piece of text that comes
 * from data (column names, category values, file names) is escaped.
 */

/** Drift of successive windows (a deployment's serving windows against its reference). */
export interface DriftOverTime {
  windows: { start: number; end: number; share: number; columns: Record<string, number /* statistic */> }[];
}

export interface DriftReportOptions {
  title?: string;
  /** Where the reference and current data came from (file names, window bounds). */
  reference?: string;
  current?: string;
  generatedAt?: Date;
  overTime?: DriftOverTime;
}

const COLORS = { reference: '#8c96a5', current: '#d9480f', ok: '#2b8a3e', drift: '#c92a2a', line: '#1c7ed6' };

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const esc = (v: unknown) => escapeHtml(String(v));

export function formatValue(v: number | undefined): string {
  if (v === undefined) return '–';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v !== 0 && Math.abs(v) < 1e-4) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

const pct = (share: number) => `${(share * 100).toFixed(share > 0 && share < 0.1 ? 1 : 0)}%`;

/** Renders the report. `drift` may be null for a report that only shows drift over time. */
export function renderDriftReport(drift: DatasetDrift | null, opts: DriftReportOptions = {}): string {
  const title = opts.title ?? 'Data drift report';
  const generated = (opts.generatedAt ?? new Date()).toISOString();
  const parts: string[] = [];
  parts.push(`<header><h1>${esc(title)}</h1><p class="meta">`);
  if (opts.reference !== undefined) parts.push(`Reference: <b>${esc(opts.reference)}</b> · `);
  if (opts.current !== undefined) parts.push(`Current: <b>${esc(opts.current)}</b> · `);
  parts.push(`Generated ${esc(generated)} by mloop</p></header>`);
  if (drift) parts.push(summary(drift), featureTable(drift), ...drift.columns.map(featureSection));
  if (opts.overTime && opts.overTime.windows.length > 0) parts.push(overTime(opts.overTime, drift));
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>${parts.join('\n')}</body></html>
`;
}

function summary(d: DatasetDrift): string {
  const tested = d.columns.length;
  const verdict =
    tested === 0 ? 'No column could be tested' : d.drifted ? 'Dataset drift detected' : 'No dataset drift';
  const cls = tested === 0 ? 'warn' : d.drifted ? 'drift' : 'ok';
  return `<section class="summary ${cls}"><h2>${esc(verdict)}</h2>
<p><b>${d.driftedColumns}</b> of <b>${tested}</b> tested columns drifted (${pct(d.share)}); the dataset drifts when the share is ≥ ${pct(d.shareThreshold)}.</p>
${
  d.skipped.length
    ? `<details><summary>${d.skipped.length} column(s) not tested</summary><ul>${d.skipped
        .map((s) => `<li><b>${esc(s.column)}</b>: ${esc(s.reason)}</li>`)
        .join('')}</ul></details>`
    : ''
}</section>`;
}

function featureTable(d: DatasetDrift): string {
  const rows = d.columns
    .map(
      (
        c,
        i,
      ) => `<tr><td><a href="#f${i}">${esc(c.column)}</a></td><td>${esc(c.kind)}</td><td>${esc(c.method)}</td>
<td class="num">${formatValue(c.statistic)}</td><td class="num">${formatValue(c.pValue)}</td><td class="num">${formatValue(c.threshold)}</td>
<td class="num">${c.referenceSize.toLocaleString('en-US')}</td><td class="num">${c.currentSize.toLocaleString('en-US')}</td>
<td><span class="badge ${c.drifted ? 'drift' : 'ok'}">${c.drifted ? 'drift' : 'no drift'}</span></td></tr>`,
    )
    .join('\n');
  return `<section><h2>Columns</h2><table><thead><tr><th>column</th><th>kind</th><th>test</th><th>statistic</th><th>p-value</th>
<th>threshold</th><th>reference rows</th><th>current rows</th><th>verdict</th></tr></thead><tbody>
${rows}</tbody></table></section>`;
}

function featureSection(c: ColumnDrift, i: number): string {
  const missing =
    c.referenceMissing || c.currentMissing
      ? ` · missing: ${c.referenceMissing.toLocaleString('en-US')} reference, ${c.currentMissing.toLocaleString('en-US')} current`
      : '';
  return `<section class="feature" id="f${i}"><h3>${esc(c.column)} <span class="badge ${c.drifted ? 'drift' : 'ok'}">${
    c.drifted ? 'drift' : 'no drift'
  }</span></h3>
<p class="meta">${esc(c.method)} = ${formatValue(c.statistic)}${c.pValue === undefined ? '' : `, p = ${formatValue(c.pValue)}`}, threshold ${formatValue(c.threshold)} · ${c.distinctValues.toLocaleString('en-US')} distinct values${esc(missing)}</p>
${barChart(c.distribution)}
<p class="convention">${esc(c.convention)}${c.approximate ? `<br>Approximate: ${esc(c.approximate)}` : ''}</p></section>`;
}

/** Grouped bars per bin: reference and current shares. Each bar has a tooltip with its bin and share. */
export function barChart(dist: ColumnDrift['distribution'], width = 720, height = 200): string {
  const n = dist.bins.length;
  if (n === 0) return '';
  const pad = { left: 44, right: 8, top: 10, bottom: 46 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const max = Math.max(...dist.reference, ...dist.current, 1e-12);
  const slot = plotW / n;
  const bar = Math.max(1, (slot * 0.8) / 2);
  const y = (v: number) => pad.top + plotH - (v / max) * plotH;
  const out: string[] = [];
  out.push(
    `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="reference and current distribution">`,
  );
  for (const t of [0, 0.5, 1]) {
    const yy = y(max * t);
    out.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${yy.toFixed(1)}" y2="${yy.toFixed(1)}" class="grid"/><text x="${pad.left - 4}" y="${(yy + 4).toFixed(1)}" text-anchor="end">${pct(max * t)}</text>`,
    );
  }
  dist.bins.forEach((label, i) => {
    const x0 = pad.left + i * slot + slot * 0.1;
    for (const [k, side] of (['reference', 'current'] as const).entries()) {
      const v = dist[side][i]!;
      const top = y(v);
      out.push(
        `<rect x="${(x0 + k * bar).toFixed(1)}" y="${top.toFixed(1)}" width="${bar.toFixed(1)}" height="${(pad.top + plotH - top).toFixed(1)}" fill="${COLORS[side]}"><title>${esc(label)} — ${side} ${pct(v)}</title></rect>`,
      );
    }
  });
  // Bin labels: all of them when they fit, otherwise the first, the middle and the last.
  const every = n <= 12 ? 1 : Math.ceil(n / 3);
  dist.bins.forEach((label, i) => {
    if (i % every !== 0 && i !== n - 1) return;
    // The first and last labels are anchored inside the plot so that they are not cut at its edges.
    const [x, anchor] =
      n > 1 && i === 0
        ? [pad.left + i * slot, 'start']
        : n > 1 && i === n - 1
          ? [pad.left + (i + 1) * slot, 'end']
          : [pad.left + (i + 0.5) * slot, 'middle'];
    const text = label.length > 18 ? `${label.slice(0, 17)}…` : label;
    out.push(
      `<text x="${x.toFixed(1)}" y="${height - pad.bottom + 14}" text-anchor="${anchor}">${esc(text)}</text>`,
    );
  });
  out.push(
    `<rect x="${pad.left}" y="${height - 16}" width="10" height="10" fill="${COLORS.reference}"/><text x="${pad.left + 14}" y="${height - 7}">reference</text>`,
    `<rect x="${pad.left + 90}" y="${height - 16}" width="10" height="10" fill="${COLORS.current}"/><text x="${pad.left + 104}" y="${height - 7}">current</text>`,
    '</svg>',
  );
  return out.join('');
}

/** A line over windows (x = window end), with an optional dashed threshold line. */
export function lineChart(
  points: { x: number; y: number }[],
  opts: { threshold?: number; width?: number; height?: number; label: string },
): string {
  const width = opts.width ?? 720;
  const height = opts.height ?? 160;
  const pad = { left: 44, right: 8, top: 10, bottom: 30 };
  const finite = points.filter((p) => Number.isFinite(p.y));
  const ys = finite.map((p) => p.y);
  if (opts.threshold !== undefined) ys.push(opts.threshold);
  const maxY = Math.max(...ys, 1e-12);
  const minX = Math.min(...points.map((p) => p.x));
  const maxX = Math.max(...points.map((p) => p.x));
  const sx = (x: number) =>
    pad.left + (maxX === minX ? 0.5 : (x - minX) / (maxX - minX)) * (width - pad.left - pad.right);
  const sy = (v: number) => pad.top + (1 - v / maxY) * (height - pad.top - pad.bottom);
  const out = [
    `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(opts.label)}">`,
  ];
  for (const t of [0, 0.5, 1])
    out.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${sy(maxY * t).toFixed(1)}" y2="${sy(maxY * t).toFixed(1)}" class="grid"/><text x="${pad.left - 4}" y="${(sy(maxY * t) + 4).toFixed(1)}" text-anchor="end">${formatValue(maxY * t)}</text>`,
    );
  if (opts.threshold !== undefined)
    out.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${sy(opts.threshold).toFixed(1)}" y2="${sy(opts.threshold).toFixed(1)}" class="threshold"><title>threshold ${formatValue(opts.threshold)}</title></line>`,
    );
  out.push(
    `<polyline fill="none" stroke="${COLORS.line}" stroke-width="2" points="${finite.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ')}"/>`,
  );
  for (const p of finite)
    out.push(
      `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${opts.threshold !== undefined && p.y >= opts.threshold ? COLORS.drift : COLORS.line}"><title>${esc(new Date(p.x).toISOString())}: ${formatValue(p.y)}</title></circle>`,
    );
  out.push(
    `<text x="${pad.left}" y="${height - 8}">${esc(new Date(minX).toISOString().slice(0, 16).replace('T', ' '))}</text>`,
    `<text x="${width - pad.right}" y="${height - 8}" text-anchor="end">${esc(new Date(maxX).toISOString().slice(0, 16).replace('T', ' '))}</text>`,
    '</svg>',
  );
  return out.join('');
}

function overTime(t: DriftOverTime, drift: DatasetDrift | null): string {
  const windows = [...t.windows].sort((a, b) => a.end - b.end);
  const thresholds = new Map(drift?.columns.map((c) => [c.column, c]) ?? []);
  const columns = [...new Set(windows.flatMap((w) => Object.keys(w.columns)))];
  const parts = [
    `<section><h2>Drift over time</h2><p class="meta">${windows.length} windows, from ${esc(new Date(windows[0]!.start).toISOString())} to ${esc(new Date(windows.at(-1)!.end).toISOString())}</p>`,
    '<h3>Share of drifted columns</h3>',
    lineChart(
      windows.map((w) => ({ x: w.end, y: w.share })),
      { label: 'share of drifted columns per window', ...(drift ? { threshold: drift.shareThreshold } : {}) },
    ),
  ];
  for (const column of columns) {
    const known = thresholds.get(column);
    // The statistic of a p-value test is not what its threshold applies to: draw a threshold only for distances.
    const threshold = known && known.pValue === undefined ? known.threshold : undefined;
    parts.push(
      `<h3>${esc(column)}${known ? ` <span class="meta">(${esc(known.method)})</span>` : ''}</h3>`,
      lineChart(
        windows.filter((w) => column in w.columns).map((w) => ({ x: w.end, y: w.columns[column]! })),
        {
          label: `${column} statistic per window`,
          height: 120,
          ...(threshold === undefined ? {} : { threshold }),
        },
      ),
    );
  }
  parts.push('</section>');
  return parts.join('\n');
}

const CSS = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#212529;max-width:1000px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:24px 0 8px}h3{font-size:15px;margin:20px 0 4px}
.meta{color:#6c757d;margin:0 0 8px}.summary{border-left:6px solid;padding:8px 16px;background:#f8f9fa}
.summary.ok{border-color:${COLORS.ok}}.summary.drift{border-color:${COLORS.drift}}.summary.warn{border-color:#e67700}
.summary h2{margin:4px 0}table{border-collapse:collapse;width:100%}th,td{padding:4px 8px;border-bottom:1px solid #dee2e6;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px}
.badge.ok{background:${COLORS.ok}}.badge.drift{background:${COLORS.drift}}.feature{border-top:1px solid #dee2e6;margin-top:16px}
.chart{max-width:100%;height:auto;font-size:11px;fill:#495057}.chart .grid{stroke:#e9ecef}.chart .threshold{stroke:${COLORS.drift};stroke-dasharray:4 3}
.convention{color:#6c757d;font-size:12px}a{color:${COLORS.line}}`;

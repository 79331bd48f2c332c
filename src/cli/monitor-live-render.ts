import { writeFile } from 'node:fs/promises';
import type { MonitorReport } from '../monitor/monitoring-service.js';
import { renderDriftReport } from '../monitor/report/html.js';
import { fields, formatNumber, table } from './output.js';

const iso = (ms: number) => new Date(ms).toISOString();
const num = (v: number | null | undefined) => (v === null || v === undefined ? '–' : formatNumber(v));

/** Drift in some window, or an alert raised about the range. */
export function unhealthy(report: MonitorReport): boolean {
  return report.alerts.length > 0 || report.windows.some((w) => !w.shadow && w.drift?.drifted);
}

export function printReport(report: MonitorReport, html?: string): void {
  console.log(`Deployment ${report.deployment}: ${iso(report.from)} → ${iso(report.to)}`);
  if (report.windows.length === 0) {
    console.log(
      'No traffic in this range: no window to report (windows exist only where requests were served).',
    );
    return;
  }
  const requests = report.windows.reduce((a, w) => a + w.requests, 0);
  const errors = report.windows.reduce((a, w) => a + w.errors, 0);
  const refs = [...new Set(report.windows.map((w) => w.reference?.dataset ?? 'none found'))];
  console.log(
    fields([
      ['windows', String(report.windows.length)],
      ['requests', String(requests)],
      [
        'errors',
        `${errors} (${requests + errors ? ((100 * errors) / (requests + errors)).toFixed(2) : '0.00'}%)`,
      ],
      ['reference', refs.join(', ')],
      ['alerts', String(report.alerts.length)],
    ]),
  );
  const metric = report.windows.some((w) => w.performance?.task === 'regression') ? 'mae' : 'accuracy';
  console.log(
    table(
      [
        'WINDOW',
        'VERSION',
        'REQUESTS',
        'ERR %',
        'P99 MS',
        'DRIFT',
        'DRIFTED COLUMNS',
        'LABELED',
        metric.toUpperCase(),
        `EST. ${metric.toUpperCase()}`,
      ],
      report.windows.map((w) => [
        iso(w.start),
        `${w.modelVersion}${w.shadow ? ' (shadow)' : ''}`,
        String(w.requests),
        (100 * w.errorRate).toFixed(2),
        num(w.latencyMs?.p99),
        w.drift ? `${(100 * w.drift.share).toFixed(0)}%${w.drift.drifted ? ' DRIFT' : ''}` : '–',
        w.drift?.driftedColumns.join(', ') || '–',
        w.performance ? `${w.performance.labeledRows}/${w.performance.rows}` : '–',
        num(w.performance?.metrics?.[metric]),
        num(w.performance?.estimated?.[metric]),
      ]),
      { alignRight: [2, 3, 4, 7, 8, 9] },
    ),
  );
  for (const a of report.alerts) console.log(`ALERT ${a.rule}: ${a.message}`);
  if (html) console.log(`HTML report: ${html}`);
}

/** The drift-over-time section of the drift report renderer, one point per primary window with drift. */
export async function writeReportHtml(file: string, report: MonitorReport): Promise<void> {
  const windows = report.windows
    .filter((w) => !w.shadow && w.drift)
    .map((w) => ({
      start: w.start,
      end: w.end,
      share: w.drift!.share,
      columns: Object.fromEntries(Object.entries(w.drift!.columns).map(([k, v]) => [k, v.statistic])),
    }));
  const refs = [...new Set(report.windows.map((w) => w.reference?.dataset).filter(Boolean))];
  const html = renderDriftReport(null, {
    title: `Live monitoring of ${report.deployment}`,
    reference: refs.join(', ') || 'none found',
    current: `${iso(report.from)} → ${iso(report.to)}, ${report.windows.length} window(s)`,
    overTime: { windows },
  });
  await writeFile(file, html);
}

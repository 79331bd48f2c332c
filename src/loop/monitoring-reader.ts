import { CLOSE_GRACE_MS } from '../monitor/evaluator.js';
import type { MonitoringService } from '../monitor/monitoring-service.js';
import type { WindowReport } from '../monitor/report.js';
import type { MonitoringReader } from './triggers.js';

/**
 * The loop's triggers read live monitoring through this: the windows a deployment served since the last loop run
 * (shadow traffic excluded, windows still open left out). Drift triggers look at the newest window with a drift
 * result and enough rows — the state the model is in now, as Evidently and SageMaker monitor per window; the performance trigger
 * pools every labeled window, since labels arrive late and a window rarely holds enough on its own.
 *
 * A window counts as closed once `graceMs` has passed since its end, as for the alert evaluator: until then replicas
 * may still flush its last rows, and a window that has not been written yet must not leave an older one looking
 * like the newest.
 */
export function monitoringReader(
  monitoring: MonitoringService,
  now: () => number = Date.now,
  graceMs: number = CLOSE_GRACE_MS,
): MonitoringReader {
  const closedWindows = async (deployment: string, sinceMs: number): Promise<WindowReport[]> => {
    const to = now();
    if (sinceMs >= to) return [];
    const windows = await monitoring.windows(deployment, { from: sinceMs, to });
    return windows.filter((w) => !w.shadow && w.end + graceMs <= to).sort((a, b) => a.end - b.end);
  };
  const window = (w: WindowReport) => ({
    start: new Date(w.start).toISOString(),
    end: new Date(w.end).toISOString(),
    modelVersion: w.modelVersion,
    rows: w.rows,
    reference: w.reference,
  });
  const newestDrift = async (deployment: string, sinceMs: number, minRows: number) =>
    (await closedWindows(deployment, sinceMs)).filter((w) => w.drift !== null && w.rows >= minRows).at(-1);

  return {
    async driftShare(deployment, sinceMs, minRows) {
      const w = await newestDrift(deployment, sinceMs, minRows);
      if (!w?.drift) return undefined;
      return {
        share: w.drift.share,
        evidence: { window: window(w), driftedColumns: w.drift.driftedColumns, columns: w.drift.columns },
      };
    },
    async featureDrift(deployment, column, sinceMs, minRows) {
      const w = (await closedWindows(deployment, sinceMs))
        .filter((x) => x.drift?.columns[column] && x.rows >= minRows)
        .at(-1);
      const c = w?.drift?.columns[column];
      if (!w || !c) return undefined;
      return { statistic: c.statistic, drifted: c.drifted, evidence: { window: window(w), column, ...c } };
    },
    async performance(deployment, metric, sinceMs) {
      const labeled = (await closedWindows(deployment, sinceMs)).filter(
        (w) => (w.performance?.labeledRows ?? 0) > 0 && typeof w.performance?.metrics?.[metric] === 'number',
      );
      const labels = labeled.reduce((n, w) => n + w.performance!.labeledRows, 0);
      if (labels === 0) return undefined;
      const value =
        labeled.reduce(
          (sum, w) => sum + (w.performance!.metrics![metric] as number) * w.performance!.labeledRows,
          0,
        ) / labels;
      return {
        value,
        labels,
        evidence: {
          metric,
          aggregation: 'mean of the per-window values weighted by labeled rows',
          windows: labeled.map((w) => ({
            ...window(w),
            labeledRows: w.performance!.labeledRows,
            value: w.performance!.metrics![metric],
          })),
        },
      };
    },
  };
}

import { useMemo, useRef, useState } from 'react';
import { metricHistory } from '../api/client';
import { useAsync } from '../lib/use-async';
import { useVisible } from '../lib/use-visible';
import type { ChartSettings } from './chart-options';
import { type ChartSeries, MetricChart } from './metric-chart';
import { Empty, ErrorBox, Loading } from './status';

export interface ChartRun {
  runId: string;
  label: string;
  color: string;
}

/** Points per run asked of the server: the whole budget for one run, less each when many share a chart. */
export const pointsPerRun = (runs: number): number =>
  Math.max(300, Math.min(2500, Math.floor(25_000 / Math.max(1, runs))));

/**
 * One metric of one or more runs: fetched (down-sampled by the server) when scrolled into view, and fetched
 * again for the dragged step range when zoomed, so detail is never lost to down-sampling.
 */
export function ChartPanel({
  metricKey,
  runs,
  settings,
  height,
  eager = false,
}: {
  metricKey: string;
  runs: ChartRun[];
  settings: ChartSettings;
  height?: number;
  /** Fetch at once instead of when scrolled into view (for the first charts of a page). */
  eager?: boolean;
}) {
  const ref = useRef<HTMLElement>(null);
  const visible = useVisible(ref, '300px', eager);
  const [zoom, setZoom] = useState<[number, number] | undefined>();
  const runIds = runs.map((r) => r.runId);
  const key = `${metricKey}|${runIds.join(',')}|${zoom?.join('-') ?? ''}|${visible}`;
  const state = useAsync(key, async (signal) => {
    if (!visible) return undefined;
    const started = performance.now();
    const points = await metricHistory(
      {
        runIds,
        key: metricKey,
        maxResults: pointsPerRun(runIds.length),
        ...(zoom ? { startStep: zoom[0], endStep: zoom[1] } : {}),
      },
      signal,
    );
    return { points, ms: performance.now() - started };
  });
  const data = state.status === 'ok' ? state.data : undefined;
  const series = useMemo<ChartSeries[]>(() => {
    if (!data) return [];
    const byRun = new Map<string, ChartSeries['points']>();
    for (const p of data.points) {
      const list = byRun.get(p.runId);
      if (list) list.push(p);
      else byRun.set(p.runId, [p]);
    }
    return runs
      .filter((r) => byRun.has(r.runId))
      .map((r) => ({ label: r.label, color: r.color, points: byRun.get(r.runId)! }));
  }, [data, runs]);
  const count = data ? data.points.length : 0;

  return (
    <section ref={ref} className="card chart-card" data-metric={metricKey}>
      <header className="chart-head">
        <h3 title={metricKey}>{metricKey}</h3>
        <span className="muted small">
          {count ? `${count.toLocaleString('en-US')} points shown` : ''}
          {zoom ? ` · steps ${zoom[0]}–${zoom[1]}` : ''}
        </span>
        {zoom ? (
          <button type="button" className="link" onClick={() => setZoom(undefined)}>
            Reset zoom
          </button>
        ) : null}
      </header>
      {state.status === 'error' ? (
        <ErrorBox error={state.error} retry={state.reload} title={`Could not load ${metricKey}`} />
      ) : state.status === 'loading' || !state.data ? (
        <div style={{ height: (height ?? 240) + 28 }}>
          <Loading label={`Loading ${metricKey}…`} />
        </div>
      ) : series.length === 0 ? (
        <Empty title="No points in this range." />
      ) : (
        <MetricChart
          id={metricKey}
          series={series}
          xAxis={settings.xAxis}
          smoothing={settings.smoothing}
          logY={settings.logY}
          {...(height ? { height } : {})}
          onZoomSteps={setZoom}
        />
      )}
    </section>
  );
}

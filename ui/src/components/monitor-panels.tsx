import { Link } from 'wouter';
import { datasetVersion, loopEvents, monitorWindows } from '../api/client';
import { ApiError } from '../api/http';
import type { LoopEvent, MonitorAlert, MonitorConfig, MonitorWindow } from '../api/types';
import { formatNumber, formatTime } from '../lib/format';
import { useAsync } from '../lib/use-async';
import { DistributionCompare } from './distribution-compare';
import { AsyncView, Empty } from './status';
import { TimeChart } from './time-chart';

const COLORS = ['#1f4fd1', '#b54708', '#067647', '#7a5af8', '#c11574'];
const BIAS_METRICS = [
  'demographic_parity_difference',
  'equalized_odds_difference',
  'equal_opportunity_difference',
];

/** Realized performance per window (and the CBPE estimate, dashed), with the labels that arrived as bars. */
export function PerformancePanel({
  windows,
  metric,
  onMetric,
}: {
  windows: MonitorWindow[];
  metric: string;
  onMetric(m: string): void;
}) {
  const names = [
    ...new Set(
      windows.flatMap((w) => [
        ...Object.keys(w.performance?.metrics ?? {}),
        ...Object.keys(w.performance?.estimated ?? {}),
      ]),
    ),
  ].sort();
  const labeled = windows.reduce((n, w) => n + (w.performance?.labeledRows ?? 0), 0);
  if (names.length === 0)
    return (
      <Empty title="No performance yet.">
        Send ground truth with <code>POST /api/v1/feedback</code> (the prediction id is the{' '}
        <code>x-mloop-prediction-id</code> header of each answer); classifiers also get a CBPE estimate before
        labels arrive.
      </Empty>
    );
  const chosen = names.includes(metric) ? metric : names.includes('accuracy') ? 'accuracy' : names[0]!;
  const value = (m: Record<string, number | null> | null | undefined) => {
    const v = m?.[chosen];
    return typeof v === 'number' ? v : null;
  };
  const realized = windows.map((w) => ({ x: w.start, y: value(w.performance?.metrics) }));
  const estimated = windows.map((w) => ({ x: w.start, y: value(w.performance?.estimated) }));
  return (
    <>
      <div className="toolbar">
        <label>
          Metric{' '}
          <select aria-label="Performance metric" value={chosen} onChange={(e) => onMetric(e.target.value)}>
            {names.map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
        <span className="muted small">{labeled.toLocaleString()} labeled rows in the range</span>
      </div>
      <TimeChart
        label={`${chosen} over time`}
        width={560}
        series={[
          ...(realized.some((p) => p.y !== null)
            ? [{ name: `${chosen} (realized)`, color: COLORS[0]!, points: realized }]
            : []),
          ...(estimated.some((p) => p.y !== null)
            ? [{ name: `${chosen} (estimated, CBPE)`, color: COLORS[1]!, dashed: true, points: estimated }]
            : []),
        ]}
        bars={{
          name: 'labeled rows',
          points: windows.map((w) => ({ x: w.start, y: w.performance?.labeledRows ?? 0 })),
        }}
      />
    </>
  );
}

/** Fairness differences per window over the labeled rows, grouped by the configured sensitive column. */
export function BiasPanel({ windows, config }: { windows: MonitorWindow[]; config: MonitorConfig }) {
  const withBias = windows.filter((w) => w.performance?.bias);
  if (withBias.length === 0)
    return (
      <Empty title="No bias measured.">
        {config.sensitiveColumn ? (
          <>
            Bias by <code>{config.sensitiveColumn}</code> is measured once labels arrive for the windows.
          </>
        ) : (
          <>
            Set a sensitive column: <code>mloop monitor config set DEPLOYMENT --sensitive-column COLUMN</code>{' '}
            (or <code>sensitiveColumn</code> in <code>PATCH /api/v1/deployments/NAME/monitoring</code>).
          </>
        )}
      </Empty>
    );
  const metric = (w: MonitorWindow, m: string) => {
    const v = w.performance?.bias?.[m];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  return (
    <>
      <p className="muted small">
        Grouped by <code>{withBias[0]!.performance!.bias!.column}</code>; 0 means every group is treated
        alike.
      </p>
      <TimeChart
        label="Bias over time"
        width={560}
        yRange={[0, 1]}
        series={BIAS_METRICS.map((m, i) => ({
          name: m.replace(/_/g, ' '),
          color: COLORS[i + 2] ?? COLORS[0]!,
          points: windows.map((w) => ({ x: w.start, y: metric(w, m) })),
        }))}
      />
    </>
  );
}

/** Requests per window (bars) and their latency; failed requests are counted in the window's tooltip. */
export function TrafficPanel({ windows }: { windows: MonitorWindow[] }) {
  const errors = windows.reduce((n, w) => n + w.errors, 0);
  const requests = windows.reduce((n, w) => n + w.requests, 0);
  return (
    <>
      <p className="muted small">
        {requests.toLocaleString()} requests answered, {errors.toLocaleString()} failed in the range.
      </p>
      <TimeChart
        label="Latency and requests over time"
        series={[
          {
            name: 'p99 latency (ms)',
            color: COLORS[0]!,
            points: windows.map((w) => ({ x: w.start, y: w.latencyMs?.p99 ?? null })),
          },
          {
            name: 'mean latency (ms)',
            color: COLORS[1]!,
            dashed: true,
            points: windows.map((w) => ({ x: w.start, y: w.latencyMs?.mean ?? null })),
          },
        ]}
        bars={{ name: 'requests', points: windows.map((w) => ({ x: w.start, y: w.requests })) }}
      />
    </>
  );
}

export function AlertsTable({ alerts }: { alerts: MonitorAlert[] }) {
  if (alerts.length === 0)
    return (
      <Empty title="No alerts in this range.">
        Rules are set with <code>mloop monitor config set DEPLOYMENT --alerts '[…]'</code>.
      </Empty>
    );
  return (
    <table className="grid-table" aria-label="Alerts">
      <thead>
        <tr>
          <th>Raised</th>
          <th>Rule</th>
          <th>Kind</th>
          <th>Window</th>
          <th className="num">Value</th>
          <th className="num">Bound</th>
          <th>Message</th>
        </tr>
      </thead>
      <tbody>
        {alerts.map((a) => (
          <tr key={a.id} data-alert={a.rule}>
            <td>{formatTime(a.createdAt)}</td>
            <td>{a.rule}</td>
            <td>
              <span className="chip">{a.kind}</span>
            </td>
            <td>{formatTime(a.windowStart).slice(11)}</td>
            <td className="num">{a.value === null ? '—' : formatNumber(a.value)}</td>
            <td className="num">{a.bound === null ? '—' : formatNumber(a.bound)}</td>
            <td className="small">{a.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The continuous-training loop's decisions for the deployment's model, newest first. */
export function LoopTimeline({ model }: { model: string }) {
  const state = useAsync(`loop-events:${model}`, async (signal) => {
    try {
      return await loopEvents(model, signal);
    } catch (err) {
      // No loop policy for the model is a normal state, not an error of this view.
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  });
  return (
    <AsyncView state={state} label="Loading loop events…">
      {(events) =>
        events === null ? (
          <Empty title={`No loop policy for ${model}.`}>
            Apply one with <code>mloop loop apply</code> (the <code>loop:</code> key of mloop.yaml).
          </Empty>
        ) : events.length === 0 ? (
          <Empty title="The loop has not run yet." />
        ) : (
          <ol className="timeline" aria-label="Loop events">
            {[...events].reverse().map((e: LoopEvent) => (
              <li key={`${e.runId}:${e.seq}`} data-kind={e.kind} className={`timeline-item kind-${e.kind}`}>
                <time className="small muted">{formatTime(e.timestamp)}</time>
                <strong>{e.kind.replace(/_/g, ' ')}</strong>
                <span className="chip">{e.state.replace(/_/g, ' ')}</span>
                <span className="small">{e.message}</span>
                <span className="small muted">
                  run <code>{e.runId.slice(0, 8)}</code> · {e.actor}
                </span>
              </li>
            ))}
          </ol>
        )
      }
    </AsyncView>
  );
}

/** One feature in one window against the reference: both profiles' histograms (or value shares). */
export function DistributionPanel({
  deployment,
  window: w,
  feature,
}: {
  deployment: string;
  window: MonitorWindow;
  feature: string;
}) {
  const state = useAsync(
    `distribution:${deployment}:${w.start}:${w.modelVersion}:${feature}:${w.reference?.dataset}`,
    async (signal) => {
      const [withProfiles] = await monitorWindows(
        deployment,
        { from: w.start, to: w.start + 1, modelVersion: w.modelVersion, profiles: true },
        signal,
      ).then((items) => items.filter((x) => !x.shadow));
      const ref = w.reference?.dataset;
      const at = ref?.lastIndexOf('@') ?? -1;
      const reference = ref ? await datasetVersion(ref.slice(0, at), ref.slice(at + 1), signal) : undefined;
      return {
        current: withProfiles?.inputs?.columns.find((c) => c.name === feature),
        reference: reference?.profile?.columns.find((c) => c.name === feature),
      };
    },
  );
  const c = w.drift?.columns[feature];
  const skipped = w.drift?.skipped.find((s) => s.column === feature);
  return (
    <div data-distribution={feature}>
      <h3>
        {feature} · window {formatTime(w.start)} · v{w.modelVersion}
      </h3>
      <p className="small">
        {c ? (
          <>
            <strong className={c.drifted ? 'text-danger' : 'text-ok'}>
              {c.drifted ? 'Drift' : 'No drift'}
            </strong>
            : {c.method} {['ks', 'chisquare', 'z'].includes(c.method) ? 'p-value' : 'distance'}{' '}
            {formatNumber(c.score)} against a threshold of {formatNumber(c.threshold)} (statistic{' '}
            {formatNumber(c.statistic)}).
          </>
        ) : (
          <>Not tested{skipped ? `: ${skipped.reason}` : ''}.</>
        )}{' '}
        Reference:{' '}
        {w.reference ? (
          <Link
            href={`/data/${encodeURIComponent(w.reference.dataset.slice(0, w.reference.dataset.lastIndexOf('@')))}?v=${w.reference.dataset.slice(w.reference.dataset.lastIndexOf('@') + 1)}`}
          >
            {w.reference.dataset}
          </Link>
        ) : (
          'none found'
        )}
        {w.reference ? ` (${w.reference.source})` : ''}.
      </p>
      <AsyncView state={state} label="Loading the distributions…">
        {(d) => <DistributionCompare column={feature} reference={d.reference} current={d.current} />}
      </AsyncView>
    </div>
  );
}

import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { listDeployments, monitorAlerts, monitorConfig, monitorWindows } from '../api/client';
import type { Deployment, MonitorAlert, MonitorConfig, MonitorWindow } from '../api/types';
import { DriftHeatmap } from '../components/drift-heatmap';
import {
  AlertsTable,
  BiasPanel,
  DistributionPanel,
  LoopTimeline,
  PerformancePanel,
  TrafficPanel,
} from '../components/monitor-panels';
import { AsyncView, Empty } from '../components/status';
import { formatDuration, formatTime } from '../lib/format';
import { useQueryParam, useSetQueryParams } from '../lib/url-state';
import { useAsync } from '../lib/use-async';

const RANGES: Record<string, number> = {
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
};

/**
 * Live monitoring of one deployment (`?d=`) and model version (`?v=`) over a range (`?range=`): drift per feature
 * and window, the distributions behind a cell (`?f=&w=`), performance, bias, traffic, alerts and the loop's events.
 */
export function MonitoringPage() {
  const deployments = useAsync('deployments', (signal) => listDeployments(signal));
  const [d] = useQueryParam('d');
  const setParams = useSetQueryParams();
  return (
    <main className="main page">
      <AsyncView state={deployments} label="Loading deployments…">
        {(items) =>
          items.length === 0 ? (
            <>
              <header className="page-head">
                <h1>Monitoring</h1>
              </header>
              <Empty title="No deployments to monitor.">
                Deploy a model (<code>mloop deploy create NAME --model models:/NAME@champion</code>); every
                prediction it answers is monitored.
              </Empty>
            </>
          ) : (
            <DeploymentMonitor
              key={d || items[0]!.name}
              deployments={items}
              deployment={items.find((x) => x.name === d) ?? items[0]!}
              missing={d && !items.some((x) => x.name === d) ? d : undefined}
              onDeployment={(name) => setParams({ d: name, v: '', f: '', w: '' })}
            />
          )
        }
      </AsyncView>
    </main>
  );
}

interface Loaded {
  config: MonitorConfig;
  windows: MonitorWindow[];
  alerts: MonitorAlert[];
  from: number;
  to: number;
}

function DeploymentMonitor({
  deployments,
  deployment,
  missing,
  onDeployment,
}: {
  deployments: Deployment[];
  deployment: Deployment;
  missing: string | undefined;
  onDeployment(name: string): void;
}) {
  const [range, setRange] = useQueryParam('range', '24h');
  const [v] = useQueryParam('v');
  const [f] = useQueryParam('f');
  const [w] = useQueryParam('w');
  const setParams = useSetQueryParams();
  const [metric, setMetric] = useQueryParam('m');
  // Refreshing asks for the range again up to now; the URL keeps the range, not the instant.
  const [refreshed, setRefreshed] = useState(0);
  const span = RANGES[range] ?? RANGES['24h']!;
  const name = deployment.name;
  const state = useAsync(`monitor:${name}:${span}:${refreshed}`, async (signal): Promise<Loaded> => {
    const to = Date.now() + 1;
    const from = to - span;
    const [config, windows, alerts] = await Promise.all([
      monitorConfig(name, signal),
      monitorWindows(name, { from, to }, signal),
      monitorAlerts(name, { from, to }, signal),
    ]);
    return { config, windows, alerts, from, to };
  });
  useEffect(() => {
    const t = setInterval(() => setRefreshed((n) => n + 1), 60_000);
    return () => clearInterval(t);
  }, []);
  // A refresh keeps the page on screen (no spinner, no jump) until the new answer replaces it.
  const [last, setLast] = useState<{ span: number; data: Loaded }>();
  const loaded = state.status === 'ok' ? state.data : undefined;
  useEffect(() => {
    if (loaded) setLast({ span, data: loaded });
  }, [loaded, span]);
  const current =
    state.status === 'loading' && last?.span === span
      ? { status: 'ok' as const, data: last.data, reload: state.reload }
      : state;
  return (
    <>
      <header className="page-head">
        <h1>Monitoring</h1>
        <div className="toolbar">
          <label>
            Deployment{' '}
            <select aria-label="Deployment" value={name} onChange={(e) => onDeployment(e.target.value)}>
              {deployments.map((x) => (
                <option key={x.name}>{x.name}</option>
              ))}
            </select>
          </label>
          <label>
            Range{' '}
            <select
              aria-label="Range"
              value={range in RANGES ? range : '24h'}
              onChange={(e) => setRange(e.target.value)}
            >
              {Object.keys(RANGES).map((r) => (
                <option key={r} value={r}>
                  last {r}
                </option>
              ))}
            </select>
          </label>
          <button type="button" onClick={() => setRefreshed((n) => n + 1)}>
            Refresh
          </button>
        </div>
      </header>
      {missing ? (
        <p className="notice" role="note">
          No deployment {missing}; showing {name}.
        </p>
      ) : null}
      <AsyncView state={current} label="Loading monitoring windows…">
        {(data) => {
          const served = data.windows.filter((x) => !x.shadow);
          const versions = [...new Set(served.map((x) => x.modelVersion))].sort(
            (a, b) => Number(b) - Number(a),
          );
          const newest = served.at(-1)?.modelVersion;
          const version = versions.includes(v) ? v : newest;
          const shown = served.filter((x) => x.modelVersion === version).sort((a, b) => a.start - b.start);
          const cell = shown.find((x) => String(x.start) === w);
          return (
            <>
              <div className="toolbar">
                <span className="muted small">
                  Serves{' '}
                  <Link href={`/models/${encodeURIComponent(deployment.model)}`}>{deployment.model}</Link> ·
                  windows of {formatDuration(data.config.windowMs)} · {formatTime(data.from)} –{' '}
                  {formatTime(data.to)}
                </span>
                {versions.length > 0 ? (
                  <label>
                    Model version{' '}
                    <select
                      aria-label="Model version"
                      value={version}
                      onChange={(e) => setParams({ v: e.target.value, f: '', w: '' })}
                    >
                      {versions.map((x) => (
                        <option key={x} value={x}>
                          v{x}
                        </option>
                      ))}
                    </select>
                  </label>
                ) : null}
              </div>
              {shown.length === 0 ? (
                <Empty title="No traffic in this range.">
                  Windows exist only where {name} answered requests; try a longer range.
                </Empty>
              ) : (
                <Monitored
                  deployment={name}
                  windows={shown}
                  config={data.config}
                  cell={cell && f ? { window: cell, feature: f } : undefined}
                  onCell={(feature, start) => setParams({ f: feature, w: String(start) })}
                  metric={metric}
                  onMetric={setMetric}
                />
              )}
              <section className="card flush">
                <h2>Alerts</h2>
                <AlertsTable alerts={data.alerts} />
              </section>
            </>
          );
        }}
      </AsyncView>
      <section className="card">
        <h2>
          Loop events <span className="muted small">for {deployment.model}</span>
        </h2>
        <LoopTimeline model={deployment.model} />
      </section>
    </>
  );
}

function Monitored({
  deployment,
  windows,
  config,
  cell,
  onCell,
  metric,
  onMetric,
}: {
  deployment: string;
  windows: MonitorWindow[];
  config: MonitorConfig;
  cell: { window: MonitorWindow; feature: string } | undefined;
  onCell(feature: string, start: number): void;
  metric: string;
  onMetric(m: string): void;
}) {
  const compared = windows.filter((x) => x.drift);
  const reference = windows.find((x) => x.reference)?.reference;
  return (
    <>
      <section className="card" aria-label="Drift">
        <h2>
          Drift per feature{' '}
          <span className="muted small">
            {compared.length} of {windows.length} windows compared
            {reference ? ` with ${reference.dataset} (${reference.source})` : ''}
          </span>
        </h2>
        {compared.length === 0 ? (
          <Empty title="No window could be compared.">
            Drift needs a reference: the dataset version the model was trained on (through its run's inputs)
            or <code>referenceDataset</code> in the monitoring configuration.
          </Empty>
        ) : (
          <DriftHeatmap
            windows={windows}
            selected={cell ? { feature: cell.feature, window: cell.window.start } : undefined}
            onSelect={(s) => onCell(s.feature, s.window)}
          />
        )}
        {cell ? (
          <DistributionPanel deployment={deployment} window={cell.window} feature={cell.feature} />
        ) : compared.length ? (
          <p className="muted small">
            Click a cell to compare that feature's distribution with the reference.
          </p>
        ) : null}
      </section>
      <div className="columns">
        <section className="card column" aria-label="Performance">
          <h2>Performance over time</h2>
          <PerformancePanel windows={windows} metric={metric} onMetric={onMetric} />
        </section>
        <section className="card column" aria-label="Bias">
          <h2>Bias over time</h2>
          <BiasPanel windows={windows} config={config} />
        </section>
      </div>
      <section className="card" aria-label="Traffic">
        <h2>Traffic</h2>
        <TrafficPanel windows={windows} />
      </section>
    </>
  );
}

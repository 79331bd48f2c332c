import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { deploymentEvents, getDeployment, prometheusText } from '../api/client';
import type { Deployment } from '../api/types';
import { KeyValueTable } from '../components/key-value-table';
import { AsyncView, Empty } from '../components/status';
import { formatNumber, formatTime, routesText } from '../lib/format';
import { deploymentTraffic, parsePrometheus, type Sample, type VersionTraffic } from '../lib/prometheus';
import { useAsync } from '../lib/use-async';

const SCRAPE_MS = 5000;

/** One deployment: routes with the version each resolves to, live traffic per version, and every routing change. */
export function DeploymentPage({ name }: { name: string }) {
  const deployment = useAsync(`deployment:${name}`, (signal) => getDeployment(name, signal));
  const events = useAsync(`deployment-events:${name}`, (signal) => deploymentEvents(name, signal));
  return (
    <main className="main page">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link href="/deployments">Deployments</Link> /
      </nav>
      <AsyncView state={deployment} label="Loading deployment…">
        {(d) => <DeploymentDetail d={d} />}
      </AsyncView>
      <section className="card flush">
        <h2>History</h2>
        <AsyncView state={events} label="Loading history…">
          {(items) => (
            <table className="grid-table" aria-label="Deployment history">
              <thead>
                <tr>
                  <th>#</th>
                  <th>When</th>
                  <th>Change</th>
                  <th>Routes</th>
                  <th>By</th>
                </tr>
              </thead>
              <tbody>
                {[...items]
                  .sort((a, b) => b.seq - a.seq)
                  .map((e) => (
                    <tr key={e.seq}>
                      <td>{e.seq}</td>
                      <td>{formatTime(e.timestamp)}</td>
                      <td>
                        {e.kind}
                        {e.previousSeq !== undefined && e.kind === 'rollback' ? ` to #${e.previousSeq}` : ''}
                      </td>
                      <td>
                        <code>{routesText(e.routes, e.shadows)}</code>
                      </td>
                      <td>{e.actor}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          )}
        </AsyncView>
      </section>
    </main>
  );
}

function DeploymentDetail({ d }: { d: Deployment }) {
  const served = new Map(d.status.routes.filter((r) => !r.shadow).map((r) => [r.model, r]));
  return (
    <>
      <header className="page-head">
        <div>
          <h1>
            {d.name} <span className={`pill pill-${d.status.state}`}>{d.status.state.replace('_', ' ')}</span>
          </h1>
          <span className="muted small">
            Serves <Link href={`/models/${encodeURIComponent(d.model)}`}>{d.model}</Link> at{' '}
            <code>POST /v2/models/{d.name}/infer</code> · revision {d.revision}
          </span>
        </div>
      </header>
      <div className="columns">
        <section className="card flush">
          <h2>Routes</h2>
          <table className="grid-table" aria-label="Routes">
            <thead>
              <tr>
                <th>Model</th>
                <th>Traffic</th>
                <th>Version</th>
                <th>State</th>
              </tr>
            </thead>
            <tbody>
              {d.routes.map((r) => {
                const s = served.get(r.model);
                return (
                  <tr key={r.model} data-route={r.model}>
                    <td>
                      <code>{r.model}</code>
                    </td>
                    <td>
                      <span className="weight-bar" aria-hidden="true">
                        <span style={{ width: `${r.weight}%` }} />
                      </span>{' '}
                      {r.weight}%
                    </td>
                    <td>
                      {s?.version ? (
                        <Link href={`/models/${encodeURIComponent(d.model)}/versions/${s.version}`}>
                          v{s.version}
                        </Link>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td title={s?.message}>{s?.state ?? 'not served'}</td>
                  </tr>
                );
              })}
              {d.shadows.map((r) => (
                <tr key={`shadow:${r.model}`}>
                  <td>
                    <code>{r.model}</code> <span className="chip">shadow</span>
                  </td>
                  <td>{r.percent}% mirrored</td>
                  <td>{d.status.routes.find((s) => s.shadow && s.model === r.model)?.version ?? '—'}</td>
                  <td>
                    {d.status.routes.find((s) => s.shadow && s.model === r.model)?.state ?? 'not served'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section className="card">
          <h2>Batching</h2>
          <KeyValueTable
            label="Batching"
            rows={[
              ['Max batch size', String(d.batching.maxBatchSize)],
              ['Max queue delay', `${d.batching.maxQueueDelayMs} ms`],
              ['Queue size', String(d.batching.maxQueueSize)],
              ['Timeout', `${d.batching.timeoutMs} ms`],
              ['Sticky header', d.stickyHeader ?? '—'],
            ]}
          />
        </section>
      </div>
      <LiveTraffic name={d.name} />
    </>
  );
}

/** Scrapes `/metrics` every few seconds and shows each version's request rate, errors and latency since the last scrape. */
function LiveTraffic({ name }: { name: string }) {
  const [rows, setRows] = useState<VersionTraffic[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    const controller = new AbortController();
    let prev: { at: number; samples: Sample[] } | undefined;
    const scrape = async () => {
      try {
        const samples = parsePrometheus(await prometheusText(controller.signal));
        const at = performance.now();
        setRows(deploymentTraffic(prev?.samples ?? [], samples, name, prev ? (at - prev.at) / 1000 : 0));
        setError(undefined);
        prev = { at, samples };
      } catch (err) {
        if (!controller.signal.aborted) setError((err as Error).message);
      }
    };
    void scrape();
    const timer = setInterval(scrape, SCRAPE_MS);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, [name]);
  return (
    <section className="card flush" aria-label="Live traffic">
      <h2>Live traffic (every {SCRAPE_MS / 1000} s)</h2>
      {error ? <p className="pad muted">Could not read /metrics: {error}</p> : null}
      {rows === undefined ? null : rows.length === 0 ? (
        <Empty title="No requests answered since the server started." />
      ) : (
        <table className="grid-table" aria-label="Traffic by version">
          <thead>
            <tr>
              <th>Version</th>
              <th>Requests/s</th>
              <th>Errors/s</th>
              <th>Mean latency</th>
              <th>p99 latency</th>
              <th>Requests (total)</th>
              <th>Errors (total)</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.version} data-version={r.version}>
                <td>v{r.version}</td>
                <td>{r.requestsPerSecond.toFixed(1)}</td>
                <td>{r.errorsPerSecond.toFixed(1)}</td>
                <td>{r.meanMs === undefined ? '—' : `${r.meanMs.toFixed(2)} ms`}</td>
                <td>{r.p99Ms === undefined ? '—' : `≤ ${formatNumber(r.p99Ms)} ms`}</td>
                <td>{r.totalRequests.toLocaleString()}</td>
                <td>{r.totalErrors.toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

import { getJson } from '../api/http';
import { Loading } from '../components/status';
import { useAsync } from '../lib/use-async';

export type PlannedSection = 'pipelines' | 'monitoring';

const SECTIONS: Record<PlannedSection, { title: string; shows: string; paths: RegExp }> = {
  pipelines: {
    title: 'Pipelines',
    shows: "the pipeline DAG with each stage's status, cache hits, duration and logs",
    paths: /^\/pipelines?\b/,
  },
  monitoring: {
    title: 'Monitoring',
    shows:
      'drift per feature over time, reference-versus-current distributions, performance and bias over time, alerts and the loop’s event timeline',
    paths: /^\/(monitor|monitoring|alerts|drift)\b/,
  },
};

/**
 * A section of the loop this server does not offer yet. It says so plainly, checking the server's own API
 * description, and shows no made-up data.
 */
export function NotAvailablePage({ section }: { section: PlannedSection }) {
  const s = SECTIONS[section];
  const api = useAsync('openapi', (signal) =>
    getJson<{ paths?: Record<string, unknown> }>('/api/v1/openapi.json', {}, signal),
  );
  const served = api.status === 'ok' ? Object.keys(api.data.paths ?? {}).filter((p) => s.paths.test(p)) : [];
  return (
    <main className="main page">
      <header className="page-head">
        <h1>
          {s.title} <span className="pill pill-soon">not available yet</span>
        </h1>
      </header>
      <div className="card notice" data-unavailable={section}>
        <p>This view will show {s.shows}.</p>
        {api.status === 'loading' ? <Loading label="Checking the server's API…" /> : null}
        {api.status === 'ok' && served.length === 0 ? (
          <p>
            This server has no {s.title.toLowerCase()} API yet (its{' '}
            <a href="/api/v1/openapi.json">API description</a> lists none), so there is nothing to show.
            Nothing on this page is sample data.
          </p>
        ) : null}
        {served.length ? (
          <p>
            The server already answers{' '}
            {served.map((p) => (
              <code key={p}>/api/v1{p} </code>
            ))}{' '}
            but this version of the web UI does not draw it yet.
          </p>
        ) : null}
        {api.status === 'error' ? (
          <p className="muted">Could not read the server's API description: {api.error.message}</p>
        ) : null}
      </div>
    </main>
  );
}

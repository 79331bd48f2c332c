import { Link } from 'wouter';
import { listDeployments } from '../api/client';
import { AsyncView, Empty } from '../components/status';
import { formatAgo, routesText } from '../lib/format';
import { useAsync } from '../lib/use-async';

/** Deployments served by this server: state, routes and when they last changed. */
export function DeploymentsPage() {
  const state = useAsync('deployments', (signal) => listDeployments(signal));
  return (
    <main className="main page">
      <header className="page-head">
        <h1>Deployments</h1>
      </header>
      <AsyncView state={state} label="Loading deployments…">
        {(items) =>
          items.length === 0 ? (
            <Empty title="No deployments yet.">
              Create one with <code>mloop deploy create NAME --model models:/NAME@champion</code>.
            </Empty>
          ) : (
            <div className="card flush">
              <table className="grid-table" aria-label="Deployments">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Model</th>
                    <th>State</th>
                    <th>Routes</th>
                    <th>Revision</th>
                    <th>Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((d) => (
                    <tr key={d.name}>
                      <td>
                        <Link href={`/deployments/${encodeURIComponent(d.name)}`}>{d.name}</Link>
                      </td>
                      <td>
                        <Link href={`/models/${encodeURIComponent(d.model)}`}>{d.model}</Link>
                      </td>
                      <td>
                        <span className={`pill pill-${d.status.state}`}>
                          {d.status.state.replace('_', ' ')}
                        </span>
                      </td>
                      <td>
                        <code>{routesText(d.routes, d.shadows)}</code>
                      </td>
                      <td>{d.revision}</td>
                      <td>{formatAgo(d.lastUpdatedTimestamp)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </AsyncView>
    </main>
  );
}

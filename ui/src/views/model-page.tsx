import { Link } from 'wouter';
import { aliasHistory, getModel, quote, searchVersions } from '../api/client';
import { AliasTimeline } from '../components/alias-timeline';
import { KeyValueTable } from '../components/key-value-table';
import { AsyncView, Empty } from '../components/status';
import { formatAgo, formatTime } from '../lib/format';
import { useAsync } from '../lib/use-async';

/** A registered model: its aliases and where each pointed over time, and its versions. */
export function ModelPage({ name }: { name: string }) {
  const model = useAsync(`model:${name}`, (signal) => getModel(name, signal));
  const versions = useAsync(`model-versions:${name}`, (signal) =>
    searchVersions({ filter: `name = ${quote(name)}` }, signal),
  );
  const history = useAsync(`alias-history:${name}`, (signal) => aliasHistory(name, signal));
  const href = (v: string) => `/models/${encodeURIComponent(name)}/versions/${v}`;
  return (
    <main className="main page">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link href="/models">Models</Link> /
      </nav>
      <AsyncView state={model} label="Loading model…">
        {(m) => (
          <>
            <header className="page-head">
              <div>
                <h1>{m.name}</h1>
                <span className="muted small">
                  Created {formatTime(m.creation_timestamp)} · updated {formatAgo(m.last_updated_timestamp)}
                </span>
              </div>
            </header>
            {m.description ? <p className="description">{m.description}</p> : null}
            <div className="columns">
              <section className="card">
                <h2>Aliases</h2>
                {(m.aliases ?? []).length === 0 ? (
                  <p className="muted">
                    No aliases. Set one with{' '}
                    <code>client.set_registered_model_alias(name, "champion", 1)</code>.
                  </p>
                ) : (
                  <ul className="plain alias-list">
                    {(m.aliases ?? []).map((a) => (
                      <li key={a.alias}>
                        <span className="chip alias">@{a.alias}</span> →{' '}
                        <Link href={href(a.version)}>version {a.version}</Link>
                      </li>
                    ))}
                  </ul>
                )}
              </section>
              <section className="card">
                <h2>Tags</h2>
                <KeyValueTable
                  label="Model tags"
                  rows={(m.tags ?? []).map((t) => [t.key, t.value])}
                  empty="No tags."
                />
              </section>
            </div>
          </>
        )}
      </AsyncView>
      <section className="card">
        <h2>Alias history</h2>
        <AsyncView state={history} label="Loading alias history…">
          {(events) =>
            events.length === 0 ? (
              <p className="muted">No alias has been set on this model yet.</p>
            ) : (
              <>
                <AliasTimeline events={events} />
                <table className="grid-table" aria-label="Alias moves">
                  <thead>
                    <tr>
                      <th>When</th>
                      <th>Alias</th>
                      <th>Move</th>
                      <th>By</th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...events].reverse().map((e) => (
                      <tr key={`${e.alias}:${e.seq}`}>
                        <td>{formatTime(e.timestamp)}</td>
                        <td>
                          <span className="chip alias">@{e.alias}</span>
                        </td>
                        <td>
                          {e.fromVersion ? (
                            <Link href={href(e.fromVersion)}>v{e.fromVersion}</Link>
                          ) : (
                            <span className="muted">(new)</span>
                          )}
                          {' → '}
                          {e.toVersion ? (
                            <Link href={href(e.toVersion)}>v{e.toVersion}</Link>
                          ) : (
                            <span className="muted">(deleted)</span>
                          )}
                        </td>
                        <td>{e.actor}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )
          }
        </AsyncView>
      </section>
      <section className="card flush">
        <h2 className="pad">Versions</h2>
        <AsyncView state={versions} label="Loading versions…">
          {(page) =>
            page.items.length === 0 ? (
              <Empty title="No versions yet." />
            ) : (
              <table className="grid-table" aria-label="Model versions">
                <thead>
                  <tr>
                    <th>Version</th>
                    <th>Aliases</th>
                    <th>Stage</th>
                    <th>Status</th>
                    <th>Source run</th>
                    <th>Created</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((v) => (
                    <tr key={v.version}>
                      <td>
                        <Link href={href(v.version)}>Version {v.version}</Link>
                      </td>
                      <td>
                        {(v.aliases ?? []).map((a) => (
                          <span key={a} className="chip alias">
                            @{a}
                          </span>
                        ))}
                      </td>
                      <td>{v.current_stage ?? 'None'}</td>
                      <td>{v.status ?? ''}</td>
                      <td>
                        {v.run_id ? (
                          <Link href={`/runs/${v.run_id}`} className="mono">
                            {v.run_id.slice(0, 12)}
                          </Link>
                        ) : (
                          '—'
                        )}
                      </td>
                      <td>{formatTime(v.creation_timestamp)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </AsyncView>
      </section>
    </main>
  );
}

import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { searchModels } from '../api/client';
import type { RegisteredModel } from '../api/types';
import { AsyncView, Empty } from '../components/status';
import { formatAgo } from '../lib/format';
import { useQueryParam } from '../lib/url-state';
import { useAsync } from '../lib/use-async';

/** Registered models, filtered by name on the server (`name ILIKE`), paged with page tokens. */
export function ModelsPage() {
  const [q, setQ] = useQueryParam('q');
  const [draft, setDraft] = useState(q);
  useEffect(() => setDraft(q), [q]);
  const [pages, setPages] = useState(1);
  useEffect(() => setPages(1), [q]);
  const filter = q ? `name ILIKE '%${q.replace(/'/g, "\\'")}%'` : undefined;
  const state = useAsync(`models:${q}:${pages}`, async (signal) => {
    const items: RegisteredModel[] = [];
    let token: string | undefined;
    for (let i = 0; i < pages; i++) {
      const page = await searchModels(
        { ...(filter ? { filter } : {}), ...(token ? { pageToken: token } : {}) },
        signal,
      );
      items.push(...page.items);
      token = page.nextPageToken;
      if (!token) break;
    }
    return { items, more: Boolean(token) };
  });
  return (
    <main className="main page">
      <header className="page-head">
        <h1>Registered models</h1>
      </header>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setQ(draft.trim());
        }}
      >
        <input
          type="search"
          className="grow"
          placeholder="Filter by name"
          aria-label="Filter models by name"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Search</button>
      </form>
      <AsyncView state={state} label="Loading models…">
        {({ items, more }) =>
          items.length === 0 ? (
            <Empty title={q ? `No model name contains “${q}”.` : 'No registered models yet.'}>
              {q ? null : (
                <>
                  Register one with <code>mlflow.register_model("runs:/&lt;run_id&gt;/model", "name")</code>.
                </>
              )}
            </Empty>
          ) : (
            <div className="card flush">
              <table className="grid-table" aria-label="Registered models">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Latest version</th>
                    <th>Aliases</th>
                    <th>Last modified</th>
                    <th>Description</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((m) => {
                    const latest = Math.max(0, ...(m.latest_versions ?? []).map((v) => Number(v.version)));
                    return (
                      <tr key={m.name}>
                        <td>
                          <Link href={`/models/${encodeURIComponent(m.name)}`}>{m.name}</Link>
                        </td>
                        <td>
                          {latest ? (
                            <Link href={`/models/${encodeURIComponent(m.name)}/versions/${latest}`}>
                              v{latest}
                            </Link>
                          ) : (
                            <span className="muted">—</span>
                          )}
                        </td>
                        <td>
                          {(m.aliases ?? []).map((a) => (
                            <span key={a.alias} className="chip alias">
                              @{a.alias} → v{a.version}
                            </span>
                          ))}
                        </td>
                        <td>{formatAgo(m.last_updated_timestamp ?? m.creation_timestamp)}</td>
                        <td className="muted clip">{m.description ?? ''}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              {more ? (
                <button type="button" className="load-more" onClick={() => setPages(pages + 1)}>
                  Load more models
                </button>
              ) : null}
            </div>
          )
        }
      </AsyncView>
    </main>
  );
}

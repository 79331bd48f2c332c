import { Link } from 'wouter';
import { getVersion, lineage } from '../api/client';
import { KeyValueTable } from '../components/key-value-table';
import { LineageGraph, nodeHref } from '../components/lineage-graph';
import { AsyncView } from '../components/status';
import { formatTime } from '../lib/format';
import { useQueryParam } from '../lib/url-state';
import { useAsync } from '../lib/use-async';

/** One model version: its details and its lineage graph (run, experiment, datasets, commit, logged model). */
export function VersionPage({ name, version }: { name: string; version: string }) {
  const mv = useAsync(`version:${name}/${version}`, (signal) => getVersion(name, version, signal));
  const graph = useAsync(`lineage:${name}/${version}`, (signal) => lineage(name, version, signal));
  const [node, setNode] = useQueryParam('node');
  const modelHref = `/models/${encodeURIComponent(name)}`;
  return (
    <main className="main page">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link href="/models">Models</Link> / <Link href={modelHref}>{name}</Link> /
      </nav>
      <AsyncView state={mv} label="Loading model version…">
        {(v) => (
          <>
            <header className="page-head">
              <div>
                <h1>
                  {v.name} <span className="muted">version {v.version}</span>{' '}
                  {(v.aliases ?? []).map((a) => (
                    <span key={a} className="chip alias">
                      @{a}
                    </span>
                  ))}
                </h1>
                {v.description ? <p className="description">{v.description}</p> : null}
              </div>
            </header>
            <section className="card">
              <h2>Details</h2>
              <KeyValueTable
                label="Version details"
                rows={[
                  ['Status', v.status ?? '—'],
                  ['Stage', v.current_stage ?? 'None'],
                  ['Created', formatTime(v.creation_timestamp)],
                  ['Source', <span className="mono">{v.source}</span>],
                  [
                    'Source run',
                    v.run_id ? (
                      <Link href={`/runs/${v.run_id}`} className="mono">
                        {v.run_id}
                      </Link>
                    ) : (
                      '—'
                    ),
                  ],
                  ...(v.model_id
                    ? ([['Logged model', <span className="mono">{v.model_id}</span>]] as [
                        string,
                        React.ReactNode,
                      ][])
                    : []),
                  ...(v.tags ?? []).map((t): [string, React.ReactNode] => [`tag: ${t.key}`, t.value]),
                ]}
              />
            </section>
          </>
        )}
      </AsyncView>
      <section className="card">
        <h2>Lineage</h2>
        <p className="muted small">Click a node for its details; double-click (or Enter) opens its page.</p>
        <AsyncView state={graph} label="Loading lineage…">
          {(g) => {
            const chosen = g.nodes.find((n) => n.id === node) ?? g.nodes.find((n) => n.id === g.root);
            const href = chosen ? nodeHref(chosen) : undefined;
            return (
              <div className="lineage-layout">
                <LineageGraph graph={g} selected={chosen?.id} onSelect={setNode} />
                {chosen ? (
                  <aside className="node-details" aria-label="Node details">
                    <h3>{chosen.label}</h3>
                    <p className="muted small">{chosen.kind.replace('_', ' ')}</p>
                    <KeyValueTable
                      label="Node attributes"
                      rows={Object.entries(chosen.attributes).map(([k, val]) => [
                        k,
                        <span className="mono">{val}</span>,
                      ])}
                      empty="No attributes."
                    />
                    {href ? <Link href={href}>Open {chosen.kind.replace('_', ' ')} →</Link> : null}
                  </aside>
                ) : null}
              </div>
            );
          }}
        </AsyncView>
      </section>
    </main>
  );
}

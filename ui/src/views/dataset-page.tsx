import { Link } from 'wouter';
import { datasetValidation, datasetVersion, datasetVersions } from '../api/client';
import type { ColumnProfileView, ColumnSchema, DatasetValidation, DatasetVersion } from '../api/types';
import { MiniBars } from '../components/histogram';
import { AsyncView, Empty } from '../components/status';
import { formatBytes, formatNumber, formatTime } from '../lib/format';
import { useQueryParam } from '../lib/url-state';
import { useAsync } from '../lib/use-async';

/** A dataset: its versions, and for the chosen one (`?v=`) the schema, the column profiles and the runs that read it. */
export function DatasetPage({ name }: { name: string }) {
  const [v, setV] = useQueryParam('v');
  const versions = useAsync(`dataset-versions:${name}`, (signal) => datasetVersions(name, signal));
  const chosen = v || 'latest';
  const version = useAsync(`dataset-version:${name}:${chosen}`, (signal) =>
    datasetVersion(name, chosen, signal),
  );
  return (
    <main className="main page">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link href="/data">Data</Link> /
      </nav>
      <header className="page-head">
        <h1>{name}</h1>
      </header>
      <section className="card flush">
        <h2>Versions</h2>
        <AsyncView state={versions} label="Loading versions…">
          {(items) => (
            <table className="grid-table" aria-label="Dataset versions">
              <thead>
                <tr>
                  <th>Version</th>
                  <th>Rows</th>
                  <th>Size</th>
                  <th>Files</th>
                  <th>Format</th>
                  <th>Content hash</th>
                  <th>Added</th>
                  <th>By</th>
                </tr>
              </thead>
              <tbody>
                {[...items]
                  .sort((a, b) => b.version - a.version)
                  .map((d) => {
                    const selected =
                      version.status === 'ok' ? version.data.version === d.version : String(d.version) === v;
                    return (
                      <tr key={d.version} className={selected ? 'selected' : undefined}>
                        <td>
                          <button type="button" className="link" onClick={() => setV(String(d.version))}>
                            v{d.version}
                          </button>
                        </td>
                        <td>{d.rows === null ? '—' : d.rows.toLocaleString()}</td>
                        <td>{formatBytes(d.size)}</td>
                        <td>{d.files}</td>
                        <td>{d.format ?? '—'}</td>
                        <td>
                          <code title={d.hash}>{d.hash.slice(0, 12)}</code>
                        </td>
                        <td>{formatTime(d.creationTime)}</td>
                        <td>{d.userId ?? '—'}</td>
                      </tr>
                    );
                  })}
              </tbody>
            </table>
          )}
        </AsyncView>
      </section>
      <AsyncView state={version} label="Loading the version…">
        {(d) => (
          <>
            <Validation name={name} version={d.version} />
            <VersionDetail d={d} />
          </>
        )}
      </AsyncView>
    </main>
  );
}

/** The version's profile against the previous version's schema: what changed that a pipeline should look at. */
function Validation({ name, version }: { name: string; version: number }) {
  const state = useAsync(`dataset-validation:${name}:${version}`, (signal) =>
    datasetValidation(name, String(version), signal),
  );
  return (
    <section className="card flush" aria-label="Validation">
      <AsyncView state={state} label="Validating…">
        {(v: DatasetValidation) => (
          <>
            <h2>
              Validation{v.against === null ? '' : ` of v${v.version} against the schema of v${v.against}`}
            </h2>
            {v.note ? (
              <p className="pad muted">{v.note}</p>
            ) : v.anomalies.length === 0 ? (
              <p className="pad" data-validation="clean">
                No anomalies: every column, type, missing share, category and range fits.
              </p>
            ) : (
              <table className="grid-table" aria-label="Anomalies">
                <thead>
                  <tr>
                    <th>Column</th>
                    <th>Rule</th>
                    <th>Count</th>
                    <th>Expected</th>
                    <th>Found</th>
                  </tr>
                </thead>
                <tbody>
                  {v.anomalies.map((a) => (
                    <tr key={`${a.column}:${a.rule}`} data-anomaly={a.rule} title={a.message}>
                      <td>{a.column}</td>
                      <td>{a.rule}</td>
                      <td title={a.approximate}>
                        {a.approximate ? '≈' : ''}
                        {formatNumber(a.count)}
                      </td>
                      <td>{a.expected}</td>
                      <td>{a.found}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
      </AsyncView>
    </section>
  );
}

function VersionDetail({ d }: { d: DatasetVersion }) {
  const schema = new Map((d.schema?.columns ?? []).map((c) => [c.name, c]));
  const columns = d.profile?.columns ?? [];
  return (
    <>
      <section className="card flush" data-version={d.version}>
        <h2>
          Version {d.version}: columns{d.profile ? ` (${d.profile.rows.toLocaleString()} rows profiled)` : ''}
        </h2>
        {columns.length === 0 ? (
          <p className="pad muted">
            {d.rows === null
              ? 'This content is not a table, so it has no schema or profile.'
              : 'No profile recorded.'}
          </p>
        ) : (
          <table className="grid-table" aria-label="Column profiles">
            <thead>
              <tr>
                <th>Column</th>
                <th>Type</th>
                <th>Schema</th>
                <th>Missing</th>
                <th>Distinct</th>
                <th>Summary</th>
                <th>Distribution</th>
              </tr>
            </thead>
            <tbody>
              {columns.map((c) => (
                <ColumnRow key={c.name} c={c} schema={schema.get(c.name)} />
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card">
        <h2>Runs that read this version</h2>
        {d.runs.length === 0 ? (
          <Empty title="No run recorded it as an input." />
        ) : (
          <ul className="plain">
            {d.runs.map((r) => (
              <li key={r.runId}>
                <Link href={`/runs/${r.runId}`}>{r.runId}</Link>
                {r.context ? <span className="chip">{r.context}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

function ColumnRow({ c, schema }: { c: ColumnProfileView; schema: ColumnSchema | undefined }) {
  const hist = c.summary.histogram;
  const missingRate = c.count ? c.missing / c.count : 0;
  return (
    <tr data-column={c.name}>
      <td>
        <strong>{c.name}</strong>
      </td>
      <td>{c.type}</td>
      <td className="small">
        {schema ? (
          <>
            {schema.type}
            {schema.nullable ? ', nullable' : ', required'}
            {schema.min !== undefined ? `, ≥ ${formatNumber(schema.min)}` : ''}
            {schema.max !== undefined ? `, ≤ ${formatNumber(schema.max)}` : ''}
            {schema.domain ? `, ${schema.domain.length} allowed values` : ''}
          </>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td>
        {c.missing.toLocaleString()} ({(missingRate * 100).toFixed(1)}%)
      </td>
      <td>{c.summary.distinct.toLocaleString()}</td>
      <td className="small">
        {c.numeric ? (
          <>
            mean {formatNumber(c.numeric.mean)} · sd {formatNumber(c.summary.stddev ?? undefined)}
            <br />
            min {formatNumber(c.numeric.min)} · max {formatNumber(c.numeric.max)}
          </>
        ) : (
          c.summary.topK
            .slice(0, 3)
            .map((t) => `${String(t.value)} (${t.count.toLocaleString()})`)
            .join(', ')
        )}
      </td>
      <td>
        {hist ? (
          <MiniBars
            counts={hist.counts}
            labels={hist.counts.map(
              (_, i) => `${formatNumber(hist.edges[i])} – ${formatNumber(hist.edges[i + 1])}`,
            )}
            title={`Histogram of ${c.name}`}
          />
        ) : c.summary.topK.length ? (
          <MiniBars
            counts={c.summary.topK.map((t) => t.count)}
            labels={c.summary.topK.map((t) => String(t.value))}
            title={`Most frequent values of ${c.name}`}
          />
        ) : null}
      </td>
    </tr>
  );
}

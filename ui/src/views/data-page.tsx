import { Link } from 'wouter';
import { listDatasets } from '../api/client';
import { AsyncView, Empty } from '../components/status';
import { formatAgo } from '../lib/format';
import { useAsync } from '../lib/use-async';

/** Versioned datasets: each name with its latest version. */
export function DataPage() {
  const state = useAsync('datasets', (signal) => listDatasets(signal));
  return (
    <main className="main page">
      <header className="page-head">
        <h1>Datasets</h1>
      </header>
      <AsyncView state={state} label="Loading datasets…">
        {(items) =>
          items.length === 0 ? (
            <Empty title="No datasets yet.">
              Version one with <code>mloop data add data/train.csv --name train</code>.
            </Empty>
          ) : (
            <div className="card flush">
              <table className="grid-table" aria-label="Datasets">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Latest version</th>
                    <th>Versions</th>
                    <th>Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((d) => (
                    <tr key={d.name}>
                      <td>
                        <Link href={`/data/${encodeURIComponent(d.name)}`}>{d.name}</Link>
                      </td>
                      <td>
                        <Link href={`/data/${encodeURIComponent(d.name)}?v=${d.latestVersion}`}>
                          v{d.latestVersion}
                        </Link>
                      </td>
                      <td>{d.versions}</td>
                      <td>{formatAgo(d.lastUpdateTime)}</td>
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

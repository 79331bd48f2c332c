import { Link } from 'wouter';
import { listPipelineRuns } from '../api/client';
import type { PipelineRunSummary } from '../api/types';
import { StageCounts } from '../components/stage-counts';
import { AsyncView, Empty } from '../components/status';
import { StatusPill } from '../components/status-pill';
import { formatAgo, formatDuration, formatTime } from '../lib/format';
import { useQueryParam } from '../lib/url-state';
import { useAsync } from '../lib/use-async';

const STATES = ['', 'RUNNING', 'FINISHED', 'FAILED', 'KILLED'] as const;

/** Pipeline runs `mloop repro` recorded, newest first; `?status=` filters by state. */
export function PipelinesPage() {
  const [status, setStatus] = useQueryParam('status');
  const state = useAsync(`pipeline-runs:${status}`, (signal) =>
    listPipelineRuns({ ...(status ? { status } : {}), maxResults: 200 }, signal),
  );
  return (
    <main className="main page">
      <header className="page-head">
        <h1>Pipelines</h1>
        <fieldset className="segmented" aria-label="Filter by state">
          {STATES.map((s) => (
            <button
              key={s || 'all'}
              type="button"
              className={status === s ? 'active' : undefined}
              aria-pressed={status === s}
              onClick={() => setStatus(s)}
            >
              {s ? s.charAt(0) + s.slice(1).toLowerCase() : 'All'}
            </button>
          ))}
        </fieldset>
      </header>
      <AsyncView state={state} label="Loading pipeline runs…">
        {(items) =>
          items.length === 0 ? (
            <Empty title={status ? `No ${status.toLowerCase()} pipeline runs.` : 'No pipeline runs yet.'}>
              Define stages in <code>mloop.yaml</code> and run <code>mloop repro --server URL</code>; every
              run that executes a stage is recorded here. A run where every stage was up to date records
              nothing.
            </Empty>
          ) : (
            <RunsTable items={items} />
          )
        }
      </AsyncView>
    </main>
  );
}

function RunsTable({ items }: { items: PipelineRunSummary[] }) {
  return (
    <div className="card flush">
      <table className="grid-table" aria-label="Pipeline runs">
        <thead>
          <tr>
            <th>Run</th>
            <th>Started</th>
            <th>Duration</th>
            <th>State</th>
            <th>Stages</th>
            <th>Commit</th>
            <th>By</th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.runId} data-run={r.runId}>
              <td>
                <Link href={`/pipelines/${r.runId}`}>
                  <code>{r.runId.slice(0, 12)}</code>
                </Link>
              </td>
              <td title={formatTime(r.startTime)}>{formatAgo(r.startTime)}</td>
              <td>{r.endTime ? formatDuration(r.endTime - r.startTime) : '—'}</td>
              <td>
                <StatusPill status={r.status} />
              </td>
              <td>
                <StageCounts counts={r.counts} />
              </td>
              <td>
                {r.gitCommit ? <code title={r.gitCommit}>{r.gitCommit.slice(0, 8)}</code> : '—'}
                {r.gitBranch ? <span className="muted small"> {r.gitBranch}</span> : null}
              </td>
              <td>{r.userId}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

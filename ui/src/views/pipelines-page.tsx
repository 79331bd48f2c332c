import { useEffect, useState } from 'react';
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
const PAGE_SIZE = 100;

/** Pipeline runs `mloop repro` recorded, newest first, a page at a time; `?status=` filters by state. */
export function PipelinesPage() {
  const [status, setStatus] = useQueryParam('status');
  const [pages, setPages] = useState(1);
  useEffect(() => setPages(1), [status]);
  const state = useAsync(`pipeline-runs:${status}:${pages}`, async (signal) => {
    const items: PipelineRunSummary[] = [];
    let token: string | undefined;
    for (let i = 0; i < pages; i++) {
      const page = await listPipelineRuns(
        { ...(status ? { status } : {}), maxResults: PAGE_SIZE, ...(token ? { pageToken: token } : {}) },
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
        {({ items, more }) =>
          items.length === 0 ? (
            <Empty title={status ? `No ${status.toLowerCase()} pipeline runs.` : 'No pipeline runs yet.'}>
              Define stages in <code>mloop.yaml</code> and run <code>mloop repro --server URL</code>; every
              run that executes a stage is recorded here. A run where every stage was up to date records
              nothing.
            </Empty>
          ) : (
            <RunsTable items={items} more={more} onMore={() => setPages(pages + 1)} />
          )
        }
      </AsyncView>
    </main>
  );
}

function RunsTable({
  items,
  more,
  onMore,
}: {
  items: PipelineRunSummary[];
  more: boolean;
  onMore: () => void;
}) {
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
      {more ? (
        <button type="button" className="load-more" onClick={onMore}>
          Load more pipeline runs
        </button>
      ) : null}
    </div>
  );
}

import type { ReactNode } from 'react';
import { Link } from 'wouter';
import { getPipelineRun } from '../api/client';
import type { PipelineRunDetail, PipelineStage } from '../api/types';
import { KeyValueTable } from '../components/key-value-table';
import { isCacheHit, PipelineDag, STAGE_STATUS_LABEL, tookTime } from '../components/pipeline-dag';
import { StageCounts } from '../components/stage-counts';
import { AsyncView, Empty } from '../components/status';
import { StatusPill } from '../components/status-pill';
import { formatDuration, formatNumber, formatTime } from '../lib/format';
import { useQueryParam } from '../lib/url-state';
import { useAsync } from '../lib/use-async';

/** One pipeline run: its DAG coloured by outcome, a table of the stages, and the chosen stage (`?stage=`). */
export function PipelineRunPage({ id }: { id: string }) {
  const state = useAsync(`pipeline-run:${id}`, (signal) => getPipelineRun(id, signal));
  return (
    <main className="main page">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link href="/pipelines">Pipelines</Link> /
      </nav>
      <AsyncView state={state} label="Loading pipeline run…">
        {(run) => <RunDetail run={run} />}
      </AsyncView>
    </main>
  );
}

function RunDetail({ run }: { run: PipelineRunDetail }) {
  const [stageParam, setStage] = useQueryParam('stage');
  const selected = run.stages.find((s) => s.name === stageParam);
  const executed = run.stages.filter((s) => s.attempts > 0);
  const hits = run.stages.filter((s) => isCacheHit(s.status)).length;
  return (
    <>
      <header className="page-head">
        <div>
          <h1>
            Pipeline run <code>{run.runId.slice(0, 12)}</code> <StatusPill status={run.status} />
          </h1>
          <span className="muted small">
            Started {formatTime(run.startTime)}
            {run.endTime ? ` · took ${formatDuration(run.endTime - run.startTime)}` : ''}
            {run.userId ? ` · by ${run.userId}` : ''}
            {run.gitCommit ? ` · commit ${run.gitCommit.slice(0, 8)}` : ''} ·{' '}
            <Link href={`/runs/${run.runId}`}>tracking run</Link>
          </span>
        </div>
        <StageCounts counts={run.counts} />
      </header>
      {!run.recorded ? (
        <p className="notice" role="note">
          This run ended without writing its record (it was killed, or a stage is still running): the stages
          below are rebuilt from their executions, so stages that did not execute are missing.
        </p>
      ) : null}
      <section className="card">
        <h2>
          Graph{' '}
          <span className="muted small">
            {run.stages.length} stages · {executed.length} executed · {hits} cache{' '}
            {hits === 1 ? 'hit' : 'hits'}
          </span>
        </h2>
        {run.stages.length === 0 ? (
          <Empty title="No stages recorded." />
        ) : (
          <PipelineDag stages={run.stages} selected={selected?.name} onSelect={setStage} />
        )}
      </section>
      <div className="columns">
        <section className="card flush column">
          <h2>Stages</h2>
          <StagesTable stages={run.stages} selected={selected?.name} onSelect={setStage} />
        </section>
        <section className="card column" aria-label="Stage details">
          {selected ? (
            <StageDetail stage={selected} />
          ) : (
            <Empty title="Choose a stage">
              Click a stage in the graph or the table for its log and runs.
            </Empty>
          )}
        </section>
      </div>
    </>
  );
}

function StagesTable({
  stages,
  selected,
  onSelect,
}: {
  stages: PipelineStage[];
  selected: string | undefined;
  onSelect(name: string): void;
}) {
  return (
    <table className="grid-table" aria-label="Pipeline stages">
      <thead>
        <tr>
          <th>Stage</th>
          <th>Status</th>
          <th>Cache</th>
          <th className="num">Duration</th>
          <th className="num">Attempts</th>
        </tr>
      </thead>
      <tbody>
        {stages.map((s) => (
          <tr key={s.name} data-stage={s.name} className={selected === s.name ? 'selected' : undefined}>
            <td>
              <button type="button" className="link" onClick={() => onSelect(s.name)}>
                {s.name}
              </button>
            </td>
            <td>
              <span className={`chip stage-chip status-${s.status}`}>{STAGE_STATUS_LABEL[s.status]}</span>
            </td>
            <td>{isCacheHit(s.status) ? 'hit' : s.attempts > 0 ? 'miss' : '—'}</td>
            <td className="num">{tookTime(s) ? formatDuration(s.durationMs) : '—'}</td>
            <td className="num">{s.attempts}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function StageDetail({ stage }: { stage: PipelineStage }) {
  const metrics = Object.entries(stage.metrics);
  const attributes: [string, ReactNode][] = [
    ['status', STAGE_STATUS_LABEL[stage.status]],
    ['duration', tookTime(stage) ? formatDuration(stage.durationMs) : '—'],
    ['upstream', stage.upstream.length ? stage.upstream.join(', ') : 'none'],
    ['command', <code key="cmd">{stage.cmd || '—'}</code>],
  ];
  if (stage.key) attributes.push(['cache key', <code key="key">{stage.key.slice(0, 16)}</code>]);
  if (stage.run)
    attributes.push([
      'outputs from run',
      <Link key="run" href={`/runs/${stage.run}`}>
        {stage.run}
      </Link>,
    ]);
  return (
    <div data-stage-detail={stage.name}>
      <h2>{stage.name}</h2>
      <KeyValueTable label="Stage attributes" rows={attributes} />
      {stage.error ? (
        <div className="state state-error" role="alert" aria-label="Stage error">
          <pre className="preview-text">{stage.error}</pre>
        </div>
      ) : null}
      {stage.attemptRuns.length > 0 ? (
        <>
          <h3>Executions</h3>
          <table className="grid-table" aria-label="Stage executions">
            <thead>
              <tr>
                <th>#</th>
                <th>Run</th>
                <th>Result</th>
                <th>Started</th>
                <th className="num">Took</th>
              </tr>
            </thead>
            <tbody>
              {stage.attemptRuns.map((a) => (
                <tr key={a.runId}>
                  <td>{a.attempt}</td>
                  <td>
                    <Link href={`/runs/${a.runId}`}>
                      <code>{a.runId.slice(0, 12)}</code>
                    </Link>
                  </td>
                  <td>{a.how ?? a.status.toLowerCase()}</td>
                  <td>{formatTime(a.startTime)}</td>
                  <td className="num">{a.endTime ? formatDuration(a.endTime - a.startTime) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      {metrics.length ? (
        <>
          <h3>Metrics</h3>
          <KeyValueTable label="Stage metrics" rows={metrics.map(([k, v]) => [k, formatNumber(v)])} />
        </>
      ) : null}
      {stage.outs.length ? (
        <>
          <h3>Outputs</h3>
          <KeyValueTable
            label="Stage outputs"
            rows={stage.outs.map((o) => [o.path, <code key={o.path}>{o.hash.slice(0, 12)}</code>])}
          />
        </>
      ) : null}
      <h3>Log</h3>
      {stage.log?.length ? (
        <pre className="preview-text stage-log" data-log={stage.name}>
          {stage.log.join('\n')}
        </pre>
      ) : (
        <p className="muted">
          {isCacheHit(stage.status)
            ? 'Not executed in this run: its outputs came from the cache.'
            : 'No log: the stage did not execute in this run.'}
        </p>
      )}
    </div>
  );
}

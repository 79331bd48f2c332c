import { useMemo } from 'react';
import { Link } from 'wouter';
import { getExperiment, getRun, quote, searchVersions, toNumber } from '../api/client';
import type { Run } from '../api/types';
import { ArtifactBrowser } from '../components/artifact-browser';
import { ChartOptions, useChartSettings } from '../components/chart-options';
import { ChartPanel } from '../components/chart-panel';
import { KeyValueTable } from '../components/key-value-table';
import { AsyncView, Empty } from '../components/status';
import { StatusPill } from '../components/status-pill';
import { Tabs } from '../components/tabs';
import { colorAt } from '../lib/colors';
import { formatDuration, formatNumber, formatTime } from '../lib/format';
import { useQueryParam } from '../lib/url-state';
import { useAsync } from '../lib/use-async';

const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'metrics', label: 'Metric charts' },
  { id: 'artifacts', label: 'Artifacts' },
] as const;
type Tab = (typeof TABS)[number]['id'];

export function RunPage({ runId }: { runId: string }) {
  const state = useAsync(`run:${runId}`, (signal) => getRun(runId, signal));
  // The experiment's name is only for the breadcrumb: fetched beside the charts, never before them.
  const experimentId = state.status === 'ok' ? state.data.info.experiment_id : undefined;
  const experiment = useAsync(`experiment-of:${experimentId}`, async (signal) =>
    experimentId === undefined ? undefined : getExperiment(experimentId, signal).catch(() => undefined),
  );
  const experimentName = experiment.status === 'ok' ? experiment.data?.name : undefined;
  const [tabParam, setTab] = useQueryParam('tab', 'overview', { push: true });
  const tab = (TABS.some((t) => t.id === tabParam) ? tabParam : 'overview') as Tab;
  return (
    <main className="main page">
      <AsyncView state={state} label="Loading run…">
        {(run) => (
          <>
            <nav className="crumbs" aria-label="Breadcrumb">
              <Link href="/experiments">Experiments</Link> /{' '}
              <Link href={`/experiments/${run.info.experiment_id}`}>
                {experimentName ?? `#${run.info.experiment_id}`}
              </Link>{' '}
              /
            </nav>
            <header className="page-head">
              <div>
                <h1>
                  {run.info.run_name ?? run.info.run_id} <StatusPill status={run.info.status} />
                </h1>
                <span className="muted small mono">{run.info.run_id}</span>
              </div>
            </header>
            <Tabs tabs={TABS} current={tab} onChange={setTab} />
            {tab === 'overview' ? <Overview run={run} experimentName={experimentName} /> : null}
            {tab === 'metrics' ? <RunCharts run={run} /> : null}
            {tab === 'artifacts' ? <ArtifactBrowser run={run} /> : null}
          </>
        )}
      </AsyncView>
    </main>
  );
}

function Overview({ run, experimentName }: { run: Run; experimentName: string | undefined }) {
  const tags = run.data.tags ?? [];
  const tag = (k: string) => tags.find((t) => t.key === k)?.value;
  const userTags = tags.filter((t) => !t.key.startsWith('mlflow.'));
  const systemTags = tags.filter((t) => t.key.startsWith('mlflow.'));
  const metrics = [...(run.data.metrics ?? [])].sort((a, b) => a.key.localeCompare(b.key));
  const versions = useAsync(`versions-of:${run.info.run_id}`, (signal) =>
    searchVersions({ filter: `run_id = ${quote(run.info.run_id)}` }, signal),
  );
  const about: [string, React.ReactNode][] = [
    [
      'Experiment',
      <Link href={`/experiments/${run.info.experiment_id}`}>{experimentName ?? run.info.experiment_id}</Link>,
    ],
    ['Status', run.info.status],
    ['Started', formatTime(run.info.start_time)],
    ['Ended', run.info.end_time ? formatTime(run.info.end_time) : '—'],
    ['Duration', run.info.end_time ? formatDuration(run.info.end_time - run.info.start_time) : '—'],
    ['User', run.info.user_id || '—'],
    ['Artifact URI', <span className="mono">{run.info.artifact_uri}</span>],
  ];
  const commit = tag('mlflow.source.git.commit');
  if (commit)
    about.push([
      'Git commit',
      <span className="mono">
        {commit}
        {tag('mloop.source.git.dirty') === 'true' ? ' (dirty)' : ''}
      </span>,
    ]);
  const source = tag('mlflow.source.name');
  if (source) about.push(['Source', <span className="mono">{source}</span>]);
  const inputs = run.inputs?.dataset_inputs ?? [];

  return (
    <div className="columns">
      <div className="column">
        <section className="card">
          <h2>About</h2>
          <KeyValueTable rows={about} label="About this run" />
        </section>
        <section className="card">
          <h2>Parameters ({(run.data.params ?? []).length})</h2>
          <KeyValueTable
            label="Parameters"
            rows={(run.data.params ?? []).map((p) => [p.key, <span className="mono">{p.value}</span>])}
            empty="No parameters logged."
          />
        </section>
        <section className="card">
          <h2>Tags ({userTags.length})</h2>
          <KeyValueTable label="Tags" rows={userTags.map((t) => [t.key, t.value])} empty="No tags." />
          {systemTags.length ? (
            <details>
              <summary className="muted small">{systemTags.length} system tags</summary>
              <KeyValueTable
                label="System tags"
                rows={systemTags.map((t) => [t.key, <span className="mono">{t.value}</span>])}
              />
            </details>
          ) : null}
        </section>
      </div>
      <div className="column">
        <section className="card">
          <h2>Metrics ({metrics.length})</h2>
          {metrics.length === 0 ? (
            <p className="muted">No metrics logged.</p>
          ) : (
            <table className="grid-table" aria-label="Metrics">
              <thead>
                <tr>
                  <th>Key</th>
                  <th className="num">Latest</th>
                  <th className="num">Step</th>
                </tr>
              </thead>
              <tbody>
                {metrics.map((m) => (
                  <tr key={m.key}>
                    <td>
                      <Link href={`/runs/${run.info.run_id}?tab=metrics&mf=${encodeURIComponent(m.key)}`}>
                        {m.key}
                      </Link>
                    </td>
                    <td className="num mono">{formatNumber(toNumber(m.value))}</td>
                    <td className="num mono">{m.step}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section className="card">
          <h2>Dataset inputs ({inputs.length})</h2>
          {inputs.length === 0 ? (
            <p className="muted">No datasets recorded.</p>
          ) : (
            <ul className="plain">
              {inputs.map((d) => (
                <li key={`${d.dataset.name}@${d.dataset.digest}`}>
                  <strong>{d.dataset.name}</strong> <span className="mono muted">@{d.dataset.digest}</span>{' '}
                  {d.tags?.find((t) => t.key === 'mlflow.data.context')?.value ? (
                    <span className="chip">{d.tags.find((t) => t.key === 'mlflow.data.context')!.value}</span>
                  ) : null}
                  <div className="muted small mono">
                    {d.dataset.source_type}: {d.dataset.source}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="card">
          <h2>Registered model versions</h2>
          <AsyncView state={versions}>
            {(page) =>
              page.items.length === 0 ? (
                <p className="muted">No model version was registered from this run.</p>
              ) : (
                <ul className="plain">
                  {page.items.map((v) => (
                    <li key={`${v.name}/${v.version}`}>
                      <Link href={`/models/${encodeURIComponent(v.name)}/versions/${v.version}`}>
                        {v.name} v{v.version}
                      </Link>{' '}
                      {(v.aliases ?? []).map((a) => (
                        <span key={a} className="chip alias">
                          @{a}
                        </span>
                      ))}
                    </li>
                  ))}
                </ul>
              )
            }
          </AsyncView>
        </section>
      </div>
    </div>
  );
}

function RunCharts({ run }: { run: Run }) {
  const [settings, update] = useChartSettings();
  const [find, setFind] = useQueryParam('mf');
  const runs = useMemo(
    () => [{ runId: run.info.run_id, label: run.info.run_name ?? run.info.run_id, color: colorAt(0) }],
    [run.info.run_id, run.info.run_name],
  );
  const keys = (run.data.metrics ?? []).map((m) => m.key).sort((a, b) => a.localeCompare(b));
  const shown = keys.filter((k) => k.toLowerCase().includes(find.toLowerCase()));
  if (keys.length === 0) return <Empty title="This run has no metrics." />;
  return (
    <>
      <ChartOptions settings={settings} onChange={update} />
      <div className="toolbar">
        <input
          type="search"
          placeholder="Filter metrics"
          aria-label="Filter metrics"
          value={find}
          onChange={(e) => setFind(e.target.value)}
        />
        <span className="muted small">
          {shown.length} of {keys.length} metrics
        </span>
      </div>
      {shown.length === 0 ? <Empty title={`No metric matches “${find}”.`} /> : null}
      <div className="chart-grid">
        {shown.map((k, i) => (
          <ChartPanel key={k} metricKey={k} runs={runs} settings={settings} eager={i < 4} />
        ))}
      </div>
    </>
  );
}

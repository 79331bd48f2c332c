import { useMemo } from 'react';
import { Link } from 'wouter';
import { getRun, toNumber } from '../api/client';
import type { Run } from '../api/types';
import { ChartOptions, useChartSettings } from '../components/chart-options';
import { ChartPanel } from '../components/chart-panel';
import { ParallelCoordinates, type PcRun } from '../components/parallel-coordinates';
import { AsyncView, Empty } from '../components/status';
import { Tabs } from '../components/tabs';
import { colorAt } from '../lib/colors';
import { formatNumber } from '../lib/format';
import { useQueryList, useQueryParam } from '../lib/url-state';
import { useAsync } from '../lib/use-async';

const TABS = [
  { id: 'charts', label: 'Overlaid curves' },
  { id: 'parallel', label: 'Parallel coordinates' },
  { id: 'diff', label: 'Param / metric diff' },
] as const;
type Tab = (typeof TABS)[number]['id'];
const MAX_RUNS = 100;

/** Several runs side by side; the run ids, the tab and every option are in the URL. */
export function ComparePage() {
  const [ids, setIds] = useQueryList('runs');
  const [tabParam, setTab] = useQueryParam('view', 'charts', { push: true });
  const tab = (TABS.some((t) => t.id === tabParam) ? tabParam : 'charts') as Tab;
  const wanted = ids.slice(0, MAX_RUNS);
  const state = useAsync(`compare:${wanted.join(',')}`, (signal) =>
    Promise.all(wanted.map((id) => getRun(id, signal))),
  );
  if (ids.length === 0)
    return (
      <main className="main page">
        <Empty title="No runs to compare.">
          Select runs with the checkboxes of an experiment's table, then press <b>Compare</b>.
        </Empty>
      </main>
    );
  return (
    <main className="main page">
      <header className="page-head">
        <h1>Compare {ids.length} runs</h1>
        {ids.length > MAX_RUNS ? <span className="muted">The first {MAX_RUNS} are shown.</span> : null}
      </header>
      <AsyncView state={state} label="Loading runs…">
        {(runs) => (
          <>
            <ul className="run-chips">
              {runs.map((r, i) => (
                <li key={r.info.run_id}>
                  <i style={{ background: colorAt(i) }} />
                  <Link href={`/runs/${r.info.run_id}`}>{r.info.run_name ?? r.info.run_id}</Link>
                  <button
                    type="button"
                    className="link"
                    aria-label={`Remove ${r.info.run_name ?? r.info.run_id}`}
                    onClick={() => setIds(ids.filter((id) => id !== r.info.run_id))}
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
            <Tabs tabs={TABS} current={tab} onChange={setTab} />
            {tab === 'charts' ? <CompareCharts runs={runs} /> : null}
            {tab === 'parallel' ? <CompareParallel runs={runs} /> : null}
            {tab === 'diff' ? <CompareDiff runs={runs} /> : null}
          </>
        )}
      </AsyncView>
    </main>
  );
}

const metricKeys = (runs: Run[]) =>
  [...new Set(runs.flatMap((r) => (r.data.metrics ?? []).map((m) => m.key)))].sort((a, b) =>
    a.localeCompare(b),
  );
const paramKeys = (runs: Run[]) =>
  [...new Set(runs.flatMap((r) => (r.data.params ?? []).map((p) => p.key)))].sort((a, b) =>
    a.localeCompare(b),
  );

function CompareCharts({ runs }: { runs: Run[] }) {
  const [settings, update] = useChartSettings();
  const [find, setFind] = useQueryParam('mf');
  const chartRuns = useMemo(
    () =>
      runs.map((r, i) => ({
        runId: r.info.run_id,
        label: r.info.run_name ?? r.info.run_id,
        color: colorAt(i),
      })),
    [runs],
  );
  const keys = metricKeys(runs).filter((k) => k.toLowerCase().includes(find.toLowerCase()));
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
      </div>
      {keys.length === 0 ? <Empty title="No metrics to chart." /> : null}
      <div className="chart-grid">
        {keys.map((k, i) => (
          <ChartPanel key={k} metricKey={k} runs={chartRuns} settings={settings} eager={i < 4} />
        ))}
      </div>
    </>
  );
}

function valuesOf(r: Run): Record<string, string | number | undefined> {
  const out: Record<string, string | number | undefined> = {};
  for (const p of r.data.params ?? []) out[`params.${p.key}`] = p.value;
  for (const m of r.data.metrics ?? []) out[`metrics.${m.key}`] = toNumber(m.value);
  return out;
}

function CompareParallel({ runs }: { runs: Run[] }) {
  const [axesParam, setAxes] = useQueryList('axes');
  const pcRuns: PcRun[] = runs.map((r, i) => ({
    id: r.info.run_id,
    label: r.info.run_name ?? r.info.run_id,
    color: colorAt(i),
    values: valuesOf(r),
  }));
  const all = [...paramKeys(runs).map((k) => `params.${k}`), ...metricKeys(runs).map((k) => `metrics.${k}`)];
  const varying = all.filter((k) => new Set(pcRuns.map((r) => String(r.values[k]))).size > 1);
  const axes = axesParam.length
    ? axesParam.filter((a) => all.includes(a))
    : [
        ...varying.filter((k) => k.startsWith('params.')).slice(0, 6),
        ...varying.filter((k) => k.startsWith('metrics.')).slice(0, 4),
      ];
  const toggle = (k: string) => setAxes(axes.includes(k) ? axes.filter((a) => a !== k) : [...axes, k]);
  return (
    <div className="card">
      {axes.length < 2 ? (
        <Empty title="Choose at least two axes.">
          Parameters and metrics that differ between the runs are chosen first.
        </Empty>
      ) : (
        <ParallelCoordinates runs={pcRuns} keys={axes} />
      )}
      <details className="axes-chooser">
        <summary>
          Axes ({axes.length} of {all.length})
        </summary>
        <div className="check-grid">
          {all.map((k) => (
            <label key={k} className="check-line">
              <input type="checkbox" checked={axes.includes(k)} onChange={() => toggle(k)} />
              <span>{k}</span>
            </label>
          ))}
        </div>
      </details>
    </div>
  );
}

function CompareDiff({ runs }: { runs: Run[] }) {
  const [all, setAll] = useQueryParam('all', '0');
  const values = runs.map(valuesOf);
  const section = (title: string, prefix: string, keys: string[]) => {
    const rows = keys
      .map((k) => ({ k, vals: values.map((v) => v[`${prefix}.${k}`]) }))
      .map((r) => ({ ...r, differs: new Set(r.vals.map((v) => String(v))).size > 1 }))
      .filter((r) => all === '1' || r.differs);
    return (
      <>
        <tr className="section-row">
          <th colSpan={runs.length + 1}>
            {title}{' '}
            <span className="muted small">
              ({rows.length} {all === '1' ? 'shown' : 'differ'})
            </span>
          </th>
        </tr>
        {rows.map((r) => (
          <tr key={`${prefix}.${r.k}`} className={r.differs ? 'differs' : ''}>
            <th scope="row">{r.k}</th>
            {r.vals.map((v, i) => (
              <td key={runs[i]!.info.run_id} className="mono">
                {v === undefined ? (
                  <span className="muted">—</span>
                ) : typeof v === 'number' ? (
                  formatNumber(v)
                ) : (
                  v
                )}
              </td>
            ))}
          </tr>
        ))}
      </>
    );
  };
  return (
    <div className="card">
      <label className="inline">
        <input type="checkbox" checked={all !== '1'} onChange={(e) => setAll(e.target.checked ? '0' : '1')} />
        Only rows that differ
      </label>
      <div className="diff-scroll">
        <table className="grid-table diff" aria-label="Differences">
          <thead>
            <tr>
              <th />
              {runs.map((r, i) => (
                <th key={r.info.run_id}>
                  <i className="swatch" style={{ background: colorAt(i) }} />
                  {r.info.run_name ?? r.info.run_id}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {section('Parameters', 'params', paramKeys(runs))}
            {section('Metrics', 'metrics', metricKeys(runs))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

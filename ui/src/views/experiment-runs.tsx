import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link } from 'wouter';
import { getExperiment } from '../api/client';
import { ColumnChooser } from '../components/column-chooser';
import { RunsTable, type Sort } from '../components/runs-table';
import { Empty, ErrorBox, Loading } from '../components/status';
import { plural } from '../lib/format';
import { ATTRIBUTE_COLUMNS, type Column, discoverKeys, dynamicColumn, type KeySets } from '../lib/run-rows';
import { useQueryList, useQueryParam } from '../lib/url-state';
import { useAsync } from '../lib/use-async';
import { useRunPages } from '../lib/use-run-pages';

const EXAMPLES = ['metrics.loss < 0.5', "params.optimizer = 'adam'", "attributes.status = 'FINISHED'"];

function parseSort(order: string): Sort | undefined {
  const m = /^(.*?)\s+(ASC|DESC)$/i.exec(order.trim());
  return m ? { field: m[1]!, ascending: m[2]!.toUpperCase() === 'ASC' } : undefined;
}

function defaultColumns(keys: KeySets): string[] {
  return [
    ...keys.metrics.slice(0, 4).map((k) => `metrics.${k}`),
    ...keys.params.slice(0, 4).map((k) => `params.${k}`),
  ];
}

/** The runs of one experiment: search, sort, columns and selection, all in the URL. */
export function ExperimentRuns({ id }: { id: string }) {
  const experiment = useAsync(`experiment:${id}`, (signal) => getExperiment(id, signal));
  const [filter, setFilter] = useQueryParam('filter');
  const [order, setOrder] = useQueryParam('order');
  const [cols, setCols] = useQueryParam('cols');
  const [selected, setSelected] = useQueryList('sel');
  const [draft, setDraft] = useState(filter);
  useEffect(() => setDraft(filter), [filter]);

  const sort = parseSort(order);
  const query = useMemo(
    () => ({
      experimentIds: [id],
      filter,
      orderBy: sort ? [`${sort.field} ${sort.ascending ? 'ASC' : 'DESC'}`] : [],
    }),
    [id, filter, sort?.field, sort?.ascending],
  );
  const pages = useRunPages(query);
  // Keys are rediscovered as pages arrive (a map lookup per column, not a scan of the runs).
  const keys = useMemo(() => discoverKeys(pages.runs), [pages.runs, pages.count]);
  const chosen = cols === 'none' ? [] : cols ? cols.split(',') : defaultColumns(keys);
  const columns = useMemo<Column[]>(
    () => [...ATTRIBUTE_COLUMNS, ...chosen.map(dynamicColumn).filter((c): c is Column => Boolean(c))],
    [chosen.join(',')],
  );
  const selectedSet = useMemo(() => new Set(selected), [selected.join(',')]);
  const toggle = useCallback(
    (runId: string) =>
      setSelected(selectedSet.has(runId) ? selected.filter((s) => s !== runId) : [...selected, runId]),
    [selected, selectedSet, setSelected],
  );

  const name = experiment.status === 'ok' ? experiment.data.name : `Experiment ${id}`;
  return (
    <div className="experiment-runs">
      <header className="page-head">
        <div>
          <h1>{name}</h1>
          <span className="muted small">
            Experiment #{id}
            {experiment.status === 'ok' ? ` · ${experiment.data.artifact_location}` : ''}
          </span>
        </div>
      </header>
      {experiment.status === 'error' ? <ErrorBox error={experiment.error} retry={experiment.reload} /> : null}
      <form
        className="toolbar search-bar"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(draft.trim());
        }}
      >
        <input
          type="search"
          className="grow mono"
          placeholder={`Search runs, e.g. ${EXAMPLES.join('  ·  ')}`}
          aria-label="Search runs"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Search</button>
        {filter ? (
          <button type="button" className="link" onClick={() => setFilter('')}>
            Clear
          </button>
        ) : null}
        <ColumnChooser
          keys={keys}
          chosen={chosen}
          onChange={(c) => setCols(c.length ? c.join(',') : 'none')}
        />
        {selected.length ? (
          <>
            <Link
              href={`/compare?runs=${selected.join(',')}`}
              className={`button primary${selected.length < 2 ? ' disabled' : ''}`}
              aria-disabled={selected.length < 2}
            >
              Compare {selected.length}
            </Link>
            <button type="button" className="link" onClick={() => setSelected([])}>
              Clear selection
            </button>
          </>
        ) : null}
      </form>
      <div className="table-status muted small" aria-live="polite">
        {pages.count
          ? `${plural(pages.count, 'run')} loaded${pages.hasMore ? ' · more load as you scroll' : ''}`
          : ''}
        {sort ? ` · sorted by ${sort.field} ${sort.ascending ? 'ascending' : 'descending'}` : ''}
        {order ? (
          <button type="button" className="link" onClick={() => setOrder('')}>
            Reset sort
          </button>
        ) : null}
      </div>
      {pages.error && pages.count === 0 ? (
        <ErrorBox error={pages.error} retry={pages.retry} title={filter ? 'The search failed' : undefined} />
      ) : pages.count === 0 && pages.loading ? (
        <Loading label="Loading runs…" />
      ) : pages.count === 0 ? (
        <Empty title={filter ? 'No runs match this search.' : 'No runs in this experiment yet.'}>
          {filter ? (
            <>Change the filter or clear it.</>
          ) : (
            <>
              Log one with the MLflow client: <code>MLFLOW_TRACKING_URI={location.origin}</code>, then{' '}
              <code>mlflow.start_run()</code>.
            </>
          )}
        </Empty>
      ) : (
        <>
          {pages.error ? (
            <ErrorBox error={pages.error} retry={pages.retry} title="Could not load more runs" />
          ) : null}
          <RunsTable
            runs={pages.runs}
            count={pages.count}
            columns={columns}
            hasMore={pages.hasMore && !pages.error}
            loading={pages.loading}
            onNeedMore={pages.loadMore}
            sort={sort}
            onSort={(s) => setOrder(`${s.field} ${s.ascending ? 'ASC' : 'DESC'}`)}
            selected={selectedSet}
            onToggle={toggle}
          />
        </>
      )}
    </div>
  );
}

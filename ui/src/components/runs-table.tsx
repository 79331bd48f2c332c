import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useRef } from 'react';
import { useLocation } from 'wouter';
import type { Column, RunColumns } from '../lib/run-rows';

const ROW_HEIGHT = 32;
const CHECK_WIDTH = 36;
/** Fetch the next page when the last rendered row is within a page (1,000 rows) of the end of what is loaded. */
const PREFETCH_ROWS = 1000;

export interface Sort {
  field: string;
  ascending: boolean;
}

interface Props {
  runs: RunColumns;
  /** How many of `runs` are loaded: a new count re-renders, as the store grows in place. */
  count: number;
  columns: Column[];
  hasMore: boolean;
  loading: boolean;
  onNeedMore(): void;
  sort: Sort | undefined;
  onSort(sort: Sort): void;
  selected: ReadonlySet<string>;
  onToggle(id: string): void;
}

/**
 * Runs as a virtualized grid: only the rows in view (plus a margin) are in the DOM, whatever the number loaded,
 * and the next page is requested before the scroll reaches the end of the loaded rows.
 */
export function RunsTable({
  runs,
  count: loaded,
  columns,
  hasMore,
  loading,
  onNeedMore,
  sort,
  onSort,
  selected,
  onToggle,
}: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const [, navigate] = useLocation();
  const count = loaded + (hasMore ? 1 : 0);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  const items = virtualizer.getVirtualItems();
  const last = items.length ? items[items.length - 1]!.index : 0;
  useEffect(() => {
    if (hasMore && !loading && last >= loaded - PREFETCH_ROWS) onNeedMore();
  }, [last, loaded, hasMore, loading, onNeedMore]);

  const width = CHECK_WIDTH + columns.reduce((w, c) => w + c.width, 0);
  const template = `${CHECK_WIDTH}px ${columns.map((c) => `${c.width}px`).join(' ')}`;

  return (
    <div ref={scroller} className="runs-scroller" data-loaded={loaded}>
      <table
        className="runs-table"
        aria-label="Runs"
        aria-rowcount={hasMore ? -1 : loaded + 1}
        style={{ width, ['--columns' as string]: template }}
      >
        <thead>
          <tr>
            <th className="cell check">
              <span className="sr-only">Select</span>
            </th>
            {columns.map((c, i) => {
              const active = sort && c.sortField === sort.field;
              return (
                <th
                  key={c.id}
                  className={`cell${c.numeric ? ' num' : ''}${i === 0 ? ' first' : ''}`}
                  aria-sort={active ? (sort.ascending ? 'ascending' : 'descending') : 'none'}
                  title={c.id.startsWith('attr.') ? c.label : c.id}
                >
                  {c.sortField ? (
                    <button
                      type="button"
                      className="sort"
                      onClick={() =>
                        onSort({ field: c.sortField!, ascending: active ? !sort.ascending : false })
                      }
                    >
                      <Kind id={c.id} />
                      {c.label}
                      <span className="sort-mark" aria-hidden="true">
                        {active ? (sort.ascending ? '▲' : '▼') : ''}
                      </span>
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) =>
            item.index < loaded ? (
              <Row
                key={runs.ids[item.index]}
                runs={runs}
                index={item.index}
                columns={columns}
                top={item.start}
                checked={selected.has(runs.ids[item.index]!)}
                onToggle={onToggle}
                navigate={navigate}
              />
            ) : (
              <tr
                key="more"
                className="run-row loading-row"
                style={{ transform: `translateY(${item.start}px)` }}
              >
                <td>Loading more runs…</td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}

const Row = memo(function Row({
  runs,
  index,
  columns,
  top,
  checked,
  onToggle,
  navigate,
}: {
  runs: RunColumns;
  index: number;
  columns: Column[];
  top: number;
  checked: boolean;
  onToggle(id: string): void;
  navigate(to: string): void;
}) {
  const id = runs.ids[index]!;
  const name = runs.names[index]!;
  const href = `/runs/${id}`;
  return (
    <tr
      className={`run-row${checked ? ' selected' : ''}`}
      aria-rowindex={index + 2}
      data-run-id={id}
      style={{ transform: `translateY(${top}px)` }}
    >
      <td className="cell check">
        <input
          type="checkbox"
          checked={checked}
          onChange={() => onToggle(id)}
          aria-label={`Select ${name}`}
        />
      </td>
      {columns.map((c, i) =>
        c.id === 'attr.name' ? (
          <td key={c.id} className={`cell${i === 0 ? ' first' : ''}`}>
            {/* A plain link (no router hook per row); a plain click navigates in the app, others open tabs. */}
            <a
              href={href}
              className="run-link"
              title={name}
              onClick={(e) => {
                if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                e.preventDefault();
                navigate(href);
              }}
            >
              {name}
            </a>
          </td>
        ) : c.id === 'attr.status' ? (
          <td key={c.id} className="cell">
            <span className={`dot dot-${runs.statuses[index]!.toLowerCase()}`} />
            {c.text(runs, index)}
          </td>
        ) : (
          <td key={c.id} className={`cell${c.numeric ? ' num' : ''}`}>
            {c.text(runs, index)}
          </td>
        ),
      )}
    </tr>
  );
});

/** A small M / P / T mark on metric, param and tag column headers. */
function Kind({ id }: { id: string }) {
  const kind = id.slice(0, id.indexOf('.'));
  if (kind === 'attr') return null;
  return (
    <span className={`kind kind-${kind}`} title={kind}>
      {kind[0]!.toUpperCase()}
    </span>
  );
}

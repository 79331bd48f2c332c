import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useRef } from 'react';
import { useLocation } from 'wouter';
import type { Column, RunRow } from '../lib/run-rows';

const ROW_HEIGHT = 32;
const CHECK_WIDTH = 36;
/** Fetch the next page when the last rendered row is within a page (1,000 rows) of the end of what is loaded. */
const PREFETCH_ROWS = 1000;

export interface Sort {
  field: string;
  ascending: boolean;
}

interface Props {
  rows: RunRow[];
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
  rows,
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
  const count = rows.length + (hasMore ? 1 : 0);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  const items = virtualizer.getVirtualItems();
  const last = items.length ? items[items.length - 1]!.index : 0;
  useEffect(() => {
    if (hasMore && !loading && last >= rows.length - PREFETCH_ROWS) onNeedMore();
  }, [last, rows.length, hasMore, loading, onNeedMore]);

  const width = CHECK_WIDTH + columns.reduce((w, c) => w + c.width, 0);
  const template = `${CHECK_WIDTH}px ${columns.map((c) => `${c.width}px`).join(' ')}`;

  return (
    <div ref={scroller} className="runs-scroller" data-loaded={rows.length}>
      <table
        className="runs-table"
        aria-label="Runs"
        aria-rowcount={hasMore ? -1 : rows.length + 1}
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
          {items.map((item) => {
            const row = rows[item.index];
            return row ? (
              <Row
                key={row.id}
                row={row}
                columns={columns}
                top={item.start}
                checked={selected.has(row.id)}
                onToggle={onToggle}
                navigate={navigate}
                index={item.index}
              />
            ) : (
              <tr
                key="more"
                className="run-row loading-row"
                style={{ transform: `translateY(${item.start}px)` }}
              >
                <td>Loading more runs…</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

const Row = memo(function Row({
  row,
  columns,
  top,
  checked,
  onToggle,
  navigate,
  index,
}: {
  row: RunRow;
  columns: Column[];
  top: number;
  checked: boolean;
  onToggle(id: string): void;
  navigate(to: string): void;
  index: number;
}) {
  const href = `/runs/${row.id}`;
  return (
    <tr
      className={`run-row${checked ? ' selected' : ''}`}
      aria-rowindex={index + 2}
      data-run-id={row.id}
      style={{ transform: `translateY(${top}px)` }}
    >
      <td className="cell check">
        <input
          type="checkbox"
          checked={checked}
          onChange={() => onToggle(row.id)}
          aria-label={`Select ${row.name}`}
        />
      </td>
      {columns.map((c, i) =>
        c.id === 'attr.name' ? (
          <td key={c.id} className={`cell${i === 0 ? ' first' : ''}`}>
            {/* A plain link (no router hook per row); a plain click navigates in the app, others open tabs. */}
            <a
              href={href}
              className="run-link"
              title={row.name}
              onClick={(e) => {
                if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                e.preventDefault();
                navigate(href);
              }}
            >
              {row.name}
            </a>
          </td>
        ) : c.id === 'attr.status' ? (
          <td key={c.id} className="cell">
            <span className={`dot dot-${row.status.toLowerCase()}`} />
            {row.status.toLowerCase()}
          </td>
        ) : (
          <td key={c.id} className={`cell${c.numeric ? ' num' : ''}`}>
            {c.text(row)}
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

import { toNumber } from '../api/client';
import type { Run, RunStatus } from '../api/types';
import { formatAgo, formatDuration, formatNumber, formatTime } from './format';

/** A run as the table holds it: flat maps, so 100,000 of them stay small and cells read in O(1). */
export interface RunRow {
  id: string;
  name: string;
  status: RunStatus;
  start: number;
  end?: number;
  user: string;
  experimentId: string;
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

export function toRow(run: Run): RunRow {
  const metrics: Record<string, number> = {};
  for (const m of run.data.metrics ?? []) metrics[m.key] = toNumber(m.value);
  const params: Record<string, string> = {};
  for (const p of run.data.params ?? []) params[p.key] = p.value;
  const tags: Record<string, string> = {};
  for (const t of run.data.tags ?? []) if (!t.key.startsWith('mlflow.')) tags[t.key] = t.value;
  return {
    id: run.info.run_id,
    name: run.info.run_name ?? run.info.run_id,
    status: run.info.status,
    start: run.info.start_time,
    ...(run.info.end_time === undefined ? {} : { end: run.info.end_time }),
    user: run.info.user_id ?? '',
    experimentId: run.info.experiment_id,
    metrics,
    params,
    tags,
  };
}

export interface Column {
  id: string;
  label: string;
  width: number;
  /** The `order_by` field that sorts by this column, when the server can. */
  sortField?: string;
  numeric?: boolean;
  text(row: RunRow): string;
}

/** A key in MLflow's search grammar: backticks unless it is a plain identifier. */
export const grammarKey = (key: string): string => (/^[A-Za-z_][\w]*$/.test(key) ? key : `\`${key}\``);

export const ATTRIBUTE_COLUMNS: Column[] = [
  { id: 'attr.name', label: 'Run', width: 220, sortField: 'attributes.run_name', text: (r) => r.name },
  {
    id: 'attr.start',
    label: 'Created',
    width: 150,
    sortField: 'attributes.start_time',
    text: (r) => formatAgo(r.start),
  },
  {
    id: 'attr.duration',
    label: 'Duration',
    width: 100,
    numeric: true,
    text: (r) =>
      r.end === undefined ? (r.status === 'RUNNING' ? 'running' : '—') : formatDuration(r.end - r.start),
  },
  { id: 'attr.status', label: 'Status', width: 100, sortField: 'attributes.status', text: (r) => r.status },
  { id: 'attr.user', label: 'User', width: 110, sortField: 'attributes.user_id', text: (r) => r.user },
];

/** `metrics.loss`, `params.lr`, `tags.team` → a column. */
export function dynamicColumn(id: string): Column | undefined {
  const dot = id.indexOf('.');
  const kind = id.slice(0, dot);
  const key = id.slice(dot + 1);
  if (!key) return undefined;
  if (kind === 'metrics')
    return {
      id,
      label: key,
      width: 120,
      numeric: true,
      sortField: `metrics.${grammarKey(key)}`,
      text: (r) => (key in r.metrics ? formatNumber(r.metrics[key]) : ''),
    };
  if (kind === 'params')
    return {
      id,
      label: key,
      width: 120,
      sortField: `params.${grammarKey(key)}`,
      text: (r) => r.params[key] ?? '',
    };
  if (kind === 'tags')
    return {
      id,
      label: key,
      width: 120,
      sortField: `tags.${grammarKey(key)}`,
      text: (r) => r.tags[key] ?? '',
    };
  return undefined;
}

export interface KeySets {
  metrics: string[];
  params: string[];
  tags: string[];
}

/** Every metric, param and tag key among the first `limit` rows. */
export function discoverKeys(rows: readonly RunRow[], limit = 5000): KeySets {
  const m = new Set<string>();
  const p = new Set<string>();
  const t = new Set<string>();
  for (let i = 0; i < Math.min(rows.length, limit); i++) {
    const r = rows[i]!;
    for (const k in r.metrics) m.add(k);
    for (const k in r.params) p.add(k);
    for (const k in r.tags) t.add(k);
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
  return { metrics: sorted(m), params: sorted(p), tags: sorted(t) };
}

export const startedAt = (r: RunRow) => formatTime(r.start);

import { toNumber } from '../api/client';
import type { Run } from '../api/types';
import { formatAgo, formatDuration, formatNumber } from './format';

/** Numbers by row in a growable Float64Array, with a presence mask: no boxed number per value. */
export class NumberColumn {
  private values = new Float64Array(1024);
  private present = new Uint8Array(1024);

  set(i: number, v: number): void {
    if (i >= this.values.length) {
      let size = this.values.length;
      while (size <= i) size *= 2;
      const values = new Float64Array(size);
      values.set(this.values);
      const present = new Uint8Array(size);
      present.set(this.present);
      this.values = values;
      this.present = present;
    }
    this.values[i] = v;
    this.present[i] = 1;
  }

  get(i: number): number | undefined {
    return this.present[i] ? this.values[i] : undefined;
  }
}

/** Strings by row; rows without a value hold undefined, appended in order so the array never goes sparse. */
function setString(column: (string | undefined)[], i: number, v: string): void {
  while (column.length < i) column.push(undefined);
  if (column.length === i) column.push(v);
  else column[i] = v;
}

/**
 * Loaded runs stored by column, not as an object per run: 100,000 runs are a few dozen arrays (numbers unboxed,
 * repeated strings shared) instead of half a million small objects, so the garbage collector has little to walk
 * while the table scrolls. A run is addressed by its row index; a missing value is a hole in its column.
 */
export class RunColumns {
  length = 0;
  readonly ids: string[] = [];
  readonly names: string[] = [];
  readonly statuses: string[] = [];
  readonly users: string[] = [];
  readonly starts: number[] = [];
  readonly ends = new NumberColumn();
  readonly metrics = new Map<string, NumberColumn>();
  readonly params = new Map<string, (string | undefined)[]>();
  readonly tags = new Map<string, (string | undefined)[]>();
  private readonly strings = new Map<string, string>();

  /** Repeated values (statuses, users, param values such as "adam") share one string. */
  private intern(s: string): string {
    if (s.length > 64) return s;
    const hit = this.strings.get(s);
    if (hit !== undefined) return hit;
    if (this.strings.size < 100_000) this.strings.set(s, s);
    return s;
  }

  private column<T>(map: Map<string, T>, key: string, make: () => T): T {
    let col = map.get(key);
    if (!col) {
      col = make();
      map.set(this.intern(key), col);
    }
    return col;
  }

  append(runs: readonly Run[]): void {
    for (const run of runs) {
      const i = this.length++;
      this.ids.push(run.info.run_id);
      this.names.push(run.info.run_name ?? run.info.run_id);
      this.statuses.push(this.intern(run.info.status));
      this.users.push(this.intern(run.info.user_id ?? ''));
      this.starts.push(run.info.start_time);
      if (run.info.end_time !== undefined) this.ends.set(i, run.info.end_time);
      for (const m of run.data.metrics ?? [])
        this.column(this.metrics, m.key, () => new NumberColumn()).set(i, toNumber(m.value));
      for (const p of run.data.params ?? [])
        setString(
          this.column(this.params, p.key, () => []),
          i,
          this.intern(p.value),
        );
      for (const t of run.data.tags ?? [])
        if (!t.key.startsWith('mlflow.'))
          setString(
            this.column(this.tags, t.key, () => []),
            i,
            this.intern(t.value),
          );
    }
  }
}

export interface Column {
  id: string;
  label: string;
  width: number;
  /** The `order_by` field that sorts by this column, when the server can. */
  sortField?: string;
  numeric?: boolean;
  text(runs: RunColumns, i: number): string;
}

/** A key in MLflow's search grammar: backticks unless it is a plain identifier. */
export const grammarKey = (key: string): string => (/^[A-Za-z_][\w]*$/.test(key) ? key : `\`${key}\``);

export const ATTRIBUTE_COLUMNS: Column[] = [
  {
    id: 'attr.name',
    label: 'Run',
    width: 220,
    sortField: 'attributes.run_name',
    text: (r, i) => r.names[i]!,
  },
  {
    id: 'attr.start',
    label: 'Created',
    width: 150,
    sortField: 'attributes.start_time',
    text: (r, i) => formatAgo(r.starts[i]),
  },
  {
    id: 'attr.duration',
    label: 'Duration',
    width: 100,
    numeric: true,
    text: (r, i) => {
      const end = r.ends.get(i);
      if (end === undefined) return r.statuses[i] === 'RUNNING' ? 'running' : '—';
      return formatDuration(end - r.starts[i]!);
    },
  },
  {
    id: 'attr.status',
    label: 'Status',
    width: 100,
    sortField: 'attributes.status',
    text: (r, i) => r.statuses[i]!.toLowerCase(),
  },
  {
    id: 'attr.user',
    label: 'User',
    width: 110,
    sortField: 'attributes.user_id',
    text: (r, i) => r.users[i]!,
  },
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
      text: (r, i) => {
        const v = r.metrics.get(key)?.get(i);
        return v === undefined ? '' : formatNumber(v);
      },
    };
  if (kind === 'params')
    return {
      id,
      label: key,
      width: 120,
      sortField: `params.${grammarKey(key)}`,
      text: (r, i) => r.params.get(key)?.[i] ?? '',
    };
  if (kind === 'tags')
    return {
      id,
      label: key,
      width: 120,
      sortField: `tags.${grammarKey(key)}`,
      text: (r, i) => r.tags.get(key)?.[i] ?? '',
    };
  return undefined;
}

export interface KeySets {
  metrics: string[];
  params: string[];
  tags: string[];
}

/** Every metric, param and tag key of the loaded runs. */
export function discoverKeys(runs: RunColumns): KeySets {
  const sorted = (keys: Iterable<string>) => [...keys].sort((a, b) => a.localeCompare(b));
  return {
    metrics: sorted(runs.metrics.keys()),
    params: sorted(runs.params.keys()),
    tags: sorted(runs.tags.keys()),
  };
}

import type { Kysely } from 'kysely';
import type { Database, MetricTable } from './schema.js';

/**
 * The seam between the store's portable Kysely code and a database engine (Kysely's own pattern: one folder a dialect,
 * the same file names in each). Differences are expressed as capabilities and fast paths here, never as
 * `if (dialect === ...)` in services.
 */
export interface StoreDialect {
  readonly name: 'sqlite' | 'postgres';
  /** Column type for an auto-incrementing integer primary key. */
  readonly serialType: 'integer' | 'serial';
  /** SQL operator that performs a case-insensitive LIKE. */
  readonly ilike: 'like' | 'ilike';
  /** Whether LIKE is case-sensitive by default (SQLite's is not, so `pragma case_sensitive_like` is set on). */
  readonly likeIsCaseSensitive: boolean;
  /** SQL function building a JSON array from its arguments. */
  readonly jsonArray: 'json_array' | 'json_build_array';
  /** SQL aggregate collecting values into a JSON array (with an `ORDER BY` inside the call on both). */
  readonly jsonArrayAgg: 'json_group_array' | 'json_agg';
  /** Whether `SELECT … FOR UPDATE` exists; SQLite needs none because its one connection serializes writers. */
  readonly lockForUpdate: boolean;
  createKysely(): Kysely<Database>;
  /**
   * Appends metric points (as one chunk per series, `metric-chunks.ts`) and advances `latest_metrics`, in one
   * transaction. This is the ingest hot path, so each dialect uses its fastest statement shape (SQLite: cached
   * prepared statements; PostgreSQL: one unnest insert per table).
   */
  insertMetrics(rows: readonly MetricTable[]): Promise<void>;
  close(): Promise<void>;
}

/** Latest metric per key: the max of (step, timestamp, value), as MLflow defines "latest". */
export function latestPerKey(rows: readonly MetricTable[]): MetricTable[] {
  // Keyed by run, then by key: no per-row composite string on the ingest path (a batch has one run).
  const byRun = new Map<string, Map<string, MetricTable>>();
  let runId: string | undefined;
  let latest = new Map<string, MetricTable>();
  for (const row of rows) {
    if (row.run_id !== runId) {
      runId = row.run_id;
      let known = byRun.get(runId);
      if (!known) {
        known = new Map();
        byRun.set(runId, known);
      }
      latest = known;
    }
    const current = latest.get(row.key);
    if (!current || isNewer(row, current)) latest.set(row.key, row);
  }
  return [...byRun.values()].flatMap((perKey) => [...perKey.values()]);
}

export function isNewer(a: MetricTable, b: MetricTable): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value;
}

/**
 * The series id of each (run, key) a batch logs, as a dialect resolved them; `of` gives a row's id for
 * `encodeChunks`. A batch's rows come run by run, so the run's map is looked up once per run, not per point.
 */
export class SeriesIds {
  readonly #byRun = new Map<string, Map<string, number>>();
  #runId: string | undefined;
  #perRun: Map<string, number> | undefined;

  set(runId: string, key: string, id: number): void {
    let perRun = this.#byRun.get(runId);
    if (!perRun) {
      perRun = new Map();
      this.#byRun.set(runId, perRun);
    }
    perRun.set(key, id);
  }

  readonly of = (row: MetricTable): number => {
    if (row.run_id !== this.#runId) {
      this.#runId = row.run_id;
      this.#perRun = this.#byRun.get(row.run_id);
    }
    const id = this.#perRun?.get(row.key);
    if (id === undefined) throw new Error(`no series resolved for run ${row.run_id}, key ${row.key}`);
    return id;
  };
}

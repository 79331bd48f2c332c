import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  SqliteDialect as KyselySqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import { latestPerKey, SeriesIds, type StoreDialect } from '../dialect.js';
import { encodeChunks, planChunkWrites, type StoredChunk } from '../metric-chunks.js';
import type { Database, MetricTable } from '../schema.js';
import { cachingDatabase } from './statement-cache.js';

/** SQLite page cache of the server's connection, in KiB. */
export const SQLITE_CACHE_KIB = 64 * 1024;

export interface SqliteOptions {
  /** File path, or ':memory:'. */
  path: string;
  /** `normal` survives a process crash (kill -9); `full` also survives power loss, at an fsync per commit. */
  synchronous?: 'normal' | 'full';
}

/**
 * SQLite through better-sqlite3: one connection, WAL, a busy timeout for other processes (CLI, replicas) that open
 * the same file. All statements, including the ingest fast path, go through Kysely's connection mutex so that a
 * synchronous write can never land inside another request's open transaction.
 */
export class SqliteStoreDialect implements StoreDialect {
  readonly name = 'sqlite' as const;
  readonly serialType = 'integer' as const;
  readonly ilike = 'like' as const;
  readonly likeIsCaseSensitive = true;
  readonly jsonArray = 'json_array' as const;
  readonly jsonArrayAgg = 'json_group_array' as const;
  readonly lockForUpdate = false;
  readonly #db: BetterSqlite3.Database;
  #kysely?: Kysely<Database>;
  readonly #statements: {
    upsertLatest?: BetterSqlite3.Statement;
    findSeries?: BetterSqlite3.Statement;
    addSeries?: BetterSqlite3.Statement;
    insertChunk?: BetterSqlite3.Statement;
    lastChunk?: BetterSqlite3.Statement;
    updateChunk?: BetterSqlite3.Statement;
  } = {};

  constructor(opts: SqliteOptions) {
    this.#db = new BetterSqlite3(opts.path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 10000');
    this.#db.pragma(`synchronous = ${opts.synchronous ?? 'normal'}`);
    this.#db.pragma('foreign_keys = ON');
    // SQLite's default page cache is 2 MiB: a search over 100,000 runs touches more pages than that, so every query
    // re-read its pages from the OS (28 ms of CPU per benchmark search, 19 ms with this cache). 64 MiB is an upper
    // bound, allocated only as pages are read.
    this.#db.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
    // MLflow's LIKE is case-sensitive; ILIKE is lowered on both sides by the search compiler.
    this.#db.pragma('case_sensitive_like = ON');
  }

  createKysely(): Kysely<Database> {
    this.#kysely ??= new Kysely<Database>({
      dialect: new ImmediateSqliteDialect({ database: cachingDatabase(this.#db) }),
    });
    return this.#kysely;
  }

  async insertMetrics(rows: readonly MetricTable[]): Promise<void> {
    if (rows.length === 0) return;
    // One row per series in the batch: the series to resolve and the latest point to upsert.
    const latest = latestPerKey(rows);
    const kysely = this.createKysely();
    await kysely.connection().execute(async () => {
      // Immediate: it reads the series ids before writing (see ImmediateSqliteDriver).
      this.#db
        .transaction(() => {
          const ids = this.#seriesIds(latest);
          this.#insertChunks(rows, ids);
          this.#statements.upsertLatest ??= this.#db.prepare(
            `INSERT INTO latest_metrics (run_id, key, value, timestamp, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp,
             step = excluded.step, is_nan = excluded.is_nan
           WHERE (excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)`,
          );
          const upsert = this.#statements.upsertLatest;
          for (const r of latest) upsert.run(r.run_id, r.key, r.value, r.timestamp, r.step, r.is_nan);
        })
        .immediate();
    });
  }

  /** Series id per run and key, creating the series a batch logs for the first time. */
  #seriesIds(series: readonly MetricTable[]): SeriesIds {
    const st = this.#statements;
    st.findSeries ??= this.#db
      .prepare('SELECT series_id FROM metric_series WHERE run_id = ? AND key = ?')
      .pluck();
    st.addSeries ??= this.#db.prepare('INSERT OR IGNORE INTO metric_series (run_id, key) VALUES (?, ?)');
    const ids = new SeriesIds();
    for (const { run_id, key } of series) {
      let id = st.findSeries.get(run_id, key) as number | undefined;
      if (id === undefined) {
        st.addSeries.run(run_id, key);
        id = st.findSeries.get(run_id, key) as number;
      }
      ids.set(run_id, key, id);
    }
    return ids;
  }

  /** One chunk row per series of the batch, or a few points appended to the series' last chunk (`store/metric-chunks.ts`). */
  #insertChunks(rows: readonly MetricTable[], ids: SeriesIds): void {
    const st = this.#statements;
    st.insertChunk ??= this.#db.prepare(
      'INSERT INTO metric_chunks (series_id, min_step, max_step, points, data) VALUES (?, ?, ?, ?, ?)',
    );
    st.lastChunk ??= this.#db.prepare(
      `SELECT chunk_id, min_step, max_step, points, data FROM metric_chunks
       WHERE series_id = ? ORDER BY min_step DESC LIMIT 1`,
    );
    st.updateChunk ??= this.#db.prepare(
      'UPDATE metric_chunks SET min_step = ?, max_step = ?, points = ?, data = ? WHERE chunk_id = ?',
    );
    const { insertChunk, lastChunk, updateChunk } = st;
    const { inserts, appends } = planChunkWrites(
      encodeChunks(rows, ids.of),
      (id) => lastChunk.get(id) as StoredChunk | undefined,
    );
    for (const c of appends) updateChunk.run(c.min_step, c.max_step, c.points, c.data, c.chunk_id);
    for (const c of inserts) insertChunk.run(c.series_id, c.min_step, c.max_step, c.points, c.data);
  }

  async close(): Promise<void> {
    if (this.#kysely) await this.#kysely.destroy();
    else this.#db.close();
  }
}

/**
 * Transactions begin IMMEDIATE, taking the write lock up front. A deferred transaction that reads and then writes
 * fails at once with "database is locked" when another process (a replica, a CLI on the same home) committed in
 * between: in WAL mode its read snapshot is stale, and SQLite does not wait on the busy timeout for that. An
 * immediate one waits for the other writer like any single statement does. Within the server nothing changes: its one
 * connection already runs one transaction at a time.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends KyselySqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

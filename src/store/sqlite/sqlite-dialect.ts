import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect as KyselySqliteDialect } from 'kysely';
import { latestPerKey, type StoreDialect } from '../dialect.js';
import type { Database, MetricTable } from '../schema.js';

export interface SqliteOptions {
  /** File path, or ':memory:'. */
  path: string;
  /** `normal` survives a process crash (kill -9); `full` also survives power loss, at an fsync per commit. */
  synchronous?: 'normal' | 'full';
}

/** Distinct SQL texts kept prepared; `IN (?, ?, …)` lists of every length make the set of texts open-ended. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every statement it runs, and preparing costs more than running most of ours (a tracked stage's
 * few inserts spent more time in `prepare` than in SQLite). The same text gets the same statement back, least
 * recently used first out; a statement still iterating a stream is never handed out twice.
 */
function cachingStatements(db: BetterSqlite3.Database) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => db.close(),
    prepare(sql: string): BetterSqlite3.Statement {
      const known = cache.get(sql);
      if (known && !known.busy) {
        cache.delete(sql);
        cache.set(sql, known);
        return known;
      }
      const stmt = db.prepare(sql);
      if (known) return stmt;
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(sql, stmt);
      return stmt;
    },
  };
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
  readonly lockForUpdate = false;
  readonly #db: BetterSqlite3.Database;
  #kysely?: Kysely<Database>;
  #insertMetric?: BetterSqlite3.Statement;
  #upsertLatest?: BetterSqlite3.Statement;

  constructor(opts: SqliteOptions) {
    this.#db = new BetterSqlite3(opts.path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 10000');
    this.#db.pragma(`synchronous = ${opts.synchronous ?? 'normal'}`);
    this.#db.pragma('foreign_keys = ON');
    // MLflow's LIKE is case-sensitive; ILIKE is lowered on both sides by the search compiler.
    this.#db.pragma('case_sensitive_like = ON');
  }

  createKysely(): Kysely<Database> {
    this.#kysely ??= new Kysely<Database>({
      dialect: new KyselySqliteDialect({ database: cachingStatements(this.#db) }),
    });
    return this.#kysely;
  }

  async insertMetrics(rows: readonly MetricTable[]): Promise<void> {
    if (rows.length === 0) return;
    const kysely = this.createKysely();
    await kysely.connection().execute(async () => {
      this.#insertMetric ??= this.#db.prepare(
        'INSERT OR IGNORE INTO metrics (run_id, key, value, timestamp, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)',
      );
      this.#upsertLatest ??= this.#db.prepare(
        `INSERT INTO latest_metrics (run_id, key, value, timestamp, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp,
           step = excluded.step, is_nan = excluded.is_nan
         WHERE (excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)`,
      );
      const insert = this.#insertMetric;
      const upsert = this.#upsertLatest;
      this.#db.transaction(() => {
        for (const r of rows) insert.run(r.run_id, r.key, r.value, r.timestamp, r.step, r.is_nan);
        for (const r of latestPerKey(rows))
          upsert.run(r.run_id, r.key, r.value, r.timestamp, r.step, r.is_nan);
      })();
    });
  }

  async close(): Promise<void> {
    if (this.#kysely) await this.#kysely.destroy();
    else this.#db.close();
  }
}

import { Kysely, PostgresDialect as KyselyPostgresDialect } from 'kysely';
import pg from 'pg';
import { latestPerKey, SeriesIds, type StoreDialect } from '../dialect.js';
import { encodeChunks } from '../metric-chunks.js';
import type { Database, MetricTable } from '../schema.js';

const INT8_OID = 20;

/** int8 columns hold millisecond timestamps and steps, all within 2^53: parse them as numbers, not strings. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

const ADD_SERIES = `
  INSERT INTO metric_series (run_id, key) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`;

const FIND_SERIES = `
  SELECT s.series_id, s.run_id, s.key FROM metric_series s
  JOIN unnest($1::text[], $2::text[]) AS b (run_id, key) ON s.run_id = b.run_id AND s.key = b.key`;

const INSERT_CHUNKS = `
  INSERT INTO metric_chunks (series_id, min_step, max_step, points, data)
  SELECT * FROM unnest($1::int4[], $2::int8[], $3::int8[], $4::int4[], $5::bytea[])`;

const UPSERT_LATEST = `
  INSERT INTO latest_metrics AS l (run_id, key, value, "timestamp", step, is_nan)
  SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::int8[], $5::int8[], $6::int4[])
  ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, "timestamp" = excluded."timestamp",
    step = excluded.step, is_nan = excluded.is_nan
  WHERE (excluded.step, excluded."timestamp", excluded.value) > (l.step, l."timestamp", l.value)`;

function latestColumns(rows: readonly MetricTable[]): unknown[][] {
  return [
    rows.map((r) => r.run_id),
    rows.map((r) => r.key),
    rows.map((r) => r.value),
    rows.map((r) => r.timestamp),
    rows.map((r) => r.step),
    rows.map((r) => r.is_nan),
  ];
}

/** The batch's chunks (`store/metric-chunks.ts`) as the five columns of one unnest insert. */
function chunkColumns(rows: readonly MetricTable[], ids: SeriesIds): unknown[] {
  const chunks = encodeChunks(rows, ids.of);
  return [
    chunks.map((c) => c.series_id),
    chunks.map((c) => c.min_step),
    chunks.map((c) => c.max_step),
    chunks.map((c) => c.points),
    chunks.map((c) => c.data),
  ];
}

export class PostgresStoreDialect implements StoreDialect {
  readonly name = 'postgres' as const;
  readonly serialType = 'serial' as const;
  readonly ilike = 'ilike' as const;
  readonly likeIsCaseSensitive = true;
  readonly jsonArray = 'json_build_array' as const;
  readonly jsonArrayAgg = 'json_agg' as const;
  readonly lockForUpdate = true;
  readonly #pool: pg.Pool;
  #kysely?: Kysely<Database>;

  constructor(connectionString: string, opts: { maxConnections?: number } = {}) {
    // Fail fast while the database is away, rather than queue requests behind a dead connection.
    this.#pool = new pg.Pool({
      connectionString,
      max: opts.maxConnections ?? 10,
      types,
      connectionTimeoutMillis: 3000,
    });
    // An idle client losing its connection (a database restart) is not fatal: the pool replaces it.
    this.#pool.on('error', () => {});
    // A client that is checked out when the server goes away gets the error as an event too; its query rejects
    // (and answers 503), so the event itself must not take the process down.
    this.#pool.on('connect', (client) => client.on('error', () => {}));
  }

  createKysely(): Kysely<Database> {
    this.#kysely ??= new Kysely<Database>({ dialect: new KyselyPostgresDialect({ pool: this.#pool }) });
    return this.#kysely;
  }

  async insertMetrics(rows: readonly MetricTable[]): Promise<void> {
    if (rows.length === 0) return;
    // A stable key order keeps concurrent upserts of the same keys from deadlocking.
    const latest = latestPerKey(rows).sort((a, b) =>
      a.run_id === b.run_id ? (a.key < b.key ? -1 : 1) : a.run_id < b.run_id ? -1 : 1,
    );
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const pairs = [latest.map((r) => r.run_id), latest.map((r) => r.key)];
      let found = await client.query<{ series_id: number; run_id: string; key: string }>(FIND_SERIES, pairs);
      if (found.rows.length < latest.length) {
        // Waits for a concurrent transaction creating the same series, then sees its row (READ COMMITTED).
        await client.query(ADD_SERIES, pairs);
        found = await client.query(FIND_SERIES, pairs);
      }
      const ids = new SeriesIds();
      for (const s of found.rows) ids.set(s.run_id, s.key, s.series_id);
      await client.query(INSERT_CHUNKS, chunkColumns(rows, ids));
      await client.query(UPSERT_LATEST, latestColumns(latest));
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.#kysely) await this.#kysely.destroy();
    else await this.#pool.end();
  }
}

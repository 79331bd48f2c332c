import { Kysely, PostgresDialect as KyselyPostgresDialect } from 'kysely';
import pg from 'pg';
import { latestPerKey, SeriesIds, type StoreDialect } from '../dialect.js';
import {
  appendable,
  encodeChunks,
  type MetricChunkRow,
  planChunkWrites,
  type StoredChunk,
} from '../metric-chunks.js';
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

/** The chunk of highest steps of each series, locked: a concurrent append to the same chunk waits, then sees ours. */
const LAST_CHUNKS = `
  SELECT s.id AS series_id, c.chunk_id, c.min_step, c.max_step, c.points, c.data
  FROM unnest($1::int4[]) AS s (id)
  CROSS JOIN LATERAL (
    SELECT chunk_id, min_step, max_step, points, data FROM metric_chunks
    WHERE series_id = s.id ORDER BY min_step DESC LIMIT 1 FOR UPDATE
  ) c`;

const UPDATE_CHUNKS = `
  UPDATE metric_chunks AS m SET min_step = u.min_step, max_step = u.max_step, points = u.points, data = u.data
  FROM unnest($1::int4[], $2::int8[], $3::int8[], $4::int4[], $5::bytea[])
    AS u (chunk_id, min_step, max_step, points, data)
  WHERE m.chunk_id = u.chunk_id`;

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

/** Chunks as the five columns of one unnest statement, the first being `first` of each. */
function chunkColumns<T extends MetricChunkRow>(chunks: readonly T[], first: (c: T) => number): unknown[] {
  return [
    chunks.map(first),
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
      await this.#writeChunks(client, encodeChunks(rows, ids.of));
      await client.query(UPSERT_LATEST, latestColumns(latest));
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  /** A chunk row per series, or a few points appended to the series' last chunk (`store/metric-chunks.ts`). */
  async #writeChunks(client: pg.PoolClient, chunks: MetricChunkRow[]): Promise<void> {
    // In series order, so that two batches lock the chunks they share in the same order (no deadlock).
    const series = chunks
      .filter(appendable)
      .map((c) => c.series_id)
      .sort((a, b) => a - b);
    const last = new Map<number, StoredChunk>();
    if (series.length) {
      const found = await client.query<StoredChunk & { series_id: number }>(LAST_CHUNKS, [series]);
      for (const r of found.rows) last.set(r.series_id, r);
    }
    const { inserts, appends } = planChunkWrites(chunks, (id) => last.get(id));
    if (appends.length)
      await client.query(
        UPDATE_CHUNKS,
        chunkColumns(appends, (c) => c.chunk_id),
      );
    if (inserts.length)
      await client.query(
        INSERT_CHUNKS,
        chunkColumns(inserts, (c) => c.series_id),
      );
  }

  async close(): Promise<void> {
    if (this.#kysely) await this.#kysely.destroy();
    else await this.#pool.end();
  }
}

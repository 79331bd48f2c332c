import { Kysely, PostgresDialect as KyselyPostgresDialect } from 'kysely';
import pg from 'pg';
import { latestPerKey, type StoreDialect } from '../dialect.js';
import type { Database, MetricTable } from '../schema.js';

const INT8_OID = 20;

/** int8 columns hold millisecond timestamps and steps, all within 2^53: parse them as numbers, not strings. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

const INSERT_METRICS = `
  INSERT INTO metrics (run_id, key, value, "timestamp", step, is_nan)
  SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::int8[], $5::int8[], $6::int4[])
  ON CONFLICT DO NOTHING`;

const UPSERT_LATEST = `
  INSERT INTO latest_metrics AS l (run_id, key, value, "timestamp", step, is_nan)
  SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::int8[], $5::int8[], $6::int4[])
  ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, "timestamp" = excluded."timestamp",
    step = excluded.step, is_nan = excluded.is_nan
  WHERE (excluded.step, excluded."timestamp", excluded.value) > (l.step, l."timestamp", l.value)`;

function columns(rows: readonly MetricTable[]): unknown[][] {
  return [
    rows.map((r) => r.run_id),
    rows.map((r) => r.key),
    rows.map((r) => r.value),
    rows.map((r) => r.timestamp),
    rows.map((r) => r.step),
    rows.map((r) => r.is_nan),
  ];
}

export class PostgresStoreDialect implements StoreDialect {
  readonly name = 'postgres' as const;
  readonly serialType = 'serial' as const;
  readonly ilike = 'ilike' as const;
  readonly likeIsCaseSensitive = true;
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
      await client.query(INSERT_METRICS, columns(rows));
      await client.query(UPSERT_LATEST, columns(latest));
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

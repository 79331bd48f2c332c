import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { MetricChunkRow } from '../../src/store/metric-chunks.js';
import { SQLITE_CACHE_KIB } from '../../src/store/sqlite/sqlite-dialect.js';
import type { BackendName } from './args.js';

/** PostgreSQL array type of a column, for `unnest($n::type[])`; SQLite ignores it. */
export type ColumnType = 'text' | 'int8' | 'int4' | 'float8' | 'bytea';
export type Column = readonly [name: string, type: ColumnType];

/**
 * The benchmarks' own connection to the database under test, through the driver directly, with no mloop code in
 * between: it seeds data, and it runs the baselines (raw inserts, hand-written queries).
 */
export interface RawDb {
  readonly name: BackendName;
  /** Inserts rows (each an array in column order) in one transaction, with one bulk statement shape per driver. */
  insert(table: string, columns: readonly Column[], rows: readonly (readonly unknown[])[]): Promise<void>;
  /** Runs a statement with `?` placeholders and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export interface RawDbOptions {
  /** PostgreSQL pool size (default 8). */
  connections?: number;
  /**
   * For seeding only: no foreign-key checks (the data is consistent by construction; PostgreSQL: replica mode, which
   * skips the FK triggers) and, on SQLite, a 512 MiB page cache. Without it, the connection runs with mloop's settings.
   */
  bulkLoad?: boolean;
}

const CHUNK_COLUMNS: Column[] = [
  ['series_id', 'int4'],
  ['min_step', 'int8'],
  ['max_step', 'int8'],
  ['points', 'int4'],
  ['data', 'bytea'],
];

/** Encoded metric chunks (`encodeChunks`) straight into `metric_chunks`, in one bulk insert. */
export function insertRawChunks(raw: RawDb, chunks: readonly MetricChunkRow[]): Promise<void> {
  return raw.insert(
    'metric_chunks',
    CHUNK_COLUMNS,
    chunks.map((c) => [c.series_id, c.min_step, c.max_step, c.points, c.data]),
  );
}

export function openRawDb(uri: string, opts: RawDbOptions = {}): RawDb {
  if (uri.startsWith('sqlite://'))
    return new SqliteRawDb(uri.slice('sqlite:///'.length), opts.bulkLoad ?? false);
  return new PostgresRawDb(uri, opts.connections ?? 8, opts.bulkLoad ?? false);
}

/** Rows per multi-row INSERT on SQLite (the ingest path's own figure; 200 rows × ≤ 10 columns stay far below the
 * 32,766 bound values SQLite allows in one statement). */
const ROWS_PER_INSERT = 200;

/** better-sqlite3 with the same pragmas mloop's SQLite dialect sets: WAL, synchronous=normal, its page cache size. */
class SqliteRawDb implements RawDb {
  readonly name = 'sqlite' as const;
  readonly #db: BetterSqlite3.Database;
  readonly #statements = new Map<string, BetterSqlite3.Statement>();

  constructor(path: string, bulkLoad: boolean) {
    this.#db = new BetterSqlite3(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 10000');
    this.#db.pragma('synchronous = normal');
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
    if (bulkLoad) {
      this.#db.pragma(`cache_size = -${512 * 1024}`);
      this.#db.pragma('foreign_keys = OFF');
    }
  }

  #prepare(sql: string): BetterSqlite3.Statement {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  /** Multi-row INSERTs of ROWS_PER_INSERT rows (the fastest plain SQL shape), the rest one prepared row at a time. */
  async insert(table: string, columns: readonly Column[], rows: readonly (readonly unknown[])[]) {
    const names = columns.map(([name]) => `"${name}"`).join(', ');
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const many = this.#prepare(
      `INSERT INTO ${table} (${names}) VALUES ${Array(ROWS_PER_INSERT).fill(tuple).join(', ')}`,
    );
    const one = this.#prepare(`INSERT INTO ${table} (${names}) VALUES ${tuple}`);
    const width = columns.length;
    const args = new Array<unknown>(ROWS_PER_INSERT * width);
    this.#db.transaction(() => {
      let i = 0;
      for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
        for (let j = 0; j < ROWS_PER_INSERT; j++) {
          const row = rows[i + j]!;
          for (let c = 0; c < width; c++) args[j * width + c] = row[c];
        }
        many.run(args);
      }
      for (; i < rows.length; i++) one.run(...rows[i]!);
    })();
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const stmt = this.#prepare(sql);
    if (stmt.reader) return stmt.all(...params) as T[];
    stmt.run(...params);
    return [];
  }

  async close() {
    this.#db.close();
  }
}

const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** node-postgres pool; bulk inserts are one `INSERT … SELECT * FROM unnest(…)` per call (one array a column). */
class PostgresRawDb implements RawDb {
  readonly name = 'postgres' as const;
  readonly #pool: pg.Pool;

  constructor(uri: string, connections: number, bulkLoad: boolean) {
    this.#pool = new pg.Pool({
      connectionString: uri,
      max: connections,
      types,
      ...(bulkLoad ? { options: '-c session_replication_role=replica' } : {}),
    });
  }

  async insert(table: string, columns: readonly Column[], rows: readonly (readonly unknown[])[]) {
    const names = columns.map(([name]) => `"${name}"`).join(', ');
    const arrays = columns.map((_, i) => rows.map((row) => row[i]));
    const unnest = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
    await this.#pool.query(`INSERT INTO ${table} (${names}) SELECT * FROM unnest(${unnest})`, arrays);
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    let n = 0;
    const text = sql.replace(/\?/g, () => `$${++n}`);
    const result = await this.#pool.query(text, params as unknown[]);
    return result.rows as T[];
  }

  async close() {
    await this.#pool.end();
  }
}

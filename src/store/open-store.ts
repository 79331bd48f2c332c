import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Kysely, type MigrationProvider, Migrator, sql } from 'kysely';
import { invalid, MloopError } from '../core/errors.js';
import type { StoreDialect } from './dialect.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';
import { SqliteStoreDialect } from './sqlite/sqlite-dialect.js';

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  readonly uri: string;
  close(): Promise<void>;
}

/**
 * Parses a store URI: `sqlite:///relative.db`, `sqlite:////absolute.db` (SQLAlchemy's rule), or `postgresql://…`.
 * The PostgreSQL driver is loaded only for a PostgreSQL store: loading `pg` is a fifth of a local home's start-up.
 */
export async function dialectFor(uri: string): Promise<StoreDialect> {
  if (uri.startsWith('sqlite://')) {
    const rest = uri.slice('sqlite://'.length);
    if (!rest.startsWith('/')) throw invalid(`Invalid store URI ${uri}: expected sqlite:///path/to/file.db.`);
    const path = rest.slice(1) || ':memory:';
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    return new SqliteStoreDialect({
      path,
      synchronous: process.env.MLOOP_SQLITE_SYNCHRONOUS === 'full' ? 'full' : 'normal',
    });
  }
  if (uri.startsWith('postgresql://') || uri.startsWith('postgres://')) {
    const { PostgresStoreDialect } = await import('./postgres/postgres-dialect.js');
    return new PostgresStoreDialect(uri.replace(/^postgresql\+\w+:/, 'postgresql:'));
  }
  throw invalid(
    `Unsupported store URI ${JSON.stringify(uri)}: use sqlite:///path/to/mloop.db or postgresql://user:pass@host:port/db.`,
  );
}

/** Opens the metadata store and brings its schema up to date. */
export async function openStore(uri: string): Promise<Store> {
  const dialect = await dialectFor(uri);
  const db = dialect.createKysely();
  const all = migrations(dialect);
  if (await isCurrent(db, Object.keys(all))) return { db, dialect, uri, close: () => dialect.close() };
  const provider: MigrationProvider = { getMigrations: async () => all };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'mloop_migrations',
    migrationLockTableName: 'mloop_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await dialect.close();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MloopError(
      'INTERNAL_ERROR',
      `Schema migration ${failed} failed on ${redact(uri)}: ${String(error)}`,
      {
        cause: error,
      },
    );
  }
  return { db, dialect, uri, close: () => dialect.close() };
}

/**
 * Whether the store has run exactly these migrations: one query where Kysely's migrator, which also creates and
 * takes its lock table, costs 20–30 ms of every command on an existing home. Anything else (a new store, a newer
 * or older schema, an unreadable table) goes through the migrator, which applies or reports it.
 */
async function isCurrent(db: Kysely<Database>, names: readonly string[]): Promise<boolean> {
  try {
    const { rows } = await sql<{ name: string }>`select name from mloop_migrations`.execute(db);
    const done = new Set(rows.map((r) => r.name));
    return done.size === names.length && names.every((n) => done.has(n));
  } catch {
    return false;
  }
}

/** Hides a password in a connection URI before it reaches a log or an error message. */
export function redact(uri: string): string {
  return uri.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

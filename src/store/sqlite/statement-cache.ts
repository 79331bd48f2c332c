import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/**
 * The connection as Kysely's SQLite driver sees it, with prepared statements reused by SQL text. Kysely prepares
 * every query afresh; a search's page of 100 runs binds 100-value IN lists in six statements, and compiling them
 * each time was about a tenth of the query's CPU. Least recently used statements beyond `max` are dropped.
 */
export function cachingDatabase(db: BetterSqlite3.Database, max = 256): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => db.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
        // A statement still iterating (an unfinished stream) cannot run again; it gets a fresh twin.
        if (stmt.busy) stmt = db.prepare(sql);
      } else {
        stmt = db.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}

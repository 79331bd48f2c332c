import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { cachingDatabase } from '../../src/store/sqlite/statement-cache.js';

const open: BetterSqlite3.Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
});

function database(): BetterSqlite3.Database {
  const db = new BetterSqlite3(':memory:');
  open.push(db);
  db.exec('create table t (n integer); insert into t values (1), (2), (3)');
  return db;
}

describe('cachingDatabase', () => {
  it('hands back the same prepared statement for the same SQL', () => {
    const cached = cachingDatabase(database());
    const a = cached.prepare('select n from t where n > ?');
    expect(cached.prepare('select n from t where n > ?')).toBe(a);
    expect(cached.prepare('select n from t where n < ?')).not.toBe(a);
    expect(a.all([1])).toEqual([{ n: 2 }, { n: 3 }]);
  });

  it('prepares a fresh statement while the cached one is still iterating', () => {
    const cached = cachingDatabase(database());
    const sql = 'select n from t order by n';
    const first = cached.prepare(sql);
    const rows = first.iterate([]);
    expect(rows.next().value).toEqual({ n: 1 });
    const second = cached.prepare(sql);
    expect(second).not.toBe(first);
    expect(second.all([])).toHaveLength(3);
    expect(rows.next().value).toEqual({ n: 2 });
    rows.return?.();
  });

  it('drops the least recently used statement beyond its size', () => {
    const cached = cachingDatabase(database(), 2);
    const a = cached.prepare('select 1');
    const b = cached.prepare('select 2');
    expect(cached.prepare('select 1')).toBe(a);
    cached.prepare('select 3');
    expect(cached.prepare('select 1')).toBe(a);
    expect(cached.prepare('select 2')).not.toBe(b);
  });

  it('closes the connection', () => {
    const db = database();
    cachingDatabase(db).close();
    expect(db.open).toBe(false);
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.js';

const BETTER_SQLITE3 = createRequire(import.meta.url).resolve('better-sqlite3');

/**
 * Another process writing the same file (a replica, a CLI on `--home`) while the server is inside a transaction.
 * It says `writing` on stdout just before its write, and `done` after its commit.
 */
function otherProcessWrites(path: string) {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const Db = require(${JSON.stringify(BETTER_SQLITE3)});
       const db = new Db(${JSON.stringify(path)});
       db.pragma('busy_timeout = 10000');
       process.stdout.write('writing\\n');
       db.prepare('INSERT INTO other_writes VALUES (1)').run();
       process.stdout.write('done\\n');`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  const said = (word: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (out.includes(word)) resolve();
      };
      child.stdout.on('data', (d) => {
        out += String(d);
        check();
      });
      child.on('exit', (code) =>
        out.includes(word) ? resolve() : reject(new Error(`exit ${code}: ${out}`)),
      );
      check();
    });
  return { writing: said('writing'), done: said('done') };
}

describe('SQLite transactions beside another writer', () => {
  let store: Store | undefined;
  afterEach(async () => store?.close());

  it('a transaction that reads and then writes waits for the other writer instead of failing as locked', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mloop-sqlite-')), 'mloop.db');
    store = await openStore(`sqlite:///${path}`);
    await sql`CREATE TABLE other_writes (x)`.execute(store.db);
    const other = { current: undefined as ReturnType<typeof otherProcessWrites> | undefined };
    await store.db.transaction().execute(async (tx) => {
      // A read first: a deferred transaction would now hold a read snapshot that the other commit makes stale.
      await sql`SELECT count(*) FROM experiments`.execute(tx);
      other.current = otherProcessWrites(path);
      await other.current.writing;
      await new Promise((r) => setTimeout(r, 300));
      await sql`UPDATE experiments SET last_update_time = last_update_time`.execute(tx);
      await sql`CREATE TABLE mine (x)`.execute(tx);
    });
    await other.current!.done;
    const rows = await sql<{ n: number }>`SELECT (SELECT count(*) FROM other_writes) AS n`.execute(store.db);
    expect(rows.rows[0]!.n).toBe(1);
    expect((await sql`SELECT count(*) AS n FROM mine`.execute(store.db)).rows).toHaveLength(1);
  });
});

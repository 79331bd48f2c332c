import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

/** A file's identity for the cache: DVC's (inode, mtime, size) token. */
export interface StatKey {
  ino: number;
  mtimeMs: number;
  size: number;
}

export interface DirEntry {
  token: string;
  hash: string;
  size: number;
  files: number;
}

/** Where the stat cache lives: $MLOOP_STATE_DIR, else $XDG_CACHE_HOME/mloop, else ~/.cache/mloop. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MLOOP_STATE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'mloop');
}

/**
 * The stat cache (DVC's state database): absolute path → (inode, mtime, size, sha256), so an unchanged file is not
 * hashed again; and directory path → (walk token, manifest hash), so an unchanged directory needs its files stat'ed
 * but not looked up one by one. It is a local SQLite file, private to this machine and never shared.
 */
export class StatCache {
  private readonly db: BetterSqlite3.Database;
  private readonly getFile: BetterSqlite3.Statement;
  private readonly putFile: BetterSqlite3.Statement;
  private readonly getDir: BetterSqlite3.Statement;
  private readonly putDir: BetterSqlite3.Statement;

  constructor(dir = defaultStateDir()) {
    mkdirSync(dir, { recursive: true });
    this.db = new BetterSqlite3(join(dir, 'stat-cache.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, ino REAL NOT NULL, mtime REAL NOT NULL,
        size INTEGER NOT NULL, hash TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS dirs (path TEXT PRIMARY KEY, token TEXT NOT NULL, hash TEXT NOT NULL,
        size INTEGER NOT NULL, files INTEGER NOT NULL) WITHOUT ROWID;`);
    this.getFile = this.db.prepare('SELECT ino, mtime, size, hash FROM files WHERE path = ?');
    this.putFile = this.db.prepare(
      'INSERT INTO files (path, ino, mtime, size, hash) VALUES (?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET ino = excluded.ino, mtime = excluded.mtime, size = excluded.size, hash = excluded.hash',
    );
    this.getDir = this.db.prepare('SELECT token, hash, size, files FROM dirs WHERE path = ?');
    this.putDir = this.db.prepare(
      'INSERT INTO dirs (path, token, hash, size, files) VALUES (?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET token = excluded.token, hash = excluded.hash, size = excluded.size, files = excluded.files',
    );
  }

  /** The cached hash of a file whose (inode, mtime, size) still match, else undefined. */
  lookup(path: string, key: StatKey): string | undefined {
    const row = this.getFile.get(path) as
      | { ino: number; mtime: number; size: number; hash: string }
      | undefined;
    return row && row.ino === key.ino && row.mtime === key.mtimeMs && row.size === key.size
      ? row.hash
      : undefined;
  }

  /** Every cached file under a directory, by absolute path. */
  under(dir: string): Map<string, { ino: number; mtime: number; size: number; hash: string }> {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    const rows = this.db
      .prepare('SELECT path, ino, mtime, size, hash FROM files WHERE path >= ? AND path < ?')
      .all(prefix, `${prefix}\uffff`) as {
      path: string;
      ino: number;
      mtime: number;
      size: number;
      hash: string;
    }[];
    return new Map(rows.map((r) => [r.path, r]));
  }

  save(entries: readonly { path: string; key: StatKey; hash: string }[]): void {
    if (entries.length === 0) return;
    this.db.transaction(() => {
      for (const e of entries) this.putFile.run(e.path, e.key.ino, e.key.mtimeMs, e.key.size, e.hash);
    })();
  }

  dir(path: string): DirEntry | undefined {
    return this.getDir.get(path) as DirEntry | undefined;
  }

  saveDir(path: string, entry: DirEntry): void {
    this.putDir.run(path, entry.token, entry.hash, entry.size, entry.files);
  }

  close(): void {
    this.db.close();
  }
}

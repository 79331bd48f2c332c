import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, type PostgresCluster, startPostgres } from '../../test/support/postgres.js';
import type { BackendName } from './args.js';

/**
 * Where each benchmark gets a fresh, empty database: a temp-dir SQLite file, or a new database on one throw-away
 * PostgreSQL cluster (the test suite's: initdb on loopback, fsync=off, synchronous_commit=off) shared by the run.
 */
export class Backends {
  readonly #dirs: string[] = [];
  #cluster: Promise<PostgresCluster> | undefined;

  async freshUri(name: BackendName): Promise<string> {
    if (name === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'mloop-bench-'));
      this.#dirs.push(dir);
      return `sqlite:///${join(dir, 'mloop.db')}`;
    }
    this.#cluster ??= startPostgres();
    return createDatabase((await this.#cluster).url);
  }

  async close(): Promise<void> {
    for (const dir of this.#dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    if (this.#cluster) await (await this.#cluster).stop();
    this.#cluster = undefined;
  }
}

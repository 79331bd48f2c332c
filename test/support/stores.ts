import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createDatabase } from './postgres.js';

export interface StoreBackend {
  name: 'sqlite' | 'postgres';
  /** A fresh, migrated, empty store. */
  open(): Promise<Store>;
  /** A fresh store URI (nothing opened yet). */
  uri(): Promise<string>;
}

const sqlite: StoreBackend = {
  name: 'sqlite',
  uri: async () => `sqlite:///${join(mkdtempSync(join(tmpdir(), 'mloop-sqlite-')), 'mloop.db')}`,
  open: async () => openStore(await sqlite.uri()),
};

const postgres: StoreBackend = {
  name: 'postgres',
  uri: async () => createDatabase(inject('pgUrl')),
  open: async () => openStore(await postgres.uri()),
};

/** Every metadata store backend; shared suites loop over these (Kysely's `for (const dialect of DIALECTS)`). */
export const STORE_BACKENDS: readonly StoreBackend[] = [sqlite, postgres];

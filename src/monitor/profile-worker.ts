import { parentPort } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../store/dialect.js';
import { dialectFor } from '../store/open-store.js';
import type { Database, MonitorPredictionTable } from '../store/schema.js';
import { insertPredictions } from './prediction-insert.js';
import { profileWindow, type WindowJob } from './window-profile.js';

/**
 * The monitoring worker's program (see WindowProfiler): profiles a window's rows and merges them into its stored row,
 * and inserts predictions through a connection of its own (the parent opened the store and migrated it already).
 */
type Message =
  | { id: number; job: WindowJob }
  | { id: number; insert: { uri: string; rows: MonitorPredictionTable[] } }
  | { id: number; close: true };

let store: { uri: string; db: Kysely<Database>; dialect: StoreDialect } | undefined;

async function handle(msg: Message): Promise<unknown> {
  if ('job' in msg) return profileWindow(msg.job);
  if ('insert' in msg) {
    if (!store || store.uri !== msg.insert.uri) {
      const dialect = await dialectFor(msg.insert.uri);
      store = { uri: msg.insert.uri, db: dialect.createKysely(), dialect };
    }
    await store.db.executeQuery(insertPredictions(store.dialect.name, msg.insert.rows));
    return null;
  }
  await store?.dialect.close();
  store = undefined;
  return null;
}

parentPort!.on('message', (msg: Message) => {
  handle(msg).then(
    (result) => parentPort!.postMessage({ id: msg.id, ok: true, result }),
    (err: Error) => parentPort!.postMessage({ id: msg.id, ok: false, error: err?.message ?? String(err) }),
  );
});

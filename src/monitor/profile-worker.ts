import { parentPort } from 'node:worker_threads';
import { CompiledQuery, type Kysely } from 'kysely';
import type { StoreDialect } from '../store/dialect.js';
import { dialectFor } from '../store/open-store.js';
import type { Database } from '../store/schema.js';
import type { PredictionBatch } from './prediction-buffer.js';
import { insertPredictionBatch } from './prediction-insert.js';
import { type WindowWrite, writeWindow } from './window-write.js';

/**
 * The monitoring worker's program (see WindowProfiler): merges a window's rows into its stored row, and runs the
 * other writes of monitoring (predictions, purges), all through a connection of its own (the parent opened the store
 * and migrated it already).
 */
type Message =
  | { id: number; window: { uri: string; write: WindowWrite } }
  | { id: number; predictions: { uri: string; batch: PredictionBatch } }
  | { id: number; query: { uri: string; sql: string; parameters: unknown[] } }
  | { id: number; close: true };

let store: { uri: string; db: Kysely<Database>; dialect: StoreDialect } | undefined;

async function connect(uri: string): Promise<Kysely<Database>> {
  if (!store || store.uri !== uri) {
    await store?.dialect.close();
    const dialect = await dialectFor(uri);
    store = { uri, db: dialect.createKysely(), dialect };
  }
  return store.db;
}

async function handle(msg: Message): Promise<unknown> {
  if ('window' in msg) return writeWindow(await connect(msg.window.uri), msg.window.write);
  if ('predictions' in msg) {
    const db = await connect(msg.predictions.uri);
    await insertPredictionBatch(db, store!.dialect.name, msg.predictions.batch);
    return null;
  }
  if ('query' in msg) {
    const db = await connect(msg.query.uri);
    const result = await db.executeQuery(CompiledQuery.raw(msg.query.sql, msg.query.parameters));
    return { numAffectedRows: result.numAffectedRows };
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

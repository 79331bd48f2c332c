import { CompiledQuery, type Kysely } from 'kysely';
import type { Database, MonitorPredictionTable } from '../store/schema.js';
import { type PredictionBatch, predictionRows } from './prediction-buffer.js';

/** Rows per INSERT of predictions (SQLite allows 32,766 parameters: 10 per row). */
export const PREDICTION_ROWS = 500;
const PREDICTION_COLUMNS = [
  'prediction_id',
  'shadow',
  'deployment',
  'model_version',
  'timestamp',
  'window_start',
  'output',
  'groups',
  'label',
  'label_time',
] as const;
const insertTexts = new Map<string, string>();

/**
 * The INSERT of a flush's predictions, its text built once per dialect and row count: Kysely's query builder took
 * longer to compile a 500-row insert than the database took to run it, on the thread that serves requests.
 */
export function insertPredictions(
  dialect: 'sqlite' | 'postgres',
  rows: MonitorPredictionTable[],
): CompiledQuery {
  const key = `${dialect}/${rows.length}`;
  let text = insertTexts.get(key);
  if (!text) {
    const width = PREDICTION_COLUMNS.length;
    const placeholder = (i: number) => (dialect === 'postgres' ? `$${i + 1}` : '?');
    const tuples = rows.map(
      (_, r) => `(${PREDICTION_COLUMNS.map((_c, c) => placeholder(r * width + c)).join(', ')})`,
    );
    text = `insert into "monitor_predictions" (${PREDICTION_COLUMNS.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')} on conflict ("prediction_id", "shadow") do nothing`;
    insertTexts.set(key, text);
  }
  const parameters: unknown[] = [];
  for (const row of rows) for (const c of PREDICTION_COLUMNS) parameters.push(row[c]);
  return CompiledQuery.raw(text, parameters);
}

/**
 * Stores a flush's predictions, PREDICTION_ROWS per statement. A failure leaves some inserted: the whole batch is
 * retried with the next flush, and the rows already there are skipped (ON CONFLICT DO NOTHING).
 */
export async function insertPredictionBatch(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  batch: PredictionBatch,
): Promise<void> {
  for (let i = 0; i < batch.rows; i += PREDICTION_ROWS)
    await db.executeQuery(
      insertPredictions(dialect, predictionRows(batch, i, Math.min(batch.rows, i + PREDICTION_ROWS))),
    );
}

import { CompiledQuery } from 'kysely';
import type { MonitorPredictionTable } from '../store/schema.js';

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

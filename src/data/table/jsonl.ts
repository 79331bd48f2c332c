import { createReadStream } from 'node:fs';
import { DataError } from '../data-error.js';
import { DEFAULT_BATCH_ROWS } from './csv.js';
import { columnFromJson } from './infer.js';
import type { Batch } from './types.js';
import { decodeUtf8 } from './utf8.js';

/**
 * JSON Lines: one JSON object per line, blank lines skipped. Columns are the keys in order of first appearance;
 * a key a row leaves out is missing in that row.
 */
export async function* readJsonl(file: string, opts: { batchRows?: number } = {}): AsyncGenerator<Batch> {
  const batchRows = opts.batchRows ?? DEFAULT_BATCH_ROWS;
  const names: string[] = [];
  const known = new Map<string, number>();
  let rows: Record<string, unknown>[] = [];
  let offset = 0;
  let line = 0;
  let pending = '';

  const take = (text: string): void => {
    line++;
    const trimmed = text.trim();
    if (trimmed === '') return;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      throw new DataError(
        { file, line, row: offset + rows.length + 1 },
        `invalid JSON: ${(err as Error).message}.`,
      );
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DataError(
        { file, line, row: offset + rows.length + 1 },
        `expected a JSON object per line, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}.`,
      );
    }
    for (const key of Object.keys(value)) {
      if (!known.has(key)) {
        known.set(key, names.length);
        names.push(key);
      }
    }
    rows.push(value as Record<string, unknown>);
  };
  const flush = (): Batch => {
    const batch: Batch = {
      columns: names.map((name) =>
        columnFromJson(
          name,
          rows.map((r) => r[name]),
        ),
      ),
      numRows: rows.length,
      rowOffset: offset,
    };
    offset += rows.length;
    rows = [];
    return batch;
  };

  for await (const chunk of decodeUtf8(createReadStream(file, { highWaterMark: 1 << 20 }), file)) {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
      take(pending + chunk.slice(start, nl));
      pending = '';
      start = nl + 1;
      if (rows.length === batchRows) yield flush();
    }
    pending += chunk.slice(start);
  }
  if (pending !== '') take(pending);
  if (offset === 0 && rows.length === 0)
    throw new DataError({ file }, 'empty file: expected one JSON object per line.');
  if (rows.length > 0) yield flush();
}

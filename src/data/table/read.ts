import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { DataError } from '../data-error.js';
import type { Batch, ReadOptions, TableFormat } from './types.js';

const EXTENSIONS: Record<string, TableFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.arrow': 'arrow',
  '.arrows': 'arrow',
  '.feather': 'arrow',
  '.ipc': 'arrow',
};

/** The table format of a file by its extension, or undefined for files that are not tables. */
export function detectFormat(file: string): TableFormat | undefined {
  return EXTENSIONS[extname(file).toLowerCase()];
}

export const SUPPORTED_EXTENSIONS = Object.keys(EXTENSIONS);

/**
 * Reads a table file in batches (CSV and JSONL: `batchRows` rows; Parquet: a row group; Arrow: a record batch).
 * Bad input throws a `DataError` naming the file and, where it applies, the line, row and column.
 */
export async function* readBatches(
  file: string,
  opts: ReadOptions & { format?: TableFormat } = {},
): AsyncGenerator<Batch> {
  const format = opts.format ?? detectFormat(file);
  if (format === undefined) {
    throw new DataError(
      { file },
      `unknown table format; expected one of the extensions ${SUPPORTED_EXTENSIONS.join(', ')}.`,
    );
  }
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new DataError({ file }, 'not a regular file.');
    size = info.size;
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError({ file }, `cannot read: ${(err as Error).message}.`, { cause: err });
  }
  if (size === 0) throw new DataError({ file }, 'empty file (0 bytes): there is no table to read.');
  const source = await openReader(file, format, opts);
  try {
    yield* source;
  } catch (err) {
    if (err instanceof DataError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(
      { file },
      code ? `cannot read (${code}): ${(err as Error).message}.` : `cannot read: ${(err as Error).message}.`,
      { cause: err },
    );
  }
}

/**
 * The format's reader, loaded on first use: Apache Arrow, hyparquet and csv-parse are about 200 modules, and the
 * server and every local-home command import this file (through monitoring) while most of them never read a table.
 */
async function openReader(
  file: string,
  format: TableFormat,
  opts: ReadOptions,
): Promise<AsyncGenerator<Batch>> {
  if (format === 'csv' || format === 'tsv')
    return (await import('./csv.js')).readCsv(file, { delimiter: format === 'tsv' ? '\t' : ',', ...opts });
  if (format === 'jsonl') return (await import('./jsonl.js')).readJsonl(file, opts);
  if (format === 'parquet') return (await import('./parquet.js')).readParquet(file);
  return (await import('./arrow.js')).readArrow(file);
}

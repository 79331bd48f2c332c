import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { type CsvError, parse } from 'csv-parse';
import { DataError } from '../data-error.js';
import { columnFromText } from './infer.js';
import type { Batch } from './types.js';
import { decodeUtf8 } from './utf8.js';

export const DEFAULT_BATCH_ROWS = 65_536;

export interface CsvOptions {
  delimiter?: string;
  batchRows?: number;
}

/**
 * CSV (RFC 4180: quoted fields may hold delimiters, quotes and line breaks) with a header row, in batches. Each
 * batch infers its column types from its own cells; the profile and the schema reconcile batches whose types differ.
 */
export async function* readCsv(file: string, opts: CsvOptions = {}): AsyncGenerator<Batch> {
  const batchRows = opts.batchRows ?? DEFAULT_BATCH_ROWS;
  let firstRecord: string[] | undefined;
  const parser = parse({
    delimiter: opts.delimiter ?? ',',
    relax_column_count: false,
    skip_empty_lines: true,
    // The parser may fail on a later row of a chunk before the first record reaches the loop below; keep the
    // header as the parser sees it so that the error can still name columns.
    on_record: (record: string[]) => {
      firstRecord ??= record;
      return record;
    },
  });
  const text = Readable.from(decodeUtf8(createReadStream(file, { highWaterMark: 1 << 20 }), file));
  text.on('error', (err) => parser.destroy(err));
  text.pipe(parser);

  let header: string[] | undefined;
  let cells: string[][] = [];
  let rows = 0;
  let offset = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (header === undefined) {
        header = headerNames(file, record);
        cells = header.map(() => []);
        continue;
      }
      for (let c = 0; c < record.length; c++) cells[c]!.push(record[c]!);
      if (++rows === batchRows) {
        yield batch(header, cells, offset);
        offset += rows;
        rows = 0;
        cells = header.map(() => []);
      }
    }
  } catch (err) {
    throw csvError(file, err, header ?? firstRecord);
  } finally {
    text.destroy();
  }
  if (header === undefined)
    throw new DataError({ file }, 'empty file: expected a header row naming the columns.');
  if (rows > 0 || offset === 0) yield batch(header, cells, offset);
}

function batch(header: string[], cells: string[][], rowOffset: number): Batch {
  return {
    columns: header.map((name, c) => columnFromText(name, cells[c]!)),
    numRows: cells[0]?.length ?? 0,
    rowOffset,
  };
}

function headerNames(file: string, record: string[]): string[] {
  const seen = new Set<string>();
  return record.map((raw, i) => {
    const name = raw.trim() === '' ? `column_${i + 1}` : raw;
    if (seen.has(name)) {
      throw new DataError(
        { file, line: 1, column: i + 1 },
        `duplicate column name ${JSON.stringify(name)} in the header; column names must be unique.`,
      );
    }
    seen.add(name);
    return name;
  });
}

function csvError(file: string, err: unknown, header: string[] | undefined): Error {
  if (err instanceof DataError) return err;
  const e = err as Partial<CsvError> & { lines?: number; column?: number | string; record?: string[] };
  if (typeof e.code !== 'string' || (!e.code.startsWith('CSV_') && e.code !== 'INVALID_OPENING_QUOTE'))
    return err as Error;
  const line = typeof e.lines === 'number' ? e.lines : undefined;
  const index = typeof e.column === 'number' ? e.column : undefined;
  const column = index === undefined ? undefined : (header?.[index] ?? index + 1);
  switch (e.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
      const got = Array.isArray(e.record) ? e.record.length : undefined;
      return new DataError(
        { file, ...(line === undefined ? {} : { line }) },
        `ragged row: it has ${got ?? 'a different number of'} fields but the header has ${header?.length} columns. ` +
          'Quote fields that contain the delimiter, or fix the row.',
        { cause: err },
      );
    }
    case 'CSV_QUOTE_NOT_CLOSED':
      return new DataError(
        { file, ...(line === undefined ? {} : { line }), ...(column === undefined ? {} : { column }) },
        'broken quoting: a quoted field is never closed, so the rest of the file was read as one field. ' +
          'Close the quote, or double quotes inside quoted fields ("").',
        { cause: err },
      );
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'INVALID_OPENING_QUOTE':
      return new DataError(
        { file, ...(line === undefined ? {} : { line }), ...(column === undefined ? {} : { column }) },
        'broken quoting: a quote appears inside a field that is not quoted as a whole. ' +
          'Quote the whole field and double the inner quotes ("").',
        { cause: err },
      );
    default:
      return new DataError(
        { file, ...(line === undefined ? {} : { line }), ...(column === undefined ? {} : { column }) },
        `cannot parse CSV: ${e.message}`,
        { cause: err },
      );
  }
}

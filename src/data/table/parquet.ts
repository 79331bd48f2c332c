import { open } from 'node:fs/promises';
import {
  type AsyncBuffer,
  type FileMetaData,
  parquetMetadataAsync,
  parquetScan,
  type SchemaElement,
} from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { DataError } from '../data-error.js';
import { stringColumn } from './infer.js';
import { type Batch, BOOL_MISSING, type Column, type ColumnType } from './types.js';

/** hyparquet's defaults make Date objects; numbers (ms since the epoch) are what a timestamp column holds. */
const PARSERS = {
  timestampFromMilliseconds: (v: bigint) => Number(v),
  timestampFromMicroseconds: (v: bigint) => Number(v) / 1e3,
  timestampFromNanoseconds: (v: bigint) => Number(v) / 1e6,
  dateFromDays: (days: number) => days * 86_400_000,
};

/** Parquet, one batch per row group, so memory is bounded by the largest row group rather than the file. */
export async function* readParquet(file: string): AsyncGenerator<Batch> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const buffer: AsyncBuffer = {
      byteLength: size,
      async slice(start: number, end?: number) {
        const length = (end ?? size) - start;
        const out = new Uint8Array(length);
        let read = 0;
        while (read < length) {
          const { bytesRead } = await handle.read(out, read, length - read, start + read);
          if (bytesRead === 0) break;
          read += bytesRead;
        }
        return out.buffer;
      },
    };
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(buffer, { parsers: PARSERS });
    } catch (err) {
      throw new DataError({ file }, `not a readable Parquet file: ${(err as Error).message}.`, {
        cause: err,
      });
    }
    const fields = topLevelFields(metadata.schema);
    const scan = await parquetScan({
      file: buffer,
      metadata,
      compressors,
      parsers: PARSERS,
      useOffsetIndex: false,
    });
    let rowStart = 0;
    let emitted = false;
    for (const group of metadata.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows);
      if (rowEnd === rowStart) continue;
      const columns: Column[] = [];
      for (const field of fields) {
        let data: ArrayLike<unknown>;
        try {
          data = await scan.readColumn({ column: field.name, rowStart, rowEnd });
        } catch (err) {
          throw new DataError(
            { file, row: rowStart + 1, column: field.name },
            `corrupt Parquet data in the row group of rows ${rowStart + 1}-${rowEnd}: ${(err as Error).message}.`,
            { cause: err },
          );
        }
        if (data.length !== rowEnd - rowStart) {
          throw new DataError(
            { file, row: rowStart + 1, column: field.name },
            `corrupt Parquet data: the row group declares ${rowEnd - rowStart} rows but the column holds ${data.length}.`,
          );
        }
        columns.push(toColumn(field.name, field.type, data));
      }
      yield { columns, numRows: rowEnd - rowStart, rowOffset: rowStart };
      emitted = true;
      rowStart = rowEnd;
    }
    if (!emitted)
      yield {
        columns: fields.map((f) => ({ name: f.name, type: 'null' as const, length: 0 })),
        numRows: 0,
        rowOffset: 0,
      };
  } finally {
    await handle.close();
  }
}

interface Field {
  name: string;
  type: ColumnType;
}

/** The top-level columns and their logical types; nested columns are read as JSON text. */
function topLevelFields(schema: SchemaElement[]): Field[] {
  const fields: Field[] = [];
  let i = 1;
  const skip = (index: number): number => {
    const children = schema[index]?.num_children ?? 0;
    let next = index + 1;
    for (let c = 0; c < children; c++) next = skip(next);
    return next;
  };
  while (i < schema.length) {
    const el = schema[i]!;
    fields.push({ name: el.name, type: el.num_children ? 'string' : logicalType(el) });
    i = skip(i);
  }
  return fields;
}

function logicalType(el: SchemaElement): ColumnType {
  const logical = el.logical_type?.type;
  if (
    logical === 'TIMESTAMP' ||
    logical === 'DATE' ||
    el.converted_type === 'DATE' ||
    el.converted_type?.startsWith('TIMESTAMP')
  )
    return 'timestamp';
  if (el.type === 'INT96') return 'timestamp';
  switch (el.type) {
    case 'BOOLEAN':
      return 'bool';
    case 'INT32':
    case 'INT64':
      return logical === 'DECIMAL' || el.converted_type === 'DECIMAL' ? 'float' : 'int';
    case 'FLOAT':
    case 'DOUBLE':
      return 'float';
    default:
      return logical === 'DECIMAL' || el.converted_type === 'DECIMAL' ? 'float' : 'string';
  }
}

function toColumn(name: string, type: ColumnType, data: ArrayLike<unknown>): Column {
  const n = data.length;
  switch (type) {
    case 'bool': {
      const values = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = data[i];
        values[i] = v === true ? 1 : v === false ? 0 : BOOL_MISSING;
      }
      return { name, type, values };
    }
    case 'int':
    case 'float':
    case 'timestamp': {
      if (data instanceof Float64Array) return { name, type, values: data };
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = data[i];
        values[i] = v === null || v === undefined ? Number.NaN : v instanceof Date ? v.getTime() : Number(v);
      }
      return { name, type, values };
    }
    default: {
      const text = new Array<string | null>(n);
      for (let i = 0; i < n; i++) {
        const v = data[i];
        text[i] =
          v === null || v === undefined
            ? null
            : typeof v === 'string'
              ? v
              : v instanceof Uint8Array
                ? Buffer.from(v).toString('base64')
                : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x));
      }
      return stringColumn(name, text);
    }
  }
}

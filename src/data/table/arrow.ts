import { createReadStream } from 'node:fs';
import { type Field, type RecordBatch, RecordBatchReader, Type, type Vector } from 'apache-arrow';
import { DataError } from '../data-error.js';
import { stringColumn } from './infer.js';
import { type Batch, BOOL_MISSING, type Column, type ColumnType } from './types.js';

/** Arrow IPC, file or stream format, one batch per record batch. Dictionary-encoded strings keep their dictionary. */
export async function* readArrow(file: string): AsyncGenerator<Batch> {
  let reader: RecordBatchReader;
  try {
    reader = await RecordBatchReader.from(createReadStream(file));
    await reader.open();
  } catch (err) {
    throw new DataError({ file }, `not a readable Arrow IPC file: ${(err as Error).message}.`, {
      cause: err,
    });
  }
  const fields = reader.schema.fields;
  let offset = 0;
  let emitted = false;
  const batches = reader[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<RecordBatch>;
    try {
      next = await batches.next();
    } catch (err) {
      throw new DataError(
        { file, row: offset + 1 },
        `corrupt Arrow data after row ${offset}: ${(err as Error).message}.`,
        {
          cause: err,
        },
      );
    }
    if (next.done) break;
    const batch = next.value;
    const columns = fields.map((field, i) => toColumn(field, batch.getChildAt(i)!, batch.numRows));
    yield { columns, numRows: batch.numRows, rowOffset: offset };
    emitted = true;
    offset += batch.numRows;
  }
  if (!emitted)
    yield {
      columns: fields.map((f) => ({ name: f.name, type: 'null' as const, length: 0 })),
      numRows: 0,
      rowOffset: 0,
    };
}

function columnType(field: Field): ColumnType {
  switch (field.type.typeId) {
    case Type.Bool:
      return 'bool';
    case Type.Int:
      return 'int';
    case Type.Float:
    case Type.Decimal:
      return 'float';
    case Type.Timestamp:
    case Type.Date:
      return 'timestamp';
    default:
      return 'string';
  }
}

function toColumn(field: Field, vector: Vector, n: number): Column {
  const name = field.name;
  const type = columnType(field);
  switch (type) {
    case 'bool': {
      const values = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = vector.get(i);
        values[i] = v === null ? BOOL_MISSING : v ? 1 : 0;
      }
      return { name, type, values };
    }
    case 'int':
    case 'float':
    case 'timestamp': {
      const values = new Float64Array(n);
      const noNulls = vector.nullCount === 0;
      if (noNulls && type !== 'timestamp') {
        const raw = vector.toArray() as ArrayLike<number | bigint>;
        if (raw instanceof BigInt64Array || raw instanceof BigUint64Array)
          for (let i = 0; i < n; i++) values[i] = Number(raw[i]);
        else values.set(raw as ArrayLike<number>);
        return { name, type, values };
      }
      for (let i = 0; i < n; i++) {
        const v = vector.get(i) as unknown;
        values[i] = v === null || v === undefined ? Number.NaN : v instanceof Date ? v.getTime() : Number(v);
      }
      return { name, type, values };
    }
    default: {
      if (field.type.typeId === Type.Dictionary && vector.data.length === 1) {
        const data = vector.data[0]!;
        const dictVector = data.dictionary;
        if (
          dictVector &&
          (dictVector.type.typeId === Type.Utf8 || dictVector.type.typeId === Type.LargeUtf8)
        ) {
          const dictionary = Array.from({ length: dictVector.length }, (_, i) => String(dictVector.get(i)));
          const codes = new Int32Array(n);
          for (let i = 0; i < n; i++) {
            codes[i] = data.getValid(i) ? Number((data.values as ArrayLike<number | bigint>)[i]) : -1;
          }
          return { name, type: 'string', codes, dictionary };
        }
      }
      const text = new Array<string | null>(n);
      for (let i = 0; i < n; i++) {
        const v = vector.get(i) as unknown;
        text[i] =
          v === null || v === undefined
            ? null
            : typeof v === 'string'
              ? v
              : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x));
      }
      return stringColumn(name, text);
    }
  }
}

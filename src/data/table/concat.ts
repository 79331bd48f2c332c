import { stringColumn } from './infer.js';
import { readBatches } from './read.js';
import {
  type Batch,
  BOOL_MISSING,
  type Column,
  type ColumnType,
  cellValue,
  columnLength,
  type ReadOptions,
  type TableFormat,
} from './types.js';

/** The narrowest type that holds values of both types (int and float make float; other mixes make string). */
export function unifyTypes(a: ColumnType, b: ColumnType): ColumnType {
  if (a === b || b === 'null') return a;
  if (a === 'null') return b;
  if ((a === 'int' && b === 'float') || (a === 'float' && b === 'int')) return 'float';
  return 'string';
}

/** Concatenates batches into one table; a column absent from a batch is missing in its rows. */
export function concatBatches(batches: readonly Batch[]): Batch {
  const numRows = batches.reduce((sum, b) => sum + b.numRows, 0);
  const names: string[] = [];
  const types = new Map<string, ColumnType>();
  for (const b of batches) {
    for (const c of b.columns) {
      const seen = types.get(c.name);
      if (seen === undefined) names.push(c.name);
      types.set(c.name, seen === undefined ? c.type : unifyTypes(seen, c.type));
    }
  }
  const columns = names.map((name) => {
    const type = types.get(name)!;
    const parts = batches.map((b) => ({ column: b.columns.find((c) => c.name === name), rows: b.numRows }));
    return concatColumn(name, type, parts, numRows);
  });
  return { columns, numRows, rowOffset: 0 };
}

function concatColumn(
  name: string,
  type: ColumnType,
  parts: { column: Column | undefined; rows: number }[],
  n: number,
): Column {
  if (type === 'null') return { name, type, length: n };
  if (type === 'int' || type === 'float' || type === 'timestamp') {
    const values = new Float64Array(n).fill(Number.NaN);
    let at = 0;
    for (const { column, rows } of parts) {
      if (column && column.type !== 'null' && column.type !== 'string' && column.type !== 'bool')
        values.set(column.values, at);
      at += rows;
    }
    return { name, type, values };
  }
  if (type === 'bool') {
    const values = new Uint8Array(n).fill(BOOL_MISSING);
    let at = 0;
    for (const { column, rows } of parts) {
      if (column?.type === 'bool') values.set(column.values, at);
      at += rows;
    }
    return { name, type, values };
  }
  const text = new Array<string | null>(n).fill(null);
  let at = 0;
  for (const { column, rows } of parts) {
    if (column) {
      const len = columnLength(column);
      for (let i = 0; i < len; i++) {
        const v = cellValue(column, i);
        text[at + i] = v === null ? null : String(v);
      }
    }
    at += rows;
  }
  return stringColumn(name, text);
}

/** Reads a whole table file into memory (for files that fit; profile and validate stream instead). */
export async function readTable(
  file: string,
  opts: ReadOptions & { format?: TableFormat } = {},
): Promise<Batch> {
  const batches: Batch[] = [];
  for await (const b of readBatches(file, opts)) batches.push(b);
  return concatBatches(batches);
}

/**
 * The in-memory columnar table: one typed array per column, strings dictionary-encoded. Readers produce it in
 * batches (`Batch`), so that a file larger than memory can be profiled or validated one batch at a time.
 */

/** Logical column types. `null` is a column whose every value is missing. */
export type ColumnType = 'null' | 'bool' | 'int' | 'float' | 'timestamp' | 'string';

export const COLUMN_TYPES: readonly ColumnType[] = ['null', 'bool', 'int', 'float', 'timestamp', 'string'];

/**
 * Numbers. A missing value is NaN (a NaN in the source counts as missing too). `int` values are exact up to 2^53;
 * `timestamp` values are milliseconds since the Unix epoch (UTC).
 */
export interface NumberColumn {
  readonly name: string;
  readonly type: 'int' | 'float' | 'timestamp';
  readonly values: Float64Array;
}

/** Dictionary-encoded strings: `codes[i]` indexes `dictionary`, -1 is missing. */
export interface StringColumn {
  readonly name: string;
  readonly type: 'string';
  readonly codes: Int32Array;
  readonly dictionary: readonly string[];
}

/** Booleans: 0 false, 1 true, 2 missing. */
export interface BoolColumn {
  readonly name: string;
  readonly type: 'bool';
  readonly values: Uint8Array;
}

export interface NullColumn {
  readonly name: string;
  readonly type: 'null';
  readonly length: number;
}

export type Column = NumberColumn | StringColumn | BoolColumn | NullColumn;

export const BOOL_MISSING = 2;

/** A slice of a table's rows, in the order of the file. */
export interface Batch {
  readonly columns: readonly Column[];
  readonly numRows: number;
  /** Index of the batch's first row in the whole file (0-based). */
  readonly rowOffset: number;
}

export type TableFormat = 'csv' | 'tsv' | 'jsonl' | 'parquet' | 'arrow';

export interface ReadOptions {
  /** Rows per batch for row-oriented formats (CSV, JSONL); 65,536 by default. */
  batchRows?: number;
}

export function columnLength(column: Column): number {
  switch (column.type) {
    case 'null':
      return column.length;
    case 'string':
      return column.codes.length;
    default:
      return column.values.length;
  }
}

/** The value at `row` as JSON would hold it (null when missing; timestamps as ISO strings). */
export function cellValue(column: Column, row: number): string | number | boolean | null {
  switch (column.type) {
    case 'null':
      return null;
    case 'string': {
      const code = column.codes[row]!;
      return code < 0 ? null : column.dictionary[code]!;
    }
    case 'bool': {
      const v = column.values[row]!;
      return v === BOOL_MISSING ? null : v === 1;
    }
    default: {
      const v = column.values[row]!;
      if (Number.isNaN(v)) return null;
      return column.type === 'timestamp' ? new Date(v).toISOString() : v;
    }
  }
}

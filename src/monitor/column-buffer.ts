import type { Batch, Column } from '../data/table/types.js';
import type { RecordColumn } from './record-columns.js';

interface Buffer {
  kind: 'int' | 'float' | 'string';
  /** Numbers in a growing typed array (its first `length` items); no per-value boxing or array growth. */
  numbers: Float64Array;
  strings: (string | null)[];
  length: number;
}

/**
 * Rows of many requests gathered column by column, turned into one `Batch` for the profile builder, so that the
 * sketches are updated once per flush rather than once per request. Appending is the part of monitoring that runs
 * for every request on the serving thread, so it only copies values. A column missing from some requests is missing
 * (NaN / null) in those rows; a column that changes kind is kept as strings.
 */
export class ColumnBuffer {
  rows = 0;
  readonly #columns = new Map<string, Buffer>();

  append(columns: readonly RecordColumn[], rows: number): void {
    for (const c of columns) this.appendValues(c.name, c.kind, c.values, rows, 0, 1);
    this.rows += rows;
  }

  /**
   * Appends `rows` values of one column, read at `values[offset + i * stride]` (a column of a row-major [N, K]
   * tensor without copying it out first). Call `endRows(rows)` once after every column of the rows.
   */
  appendValues(
    name: string,
    kind: Buffer['kind'],
    values: ArrayLike<number> | readonly (string | number | null)[],
    rows: number,
    offset: number,
    stride: number,
  ): void {
    let b = this.#columns.get(name);
    if (!b) {
      b = { kind, numbers: new Float64Array(64), strings: [], length: 0 };
      this.#columns.set(name, b);
    }
    if (b.kind !== 'string' && kind === 'string') toStrings(b);
    if (b.kind === 'int' && kind === 'float') b.kind = 'float';
    pad(b, this.rows);
    if (b.kind === 'string') {
      for (let i = 0; i < rows; i++) {
        const v = values[offset + i * stride];
        b.strings.push(v === null ? null : String(v ?? ''));
      }
    } else {
      reserve(b, b.length + rows);
      const out = b.numbers;
      for (let i = 0; i < rows; i++) out[b.length + i] = values[offset + i * stride] as number;
    }
    b.length += rows;
  }

  endRows(rows: number): void {
    this.rows += rows;
  }

  /** Appends the rows of a batch made by `toBatch` (the rows of a flush that failed before they were profiled). */
  appendBatch(batch: Batch | null): void {
    if (!batch) return;
    for (const c of batch.columns) {
      if (c.type === 'string') {
        const strings = Array.from(c.codes, (code) => (code < 0 ? null : c.dictionary[code]!));
        this.appendValues(c.name, 'string', strings, batch.numRows, 0, 1);
      } else if ('values' in c)
        this.appendValues(c.name, c.type === 'int' ? 'int' : 'float', c.values, batch.numRows, 0, 1);
    }
    this.endRows(batch.numRows);
  }

  toBatch(): Batch {
    const columns: Column[] = [];
    for (const [name, b] of this.#columns) {
      pad(b, this.rows);
      if (b.kind === 'string') {
        const dictionary: string[] = [];
        const index = new Map<string, number>();
        const codes = new Int32Array(b.strings.length);
        b.strings.forEach((s, i) => {
          if (s === null) {
            codes[i] = -1;
            return;
          }
          let code = index.get(s);
          if (code === undefined) {
            code = dictionary.length;
            dictionary.push(s);
            index.set(s, code);
          }
          codes[i] = code;
        });
        columns.push({ name, type: 'string', codes, dictionary });
      } else columns.push({ name, type: b.kind, values: b.numbers.slice(0, b.length) });
    }
    return { columns, numRows: this.rows, rowOffset: 0 };
  }
}

function reserve(b: Buffer, size: number): void {
  if (size <= b.numbers.length) return;
  const grown = new Float64Array(Math.max(size, b.numbers.length * 2));
  grown.set(b.numbers.subarray(0, b.length));
  b.numbers = grown;
}

/** Fills a column up to `rows` with missing values (rows of requests that did not have it). */
function pad(b: Buffer, rows: number): void {
  if (b.length >= rows) return;
  if (b.kind === 'string') for (let i = b.length; i < rows; i++) b.strings.push(null);
  else {
    reserve(b, rows);
    b.numbers.fill(Number.NaN, b.length, rows);
  }
  b.length = rows;
}

function toStrings(b: Buffer): void {
  b.strings = Array.from(b.numbers.subarray(0, b.length), (n) => (Number.isNaN(n) ? null : String(n)));
  b.numbers = new Float64Array(0);
  b.kind = 'string';
}

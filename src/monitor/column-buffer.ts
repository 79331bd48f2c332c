import type { Batch, Column } from '../data/table/types.js';
import type { RecordColumn } from './record-columns.js';

interface Buffer {
  kind: 'int' | 'float' | 'string';
  numbers: number[];
  strings: (string | null)[];
}

/**
 * Rows of many requests gathered column by column, turned into one `Batch` for the profile builder, so that the
 * sketches are updated once per flush rather than once per request. A column missing from some requests is
 * missing (NaN / null) in those rows; a column that changes kind is kept as strings.
 */
export class ColumnBuffer {
  rows = 0;
  readonly #columns = new Map<string, Buffer>();

  append(columns: readonly RecordColumn[], rows: number): void {
    for (const c of columns) {
      let b = this.#columns.get(c.name);
      if (!b) {
        b = { kind: c.kind, numbers: [], strings: [] };
        this.#columns.set(c.name, b);
      }
      if (b.kind !== 'string' && c.kind === 'string') toStrings(b);
      if (b.kind === 'int' && c.kind === 'float') b.kind = 'float';
      const filled = b.kind === 'string' ? b.strings.length : b.numbers.length;
      pad(b, this.rows - filled);
      const values = c.values;
      if (b.kind === 'string') for (let i = 0; i < rows; i++) b.strings.push(String(values[i] ?? ''));
      else for (let i = 0; i < rows; i++) b.numbers.push(values[i] as number);
    }
    this.rows += rows;
  }

  toBatch(): Batch {
    const columns: Column[] = [];
    for (const [name, b] of this.#columns) {
      pad(b, this.rows - (b.kind === 'string' ? b.strings.length : b.numbers.length));
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
      } else columns.push({ name, type: b.kind, values: Float64Array.from(b.numbers) });
    }
    return { columns, numRows: this.rows, rowOffset: 0 };
  }
}

function pad(b: Buffer, missing: number): void {
  for (let i = 0; i < missing; i++) {
    if (b.kind === 'string') b.strings.push(null);
    else b.numbers.push(Number.NaN);
  }
}

function toStrings(b: Buffer): void {
  b.strings = b.numbers.map((n) => (Number.isNaN(n) ? null : String(n)));
  b.numbers = [];
  b.kind = 'string';
}

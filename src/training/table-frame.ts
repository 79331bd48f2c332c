import { invalid, show } from '../core/errors.js';
import { concatBatches } from '../data/table/concat.js';
import { readBatches } from '../data/table/read.js';
import { type Batch, BOOL_MISSING, type Column as TableColumn } from '../data/table/types.js';
import type { Column, Frame } from '../learn/index.js';

/**
 * The bridge from the data layer's tables to the learners' `Frame` (docs/architecture.md, "Training"): `learn/`
 * knows nothing of files and `data/` nothing of learners; this module depends on both.
 *
 * Mapping: int, float and timestamp columns (milliseconds since the epoch) are numeric with NaN as missing;
 * booleans are numeric 0/1; strings stay dictionary-coded categoricals; a column with no values is numeric NaN.
 */
export type FeatureKind = 'numeric' | 'categorical';

export interface FrameOptions {
  /** Keep only these columns; all of them by default. A name the table lacks is an error. */
  columns?: readonly string[];
  /**
   * The kinds a trained model expects: a numeric table column becomes categorical text ("1", "true") where the
   * model wants categorical, and a text column whose every value is a number becomes numeric where it wants numeric.
   */
  kinds?: Readonly<Record<string, FeatureKind>>;
  /** What was read, for error messages (a file, a directory, NAME@VERSION). */
  source: string;
}

/** Reads table files in order (batches streamed, then concatenated) into one frame of the requested columns. */
export async function readFrame(
  files: readonly string[],
  options: FrameOptions & { onRows?: (rows: number) => void },
): Promise<Frame> {
  const keep = options.columns ? new Set(options.columns) : undefined;
  const batches: Batch[] = [];
  const seen = new Set<string>();
  let rows = 0;
  for (const file of files) {
    for await (const batch of readBatches(file)) {
      for (const c of batch.columns) seen.add(c.name);
      const columns = keep ? batch.columns.filter((c) => keep.has(c.name)) : batch.columns;
      batches.push({ columns, numRows: batch.numRows, rowOffset: rows });
      rows += batch.numRows;
      options.onRows?.(rows);
    }
  }
  for (const name of options.columns ?? []) {
    if (!seen.has(name))
      throw invalid(
        `Column ${show(name)} is not in ${options.source}; its columns are: ${[...seen].join(', ') || '(none)'}.`,
      );
  }
  return frameFromTable(concatBatches(batches), options);
}

/** One table (a concatenated batch) as a frame. */
export function frameFromTable(table: Batch, options: FrameOptions): Frame {
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const names = options.columns ?? table.columns.map((c) => c.name);
  const columns: Record<string, Column> = {};
  for (const name of names) {
    const column = byName.get(name);
    if (!column) {
      const have = table.columns.map((c) => c.name);
      throw invalid(
        `Column ${show(name)} is not in ${options.source}; its columns are: ${have.join(', ') || '(none)'}.`,
      );
    }
    columns[name] = convert(column, table.numRows, options.kinds?.[name], options.source);
  }
  return { nRows: table.numRows, columns };
}

function convert(column: TableColumn, n: number, want: FeatureKind | undefined, source: string): Column {
  const kind = naturalKind(column);
  if (want === undefined || want === kind)
    return kind === 'numeric' ? toNumeric(column, n) : toCategorical(column, n);
  if (want === 'categorical') return toCategorical(column, n);
  return textAsNumbers(column, n, source);
}

const naturalKind = (c: TableColumn): FeatureKind => (c.type === 'string' ? 'categorical' : 'numeric');

function toNumeric(column: TableColumn, n: number): Column {
  switch (column.type) {
    case 'int':
    case 'float':
    case 'timestamp':
      return { kind: 'numeric', values: column.values };
    case 'bool':
      return {
        kind: 'numeric',
        values: Float64Array.from(column.values, (v) => (v === BOOL_MISSING ? Number.NaN : v)),
      };
    case 'null':
      return { kind: 'numeric', values: new Float64Array(n).fill(Number.NaN) };
    case 'string':
      throw new Error('unreachable: a string column is categorical');
  }
}

/** Text of each value (numbers as JavaScript prints them, booleans as true/false), dictionary-coded. */
function toCategorical(column: TableColumn, n: number): Column {
  if (column.type === 'string')
    return { kind: 'categorical', codes: column.codes, dictionary: column.dictionary };
  const codes = new Int32Array(n).fill(-1);
  if (column.type === 'null') return { kind: 'categorical', codes, dictionary: [] };
  const index = new Map<string, number>();
  const dictionary: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = column.values[i]!;
    let text: string | undefined;
    if (column.type === 'bool') text = v === BOOL_MISSING ? undefined : v === 1 ? 'true' : 'false';
    else if (!Number.isNaN(v)) text = column.type === 'timestamp' ? new Date(v).toISOString() : String(v);
    if (text === undefined) continue;
    let code = index.get(text);
    if (code === undefined) {
      code = dictionary.length;
      index.set(text, code);
      dictionary.push(text);
    }
    codes[i] = code;
  }
  return { kind: 'categorical', codes, dictionary };
}

function textAsNumbers(column: TableColumn, n: number, source: string): Column {
  if (column.type !== 'string') return toNumeric(column, n);
  const parsed = column.dictionary.map((text) => {
    const v = text.trim() === '' ? Number.NaN : Number(text);
    if (!Number.isFinite(v))
      throw invalid(
        `Column ${show(column.name)} in ${source} has the text ${show(text)}, but the model takes it as a number; pass numbers (or leave the value empty for missing).`,
      );
    return v;
  });
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const code = column.codes[i]!;
    values[i] = code < 0 ? Number.NaN : parsed[code]!;
  }
  return { kind: 'numeric', values };
}

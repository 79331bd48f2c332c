import { invalid, show } from '../core/errors.js';

/**
 * The columnar training input of the built-in learners: named columns of one length. Numeric columns are
 * Float64Array with NaN for missing; categorical columns are dictionary-coded (code -1 = missing). A data-table
 * adapter fills one of these; `frameFrom` builds one from plain arrays.
 */
export interface NumericColumn {
  readonly kind: 'numeric';
  readonly values: Float64Array;
}
export interface CategoricalColumn {
  readonly kind: 'categorical';
  /** Index into `dictionary` per row; -1 is missing. */
  readonly codes: Int32Array;
  readonly dictionary: readonly string[];
}
export type Column = NumericColumn | CategoricalColumn;

export interface Frame {
  readonly nRows: number;
  readonly columns: Readonly<Record<string, Column>>;
}

export type ColumnInput =
  | Float64Array
  | Float32Array
  | Int32Array
  | readonly (number | null | undefined)[]
  | readonly (string | null | undefined)[]
  | Column;

export const numeric = (values: Float64Array): NumericColumn => ({ kind: 'numeric', values });

/** Dictionary-codes strings; null/undefined are missing. The dictionary is in order of first appearance. */
export function categorical(values: readonly (string | null | undefined)[]): CategoricalColumn {
  const index = new Map<string, number>();
  const dictionary: string[] = [];
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      codes[i] = -1;
      continue;
    }
    let code = index.get(v);
    if (code === undefined) {
      code = dictionary.length;
      index.set(v, code);
      dictionary.push(v);
    }
    codes[i] = code;
  }
  return { kind: 'categorical', codes, dictionary };
}

function toColumn(name: string, input: ColumnInput): Column {
  if (input instanceof Float64Array) return numeric(input);
  if (input instanceof Float32Array || input instanceof Int32Array) return numeric(Float64Array.from(input));
  if (!Array.isArray(input)) return input as Column;
  const firstValue = input.find((v) => v !== null && v !== undefined);
  if (typeof firstValue === 'string') {
    const bad = input.findIndex((v) => v !== null && v !== undefined && typeof v !== 'string');
    if (bad >= 0)
      throw invalid(`Column ${show(name)} mixes strings and ${show(input[bad])} (row ${bad}); use one type.`);
    return categorical(input as (string | null | undefined)[]);
  }
  const values = new Float64Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const v = input[i];
    if (v === null || v === undefined) values[i] = Number.NaN;
    else if (typeof v === 'number') values[i] = v;
    else throw invalid(`Column ${show(name)} mixes numbers and ${show(v)} (row ${i}); use one type.`);
  }
  return numeric(values);
}

/** Builds a frame from plain arrays: numbers (null = missing) become numeric, strings categorical. */
export function frameFrom(columns: Record<string, ColumnInput>): Frame {
  const out: Record<string, Column> = {};
  let nRows = -1;
  for (const [name, input] of Object.entries(columns)) {
    const column = toColumn(name, input);
    const length = columnLength(column);
    if (nRows >= 0 && length !== nRows) {
      throw invalid(
        `Column ${show(name)} has ${length} rows but the frame has ${nRows}; columns must align.`,
      );
    }
    nRows = length;
    out[name] = column;
  }
  return { nRows: Math.max(nRows, 0), columns: out };
}

export const columnLength = (c: Column): number => (c.kind === 'numeric' ? c.values.length : c.codes.length);

export function getColumn(frame: Frame, name: string): Column {
  const column = frame.columns[name];
  if (!column) {
    throw invalid(
      `Column ${show(name)} is not in the data; columns are: ${Object.keys(frame.columns).join(', ') || '(none)'}.`,
    );
  }
  return column;
}

/** The value of row `i` as a string (categorical) or number (numeric); null when missing. */
export function cellValue(column: Column, i: number): string | number | null {
  if (column.kind === 'numeric') {
    const v = column.values[i]!;
    return Number.isNaN(v) ? null : v;
  }
  const code = column.codes[i]!;
  return code < 0 ? null : column.dictionary[code]!;
}

/** The rows `index` of every column (used for validation splits and slices). */
export function takeRows(frame: Frame, index: Uint32Array | readonly number[]): Frame {
  const columns: Record<string, Column> = {};
  for (const [name, c] of Object.entries(frame.columns)) {
    if (c.kind === 'numeric') {
      const values = new Float64Array(index.length);
      for (let i = 0; i < index.length; i++) values[i] = c.values[index[i]!]!;
      columns[name] = numeric(values);
    } else {
      const codes = new Int32Array(index.length);
      for (let i = 0; i < index.length; i++) codes[i] = c.codes[index[i]!]!;
      columns[name] = { kind: 'categorical', codes, dictionary: c.dictionary };
    }
  }
  return { nRows: index.length, columns };
}

import { BOOL_MISSING, type Column, type ColumnType } from './types.js';

/** Text cells read as missing (pandas' most common defaults). */
export const MISSING_TOKENS: ReadonlySet<string> = new Set([
  '',
  'NA',
  'N/A',
  'NaN',
  'nan',
  'null',
  'NULL',
  'None',
]);

const K_MISSING = 0;
const K_BOOL = 1;
const K_INT = 2;
const K_FLOAT = 3;
const K_TIME = 4;
const K_STRING = 5;

const INT = /^[+-]?(0|[1-9]\d*)$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TIMESTAMP = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d(?::\d\d)?)(\.\d+)?(Z|[+-]\d\d:?\d\d)?)?$/;
const TRUE = new Set(['true', 'TRUE', 'True']);
const FALSE = new Set(['false', 'FALSE', 'False']);

/** Milliseconds since the epoch of an ISO-8601 date or date-time (no zone means UTC), or NaN. */
export function parseTimestamp(text: string): number {
  const m = TIMESTAMP.exec(text);
  if (!m) return Number.NaN;
  if (m[2] === undefined) return Date.parse(`${m[1]}T00:00:00Z`);
  const time = m[2].length === 5 ? `${m[2]}:00` : m[2];
  const fraction = m[3] ? m[3].slice(0, 4).padEnd(4, '0') : '';
  const zone = m[4] === undefined ? 'Z' : m[4].length === 5 ? `${m[4].slice(0, 3)}:${m[4].slice(3)}` : m[4];
  return Date.parse(`${m[1]}T${time}${fraction}${zone}`);
}

/**
 * What a text cell looks like. Integers with leading zeros ("007", zip codes) stay strings, so that nothing is lost
 * by reading them as numbers; integers beyond 2^53 are read as floats.
 */
export function classifyText(text: string): number {
  if (MISSING_TOKENS.has(text)) return K_MISSING;
  const c = text.charCodeAt(0);
  const numeric = (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
  if (numeric) {
    if (INT.test(text)) return Number.isSafeInteger(Number(text)) ? K_INT : K_FLOAT;
    if (FLOAT.test(text)) return /^[+-]?0\d/.test(text) ? K_STRING : K_FLOAT;
    if (text.length >= 10 && !Number.isNaN(parseTimestamp(text))) return K_TIME;
    return K_STRING;
  }
  if (TRUE.has(text) || FALSE.has(text)) return K_BOOL;
  return K_STRING;
}

/** The one type that holds every kind seen (bitmask of K_* bits). */
function unify(mask: number): ColumnType {
  const kinds = mask & ~(1 << K_MISSING);
  if (kinds === 0) return 'null';
  if (kinds === 1 << K_BOOL) return 'bool';
  if (kinds === 1 << K_INT) return 'int';
  if ((kinds & ~((1 << K_INT) | (1 << K_FLOAT))) === 0) return 'float';
  if (kinds === 1 << K_TIME) return 'timestamp';
  return 'string';
}

/** Builds a typed column from text cells (CSV), inferring its type from the cells themselves. */
export function columnFromText(name: string, cells: readonly string[]): Column {
  const n = cells.length;
  const kinds = new Uint8Array(n);
  let mask = 0;
  for (let i = 0; i < n; i++) {
    const k = classifyText(cells[i]!);
    kinds[i] = k;
    mask |= 1 << k;
  }
  const type = unify(mask);
  switch (type) {
    case 'null':
      return { name, type, length: n };
    case 'bool': {
      const values = new Uint8Array(n);
      for (let i = 0; i < n; i++)
        values[i] = kinds[i] === K_MISSING ? BOOL_MISSING : TRUE.has(cells[i]!) ? 1 : 0;
      return { name, type, values };
    }
    case 'int':
    case 'float': {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = kinds[i] === K_MISSING ? Number.NaN : Number(cells[i]);
      return { name, type, values };
    }
    case 'timestamp': {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = kinds[i] === K_MISSING ? Number.NaN : parseTimestamp(cells[i]!);
      return { name, type, values };
    }
    default:
      return stringColumn(name, cells, (i) => kinds[i] === K_MISSING);
  }
}

/** Dictionary-encodes strings; `isMissing(i)` marks cells that are missing. */
export function stringColumn(
  name: string,
  cells: ArrayLike<string | null | undefined>,
  isMissing: (i: number) => boolean = (i) => cells[i] == null,
): Column {
  const n = cells.length;
  const codes = new Int32Array(n);
  const index = new Map<string, number>();
  const dictionary: string[] = [];
  for (let i = 0; i < n; i++) {
    if (isMissing(i)) {
      codes[i] = -1;
      continue;
    }
    const s = cells[i] as string;
    let code = index.get(s);
    if (code === undefined) {
      code = dictionary.length;
      dictionary.push(s);
      index.set(s, code);
    }
    codes[i] = code;
  }
  return { name, type: 'string', codes, dictionary };
}

/** Builds a typed column from JSON values (JSONL): JSON's own types, objects and arrays as JSON text. */
export function columnFromJson(name: string, cells: readonly unknown[]): Column {
  const n = cells.length;
  let mask = 0;
  for (let i = 0; i < n; i++) {
    const v = cells[i];
    if (v === null || v === undefined) mask |= 1 << K_MISSING;
    else if (typeof v === 'boolean') mask |= 1 << K_BOOL;
    else if (typeof v === 'number') mask |= Number.isSafeInteger(v) ? 1 << K_INT : 1 << K_FLOAT;
    else mask |= 1 << K_STRING;
  }
  const type = unify(mask);
  switch (type) {
    case 'null':
      return { name, type, length: n };
    case 'bool': {
      const values = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = cells[i];
        values[i] = v === true ? 1 : v === false ? 0 : BOOL_MISSING;
      }
      return { name, type, values };
    }
    case 'int':
    case 'float': {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = cells[i];
        values[i] = typeof v === 'number' ? v : Number.NaN;
      }
      return { name, type, values };
    }
    default: {
      const text = new Array<string | null>(n);
      for (let i = 0; i < n; i++) {
        const v = cells[i];
        text[i] =
          v === null || v === undefined
            ? null
            : typeof v === 'string'
              ? v
              : typeof v === 'object'
                ? JSON.stringify(v)
                : String(v);
      }
      return stringColumn(name, text);
    }
  }
}

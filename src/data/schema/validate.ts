import { parseTimestamp } from '../table/infer.js';
import { type Batch, BOOL_MISSING, type Column, type ColumnType } from '../table/types.js';
import type { ColumnSchema, DatasetSchema } from './schema.js';

export type AnomalyRule =
  | 'missing-column'
  | 'unexpected-column'
  | 'type-mismatch'
  | 'missing-values'
  | 'unseen-category'
  | 'out-of-range';

export interface AnomalyExample {
  /** 1-based data row. */
  row: number;
  value: string | number | boolean | null;
}

export interface Anomaly {
  rule: AnomalyRule;
  column: string;
  /** How many values (or rows) break the rule. */
  count: number;
  examples: AnomalyExample[];
  /** What the reference schema expects, in words. */
  expected: string;
  message: string;
}

export interface ValidationReport {
  rows: number;
  anomalies: Anomaly[];
}

const MAX_EXAMPLES = 5;
const INT_TEXT = /^[+-]?\d+$/;
const NUM_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TRUE_TEXT = new Set(['true', 'TRUE', 'True']);
const FALSE_TEXT = new Set(['false', 'FALSE', 'False']);

class Finding {
  count = 0;
  readonly examples: AnomalyExample[] = [];
  private readonly seen = new Set<string | number | boolean | null>();

  constructor(private readonly distinctExamples: boolean) {}

  hit(row: number, value: string | number | boolean | null, n = 1): void {
    this.count += n;
    if (this.examples.length >= MAX_EXAMPLES) return;
    if (this.distinctExamples) {
      if (this.seen.has(value)) return;
      this.seen.add(value);
    }
    this.examples.push({ row, value });
  }
}

class ColumnState {
  seen = false;
  missing = new Finding(false);
  mismatch = new Finding(true);
  unseen = new Finding(true);
  range = new Finding(false);
  readonly domain: Set<string> | undefined;

  constructor(readonly schema: ColumnSchema) {
    this.domain = schema.domain ? new Set(schema.domain.map(String)) : undefined;
  }
}

/**
 * Checks batches of new data against a reference schema, counting every violation exactly and keeping the first
 * examples with their rows. Memory is bounded by the schema, not by the data.
 */
export class Validator {
  private rows = 0;
  private readonly columns = new Map<string, ColumnState>();
  private readonly unexpected = new Map<string, Finding>();

  constructor(private readonly schema: DatasetSchema) {
    for (const c of schema.columns) this.columns.set(c.name, new ColumnState(c));
  }

  add(batch: Batch): void {
    const present = new Set<string>();
    for (const column of batch.columns) {
      present.add(column.name);
      const state = this.columns.get(column.name);
      if (!state) {
        const f = this.unexpected.get(column.name) ?? new Finding(false);
        this.unexpected.set(column.name, f);
        f.hit(batch.rowOffset + 1, null, batch.numRows);
        continue;
      }
      state.seen = true;
      checkColumn(state, column, batch.rowOffset);
    }
    // A reference column absent from this batch (JSONL rows may leave keys out) is missing in its rows.
    for (const [name, state] of this.columns) {
      if (present.has(name) || !state.seen) continue;
      for (let i = 0; i < batch.numRows; i++) state.missing.hit(batch.rowOffset + i + 1, null);
    }
    this.rows += batch.numRows;
  }

  finish(): ValidationReport {
    const anomalies: Anomaly[] = [];
    const rows = this.rows;
    for (const [name, state] of this.columns) {
      const s = state.schema;
      const expected = describe(s);
      if (!state.seen) {
        anomalies.push({
          rule: 'missing-column',
          column: name,
          count: rows,
          examples: [],
          expected,
          message: `column ${q(name)} is missing; the reference has it (${expected}).`,
        });
        continue;
      }
      if (state.mismatch.count > 0) {
        anomalies.push({
          rule: 'type-mismatch',
          column: name,
          count: state.mismatch.count,
          examples: state.mismatch.examples,
          expected: s.type,
          message: `${state.mismatch.count} value(s) of column ${q(name)} are not ${article(s.type)}, e.g. ${example(state.mismatch.examples)}.`,
        });
      }
      const rate = rows === 0 ? 0 : state.missing.count / rows;
      if (rate > s.maxMissingRate + 1e-12) {
        anomalies.push({
          rule: 'missing-values',
          column: name,
          count: state.missing.count,
          examples: state.missing.examples,
          expected: `at most ${pct(s.maxMissingRate)} missing`,
          message: `column ${q(name)} has ${state.missing.count} missing value(s) (${pct(rate)} of ${rows} rows), more than the allowed ${pct(s.maxMissingRate)}${s.nullable ? '' : ' (the reference had none)'}, e.g. at row ${state.missing.examples[0]?.row}.`,
        });
      }
      if (state.unseen.count > 0) {
        anomalies.push({
          rule: 'unseen-category',
          column: name,
          count: state.unseen.count,
          examples: state.unseen.examples,
          expected: `one of ${s.domain?.length} categories`,
          message: `${state.unseen.count} value(s) of column ${q(name)} are outside the reference's ${s.domain?.length} categories, e.g. ${example(state.unseen.examples)}.`,
        });
      }
      if (state.range.count > 0) {
        const range = `[${showNumber(s.min!, s.type)}, ${showNumber(s.max!, s.type)}]`;
        anomalies.push({
          rule: 'out-of-range',
          column: name,
          count: state.range.count,
          examples: state.range.examples,
          expected: `within ${range}`,
          message: `${state.range.count} value(s) of column ${q(name)} are outside the reference range ${range}, e.g. ${example(state.range.examples)}.`,
        });
      }
    }
    for (const [name, f] of this.unexpected) {
      anomalies.push({
        rule: 'unexpected-column',
        column: name,
        count: f.count,
        examples: [],
        expected: 'no such column',
        message: `column ${q(name)} is not in the reference schema.`,
      });
    }
    return { rows, anomalies };
  }
}

function checkColumn(state: ColumnState, column: Column, offset: number): void {
  const s = state.schema;
  const numeric = s.type === 'int' || s.type === 'float' || s.type === 'timestamp';
  const checkRange = numeric && s.min !== undefined && s.max !== undefined;
  const inRange = (v: number, row: number, shown: string | number) => {
    if (checkRange && (v < s.min! || v > s.max!)) state.range.hit(row, shown);
  };
  const checkDomain = (text: string, row: number, shown: string | boolean) => {
    if (state.domain && !state.domain.has(text)) state.unseen.hit(row, shown);
  };
  switch (column.type) {
    case 'null':
      for (let i = 0; i < column.length; i++) state.missing.hit(offset + i + 1, null);
      return;
    case 'bool': {
      for (let i = 0; i < column.values.length; i++) {
        const v = column.values[i]!;
        const row = offset + i + 1;
        if (v === BOOL_MISSING) state.missing.hit(row, null);
        else if (s.type === 'bool' || s.type === 'string' || s.type === 'null')
          checkDomain(String(v === 1), row, v === 1);
        else state.mismatch.hit(row, v === 1);
      }
      return;
    }
    case 'string': {
      // Each dictionary entry is judged once; rows are then walked for counts and examples.
      const verdict = column.dictionary.map((text) => judgeText(s, state, text));
      for (let i = 0; i < column.codes.length; i++) {
        const code = column.codes[i]!;
        const row = offset + i + 1;
        if (code < 0) {
          state.missing.hit(row, null);
          continue;
        }
        const v = verdict[code]!;
        const text = column.dictionary[code]!;
        if (v === MISMATCH) state.mismatch.hit(row, text);
        else if (v === UNSEEN) state.unseen.hit(row, text);
        else if (typeof v === 'number') inRange(v, row, text);
      }
      return;
    }
    default: {
      const a: ColumnType = column.type;
      const compatible =
        s.type === a ||
        s.type === 'null' ||
        s.type === 'string' ||
        (s.type === 'float' && a === 'int') ||
        (s.type === 'int' && a === 'float');
      const values = column.values;
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        const row = offset + i + 1;
        if (Number.isNaN(v)) {
          state.missing.hit(row, null);
          continue;
        }
        const shown = a === 'timestamp' ? new Date(v).toISOString() : v;
        if (!compatible || (s.type === 'int' && !Number.isInteger(v))) state.mismatch.hit(row, shown);
        else if (s.type === 'string') checkDomain(String(shown), row, String(shown));
        else inRange(v, row, shown);
      }
    }
  }
}

const MISMATCH = 'mismatch';
const UNSEEN = 'unseen';

/** A text value against the expected type: its number (for range checks), MISMATCH, UNSEEN or OK. */
function judgeText(
  s: ColumnSchema,
  state: ColumnState,
  text: string,
): number | typeof MISMATCH | typeof UNSEEN | 'ok' {
  switch (s.type) {
    case 'int':
      return INT_TEXT.test(text) ? Number(text) : MISMATCH;
    case 'float':
      return NUM_TEXT.test(text) ? Number(text) : MISMATCH;
    case 'timestamp': {
      const t = parseTimestamp(text);
      return Number.isNaN(t) ? MISMATCH : t;
    }
    case 'bool':
      if (!TRUE_TEXT.has(text) && !FALSE_TEXT.has(text)) return MISMATCH;
      return state.domain && !state.domain.has(String(TRUE_TEXT.has(text))) ? UNSEEN : 'ok';
    case 'string':
      return state.domain && !state.domain.has(text) ? UNSEEN : 'ok';
    default:
      return 'ok';
  }
}

const q = (name: string) => JSON.stringify(name);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const article = (type: ColumnType) =>
  ({
    int: 'integers',
    float: 'numbers',
    timestamp: 'timestamps',
    bool: 'booleans',
    string: 'strings',
    null: 'missing',
  })[type];

function describe(s: ColumnSchema): string {
  return `${s.type}${s.nullable ? ', nullable' : ''}`;
}

function showNumber(v: number, type: ColumnType): string {
  return type === 'timestamp' ? new Date(v).toISOString() : String(v);
}

function example(examples: AnomalyExample[]): string {
  return examples
    .slice(0, 3)
    .map((e) => `${JSON.stringify(e.value)} (row ${e.row})`)
    .join(', ');
}

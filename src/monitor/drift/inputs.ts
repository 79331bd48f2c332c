import type { ColumnProfile } from '../../data/profile/column-profile.js';
import type { Batch, Column } from '../../data/table/types.js';
import { BOOL_MISSING } from '../../data/table/types.js';
import type { DriftInput } from './types.js';

/**
 * One column's values gathered over batches: numbers into one growing Float64Array (NaN for missing), strings and
 * booleans into counts per value. A column whose batches disagree (numbers in some, text in others, as CSV inference
 * can produce) becomes categorical, its numbers counted by their text (`String(n)`, timestamps as ISO-8601).
 */
class ColumnValues {
  kind: 'none' | 'numeric' | 'categorical' = 'none';
  /** The batches' number arrays, by reference until `input()` joins them (readers make a fresh array per batch). */
  chunks: Float64Array[] = [];
  length = 0;
  integer = true;
  timestamp = false;
  counts = new Map<string, number>();
  missing = 0;
  /** Rows of all-missing ('null') batches seen before the kind was known. */
  pendingMissing = 0;

  add(column: Column): void {
    switch (column.type) {
      case 'null':
        if (this.kind === 'numeric') this.pushNumbers(new Float64Array(column.length).fill(Number.NaN));
        else if (this.kind === 'categorical') this.missing += column.length;
        else this.pendingMissing += column.length;
        this.integer = false;
        return;
      case 'string':
        this.toCategorical();
        this.addStrings(column.codes, column.dictionary);
        return;
      case 'bool':
        this.toCategorical();
        this.addBools(column.values);
        return;
      default:
        if (column.type === 'timestamp') this.timestamp = true;
        if (column.type !== 'int') this.integer = false;
        if (this.kind === 'categorical') {
          this.countNumbers(column.values, 0, column.values.length);
          return;
        }
        if (this.kind === 'none') {
          this.kind = 'numeric';
          if (this.pendingMissing) this.pushNumbers(new Float64Array(this.pendingMissing).fill(Number.NaN));
        }
        this.pushNumbers(column.values);
    }
  }

  private pushNumbers(values: Float64Array): void {
    this.chunks.push(values);
    this.length += values.length;
    if (this.integer)
      for (let i = 0; i < values.length; i++)
        if (Number.isNaN(values[i]!)) {
          this.integer = false;
          break;
        }
  }

  /** All numbers so far in one array (the chunks joined once, at the end). */
  private numbers(): Float64Array {
    if (this.chunks.length === 1) return this.chunks[0]!.slice();
    const out = new Float64Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  private toCategorical(): void {
    if (this.kind === 'categorical') return;
    if (this.kind === 'numeric') for (const c of this.chunks) this.countNumbers(c, 0, c.length);
    this.missing += this.pendingMissing;
    this.pendingMissing = 0;
    this.kind = 'categorical';
    this.chunks = [];
    this.length = 0;
  }

  private countNumbers(values: Float64Array, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const v = values[i]!;
      if (Number.isNaN(v)) this.missing++;
      else {
        const key = this.timestamp ? new Date(v).toISOString() : String(v);
        this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
      }
    }
  }

  private addStrings(codes: Int32Array, dictionary: readonly string[]): void {
    const per = new Float64Array(dictionary.length);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!;
      if (c < 0) this.missing++;
      else per[c]!++;
    }
    for (let d = 0; d < dictionary.length; d++)
      if (per[d]) this.counts.set(dictionary[d]!, (this.counts.get(dictionary[d]!) ?? 0) + per[d]!);
  }

  private addBools(values: Uint8Array): void {
    let t = 0;
    let f = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v === 1) t++;
      else if (v === 0) f++;
      else if (v === BOOL_MISSING) this.missing++;
    }
    if (t) this.counts.set('true', (this.counts.get('true') ?? 0) + t);
    if (f) this.counts.set('false', (this.counts.get('false') ?? 0) + f);
  }

  input(): DriftInput {
    if (this.kind === 'numeric')
      return {
        kind: 'numeric',
        values: this.numbers(),
        ...(this.integer ? { integer: true } : {}),
        ...(this.timestamp ? { timestamp: true } : {}),
      };
    return { kind: 'categorical', counts: this.counts, missing: this.missing + this.pendingMissing };
  }
}

/**
 * Gathers drift inputs from a table's batches (`readBatches` of any format): numbers (int, float, timestamp) as numeric
 * inputs, strings and booleans as categorical counts. A column missing from some batches counts as missing there.
 * The batches' number arrays are referenced (not copied) until the call returns, so a source must not reuse one array
 * for two batches (the table readers never do).
 * `columns` keeps only those columns (in that order; ones the table lacks are absent from the result).
 */
export async function driftInputsFromBatches(
  batches: AsyncIterable<Batch> | Iterable<Batch>,
  columns?: string[],
): Promise<Map<string, DriftInput>> {
  const wanted = columns ? new Set(columns) : undefined;
  const acc = new Map<string, ColumnValues>();
  let rows = 0;
  for await (const batch of batches) {
    const seen = new Set<string>();
    for (const column of batch.columns) {
      if (wanted && !wanted.has(column.name)) continue;
      let values = acc.get(column.name);
      if (!values) {
        values = new ColumnValues();
        if (rows) values.add({ name: column.name, type: 'null', length: rows });
        acc.set(column.name, values);
      }
      values.add(column);
      seen.add(column.name);
    }
    for (const [name, values] of acc)
      if (!seen.has(name)) values.add({ name, type: 'null', length: batch.numRows });
    rows += batch.numRows;
  }
  const out = new Map<string, DriftInput>();
  const order = columns ? columns.filter((c) => acc.has(c)) : [...acc.keys()];
  for (const name of order) out.set(name, acc.get(name)!.input());
  return out;
}

/**
 * An approximate drift input rebuilt from a mergeable column profile (a serving window's profile), so drift can be
 * computed without the rows:
 * - numbers (int, float, timestamp): the KLL sketch's retained items with their weights (2^level). Sizes are exact
 *   (the weights sum to the count), the empirical distribution is within the sketch's rank error (about ±1.05% of the
 *   rows at k = 256), and distinct-value counts are those of the retained items (a low-cardinality column keeps its
 *   values; a value seen rarely can be absent);
 * - strings and booleans: the Misra-Gries frequent items. Exact when the summary never evicted anything; otherwise
 *   each count is a lower bound and the remaining rows form one extra category, "(other values)".
 */
export function driftInputFromProfile(profile: ColumnProfile): DriftInput {
  const numeric = profile.type === 'int' || profile.type === 'float' || profile.type === 'timestamp';
  if (numeric) {
    const state = profile.quantiles;
    const values: number[] = [];
    const weights: number[] = [];
    if (state)
      state.levels.forEach((items, h) => {
        for (const v of items) {
          values.push(v);
          weights.push(2 ** h);
        }
      });
    if (profile.missing > 0) {
      values.push(Number.NaN);
      weights.push(profile.missing);
    }
    const exact = !state || state.levels.length <= 1;
    return {
      kind: 'numeric',
      values: Float64Array.from(values),
      weights: Float64Array.from(weights),
      ...(profile.type === 'int' && profile.missing === 0 ? { integer: true } : {}),
      ...(profile.type === 'timestamp' ? { timestamp: true } : {}),
      ...(exact
        ? {}
        : {
            approximate: `rebuilt from the KLL quantile sketch of ${profile.count - profile.missing} values (k = ${state!.k}; ranks within about ±${(profile.summary.errors.quantileRank * 100).toFixed(2)}%)`,
          }),
    };
  }
  const counts = new Map<string, number>();
  let held = 0;
  for (const [value, count] of profile.frequent.items) {
    const key = String(value);
    counts.set(key, (counts.get(key) ?? 0) + count);
    held += count;
  }
  const rest = profile.frequent.n - held;
  if (rest > 0) counts.set(OTHER_VALUES, (counts.get(OTHER_VALUES) ?? 0) + rest);
  return {
    kind: 'categorical',
    counts,
    missing: profile.missing,
    ...(rest > 0
      ? {
          approximate: `rebuilt from the frequent-items summary (${profile.frequent.items.length} values kept of about ${profile.summary.distinct}; each count at most ${profile.summary.errors.frequentCount} low; ${rest} rows in "${OTHER_VALUES}")`,
        }
      : {}),
  };
}

export const OTHER_VALUES = '(other values)';

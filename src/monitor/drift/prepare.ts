import { show } from '../../core/errors.js';
import {
  type Binned,
  binsOfCategories,
  type Categories,
  categoriesOfCounts,
  categoriesOfSamples,
  sturgesBins,
} from './binning.js';
import { distinctUnion, type NumericSample, numericSample } from './sample.js';
import { DriftError, type DriftInput } from './types.js';

/** One side of a column, ready for the tests. */
export type Prepared =
  | { kind: 'numeric'; sample: NumericSample; integer: boolean; timestamp: boolean; approximate?: string }
  | {
      kind: 'categorical';
      counts: Map<string, number>;
      /** Sum of the counts. */
      n: number;
      /** Keys with a count above 0. */
      distinct: number;
      missing: number;
      approximate?: string;
    };

export type NumericPair = {
  ref: Extract<Prepared, { kind: 'numeric' }>;
  cur: Extract<Prepared, { kind: 'numeric' }>;
};
export type CategoricalPair = {
  ref: Extract<Prepared, { kind: 'categorical' }>;
  cur: Extract<Prepared, { kind: 'categorical' }>;
};
export type Pair = NumericPair | CategoricalPair;

export function prepare(column: string, side: 'reference' | 'current', input: DriftInput): Prepared {
  if (input === null || typeof input !== 'object')
    throw new DriftError(
      'invalid-input',
      `${side} input of column "${column}" is ${show(input)}; expected a DriftInput object.`,
    );
  if (input.kind === 'numeric') {
    if (!(input.values instanceof Float64Array))
      throw new DriftError(
        'invalid-input',
        `${side} input of column "${column}": values must be a Float64Array (NaN for missing), got ${show(input.values)}.`,
      );
    if (input.weights !== undefined && !(input.weights instanceof Float64Array))
      throw new DriftError(
        'invalid-input',
        `${side} input of column "${column}": weights must be a Float64Array or absent, got ${show(input.weights)}.`,
      );
    let sample: NumericSample;
    try {
      sample = numericSample(input.values, input.weights);
    } catch (err) {
      if (err instanceof DriftError)
        throw new DriftError(err.reason, `${side} input of column "${column}": ${err.message}`);
      throw err;
    }
    return {
      kind: 'numeric',
      sample,
      integer: input.integer === true,
      timestamp: input.timestamp === true,
      ...(input.approximate ? { approximate: input.approximate } : {}),
    };
  }
  if (input.kind === 'categorical') {
    if (!(input.counts instanceof Map))
      throw new DriftError(
        'invalid-input',
        `${side} input of column "${column}": counts must be a Map of value → count, got ${show(input.counts)}.`,
      );
    let n = 0;
    let distinct = 0;
    for (const [value, count] of input.counts) {
      if (typeof value !== 'string')
        throw new DriftError(
          'invalid-input',
          `${side} input of column "${column}": category ${show(value)} is not a string; categorical keys are strings.`,
        );
      if (!(Number.isFinite(count) && count >= 0))
        throw new DriftError(
          'invalid-input',
          `${side} input of column "${column}": the count of ${show(value)} is ${count}; counts must be finite and ≥ 0.`,
        );
      n += count;
      if (count > 0) distinct++;
    }
    const missing = input.missing ?? 0;
    if (!(Number.isFinite(missing) && missing >= 0))
      throw new DriftError(
        'invalid-input',
        `${side} input of column "${column}": missing is ${show(input.missing)}; it must be a count ≥ 0.`,
      );
    return {
      kind: 'categorical',
      counts: input.counts,
      n,
      distinct,
      missing,
      ...(input.approximate ? { approximate: input.approximate } : {}),
    };
  }
  throw new DriftError(
    'invalid-input',
    `${side} input of column "${column}" has kind ${show((input as { kind?: unknown }).kind)}; expected "numeric" or "categorical".`,
  );
}

export const sizeOf = (p: Prepared): number => (p.kind === 'numeric' ? p.sample.n : p.n);
export const missingOf = (p: Prepared): number => (p.kind === 'numeric' ? p.sample.missing : p.missing);

/** Distinct non-missing values over both sides (Evidently's `nunique(concat(reference, current))`). */
export function distinctValues(pair: Pair): number {
  if (pair.ref.kind === 'numeric') return distinctUnion(pair.ref.sample, (pair as NumericPair).cur.sample);
  const ref = pair.ref.counts;
  let d = pair.ref.distinct;
  for (const [k, c] of (pair as CategoricalPair).cur.counts) if (c > 0 && !((ref.get(k) ?? 0) > 0)) d++;
  return d;
}

/** Both sides' counts per value (numbers of a numeric column are values too). */
export function categories(pair: Pair): Categories {
  if (pair.ref.kind === 'numeric')
    return categoriesOfSamples(pair.ref.sample, (pair as NumericPair).cur.sample);
  return categoriesOfCounts(pair.ref.counts, (pair as CategoricalPair).cur.counts);
}

/**
 * Evidently's `get_binned_data`: Sturges bins over both samples for a numeric column with more than 20 distinct
 * reference values, otherwise one bin per value of either side.
 */
export function evidentlyBins(pair: Pair): Binned {
  if (pair.ref.kind === 'numeric' && pair.ref.sample.values.length > 20)
    return sturgesBins(pair.ref.sample, (pair as NumericPair).cur.sample, integerPair(pair as NumericPair));
  return binsOfCategories(categories(pair));
}

/** numpy keeps integer dtype only when both sides are integer columns (pandas makes int + float float). */
export const integerPair = (pair: NumericPair): boolean => pair.ref.integer && pair.cur.integer;

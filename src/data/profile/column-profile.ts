import { unifyTypes } from '../table/concat.js';
import type { Column, ColumnType } from '../table/types.js';
import { FrequentItems, type FrequentState, type ItemValue } from './frequent.js';
import { hashString } from './hash32.js';
import { HLL_RELATIVE_ERROR, Hll, type HllState } from './hll.js';
import { KLL_K, Kll, type KllState, kllRankError } from './kll.js';
import { type Moments, mergeMoments, momentsOf } from './moments.js';
import { NumberCounter } from './value-counter.js';

export type TypeCounts = Record<Exclude<ColumnType, 'null'>, number>;

/** Quantiles every summary reports. */
export const SUMMARY_QUANTILES = [0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1] as const;
export const HISTOGRAM_BINS = 20;
export const TOP_K = 10;

/**
 * The profile of one column: a plain JSON object. The mergeable state is `count`, `missing`, `typeCounts`,
 * `numeric` (exact), and the sketches `quantiles` (KLL), `distinct` (HyperLogLog) and `frequent` (Misra-Gries);
 * `summary` is derived from them and recomputed by every merge.
 */
export interface ColumnProfile {
  name: string;
  /** The type that holds every value seen (int and float make float; other mixes make string). */
  type: ColumnType;
  /** Rows, missing values included. */
  count: number;
  missing: number;
  /** Non-missing values by the type they were read as. */
  typeCounts: TypeCounts;
  /** Exact moments of the numeric values (int, float, timestamp as ms since the epoch). */
  numeric: Moments | null;
  quantiles: KllState | null;
  distinct: HllState;
  frequent: FrequentState;
  summary: ColumnSummary;
}

export interface ColumnSummary {
  /** Sample variance (n − 1 in the denominator) of the numeric values; null below two values. */
  variance: number | null;
  stddev: number | null;
  quantiles: { q: number; value: number }[];
  /** Equal-width bins between min and max (one bin per integer for narrow integer ranges); counts from the KLL sketch. */
  histogram: { edges: number[]; counts: number[] } | null;
  /** Estimated number of distinct non-missing values. */
  distinct: number;
  /** The most frequent values; each count is a lower bound, at most `errors.frequentCount` below the truth. */
  topK: { value: ItemValue; count: number }[];
  /** Stated error of each sketch-derived field. */
  errors: { quantileRank: number; distinctRelative: number; frequentCount: number; histogramCount: number };
}

const emptyTypeCounts = (): TypeCounts => ({ bool: 0, int: 0, float: 0, timestamp: 0, string: 0 });

/** The mutable accumulator behind a `ColumnProfile`: fed column batches, turned into the plain profile at the end. */
export class ColumnAccumulator {
  type: ColumnType = 'null';
  count = 0;
  missing = 0;
  typeCounts = emptyTypeCounts();
  moments: Moments | null = null;
  kll: Kll | null = null;
  readonly hll: Hll;
  readonly frequent: FrequentItems;
  private counter?: NumberCounter;

  constructor(
    readonly name: string,
    hll?: Hll,
    frequent?: FrequentItems,
  ) {
    this.hll = hll ?? new Hll();
    this.frequent = frequent ?? new FrequentItems();
  }

  addMissing(rows: number): void {
    this.count += rows;
    this.missing += rows;
  }

  add(column: Column): void {
    this.type = unifyTypes(this.type, column.type);
    switch (column.type) {
      case 'null':
        this.addMissing(column.length);
        return;
      case 'bool':
        this.addBool(column.values);
        return;
      case 'string':
        this.addStrings(column.codes, column.dictionary);
        return;
      default:
        this.addNumbers(column.type, column.values);
    }
  }

  private addNumbers(type: 'int' | 'float' | 'timestamp', values: Float64Array): void {
    const m = momentsOf(values);
    const valid = m?.count ?? 0;
    this.count += values.length;
    this.missing += values.length - valid;
    if (!m) return;
    this.typeCounts[type] += valid;
    this.moments = mergeMoments(this.moments, m);
    this.counter ??= new NumberCounter();
    const counter = this.counter;
    counter.count(values);
    this.kll ??= new Kll(KLL_K);
    this.kll.updateWeighted(counter.values, counter.valueCounts, counter.size);
    for (let i = 0; i < counter.size; i++) this.hll.add(counter.hash(i));
    this.frequent.addCounts(counter.values, counter.valueCounts, counter.size);
  }

  private addStrings(codes: Int32Array, dictionary: readonly string[]): void {
    const counts = new Int32Array(dictionary.length);
    let missing = 0;
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!;
      if (c < 0) missing++;
      else counts[c]!++;
    }
    this.count += codes.length;
    this.missing += missing;
    this.typeCounts.string += codes.length - missing;
    const values: string[] = [];
    const used: number[] = [];
    for (let d = 0; d < dictionary.length; d++) {
      if (counts[d] === 0) continue;
      values.push(dictionary[d]!);
      used.push(counts[d]!);
      this.hll.add(hashString(dictionary[d]!));
    }
    this.frequent.addCounts(values, used, values.length);
  }

  private addBool(values: Uint8Array): void {
    let t = 0;
    let f = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v === 1) t++;
      else if (v === 0) f++;
    }
    this.count += values.length;
    this.missing += values.length - t - f;
    this.typeCounts.bool += t + f;
    const items: boolean[] = [];
    const counts: number[] = [];
    if (t) {
      items.push(true);
      counts.push(t);
      this.hll.add(hashString('true'));
    }
    if (f) {
      items.push(false);
      counts.push(f);
      this.hll.add(hashString('false'));
    }
    this.frequent.addCounts(items, counts, items.length);
  }

  mergeFrom(other: ColumnAccumulator): void {
    this.type = unifyTypes(this.type, other.type);
    this.count += other.count;
    this.missing += other.missing;
    for (const key of Object.keys(this.typeCounts) as (keyof TypeCounts)[])
      this.typeCounts[key] += other.typeCounts[key];
    this.moments = mergeMoments(this.moments, other.moments);
    if (other.kll) {
      this.kll ??= new Kll(other.kll.k);
      this.kll.merge(other.kll);
    }
    this.hll.merge(other.hll);
    this.frequent.merge(other.frequent);
  }

  toProfile(): ColumnProfile {
    const kll = this.kll && this.kll.n > 0 ? this.kll : null;
    return {
      name: this.name,
      type: this.type,
      count: this.count,
      missing: this.missing,
      typeCounts: { ...this.typeCounts },
      numeric: this.moments ? { ...this.moments } : null,
      quantiles: kll ? kll.toState() : null,
      distinct: this.hll.toState(),
      frequent: this.frequent.toState(),
      summary: summarize(this.moments, kll, this.hll, this.frequent, this.type),
    };
  }

  static fromProfile(p: ColumnProfile): ColumnAccumulator {
    const acc = new ColumnAccumulator(p.name, Hll.fromState(p.distinct), FrequentItems.fromState(p.frequent));
    acc.type = p.type;
    acc.count = p.count;
    acc.missing = p.missing;
    acc.typeCounts = { ...emptyTypeCounts(), ...p.typeCounts };
    acc.moments = p.numeric ? { ...p.numeric } : null;
    acc.kll = p.quantiles ? Kll.fromState(p.quantiles) : null;
    return acc;
  }
}

function summarize(
  moments: Moments | null,
  kll: Kll | null,
  hll: Hll,
  frequent: FrequentItems,
  type: ColumnType,
): ColumnSummary {
  const variance = moments && moments.count > 1 ? moments.m2 / (moments.count - 1) : null;
  const rankError = kll ? kllRankError(kll.k) : 0;
  return {
    variance,
    stddev: variance === null ? null : Math.sqrt(variance),
    quantiles: kll
      ? kll.quantiles(SUMMARY_QUANTILES).map((value, i) => ({ q: SUMMARY_QUANTILES[i]!, value }))
      : [],
    histogram: kll ? histogram(kll, type) : null,
    distinct: hll.estimate(),
    topK: frequent.top(TOP_K).map(([value, count]) => ({ value, count })),
    errors: {
      quantileRank: rankError,
      distinctRelative: HLL_RELATIVE_ERROR,
      frequentCount: frequent.maxError(),
      histogramCount: kll ? Math.ceil(2 * rankError * kll.n) : 0,
    },
  };
}

function histogram(kll: Kll, type: ColumnType): { edges: number[]; counts: number[] } {
  const { min, max } = kll;
  let edges: number[];
  if (min === max) edges = [min, max];
  else if (type === 'int' && max - min < HISTOGRAM_BINS)
    edges = Array.from({ length: max - min + 2 }, (_, i) => min - 0.5 + i);
  else
    edges = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) =>
      i === HISTOGRAM_BINS ? max : min + ((max - min) * i) / HISTOGRAM_BINS,
    );
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  const { values, cumulative } = kll.sortedView();
  let previous = 0;
  let bin = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    while (bin < bins - 1 && v >= edges[bin + 1]!) bin++;
    counts[bin]! += cumulative[i]! - previous;
    previous = cumulative[i]!;
  }
  return { edges, counts };
}

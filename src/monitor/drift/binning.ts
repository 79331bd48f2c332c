import { lowerBound, upperBound } from '../../core/sorted.js';
import type { NumericSample } from './sample.js';

/**
 * Counts of both sides over shared bins: one bin per value, or equal-width numeric bins. Reproduces Evidently's
 * `get_binned_data` (stattests/utils.py) and numpy's `histogram_bin_edges(..., bins="sturges")` + `histogram`.
 */
export interface Binned {
  labels: string[];
  reference: Float64Array;
  current: Float64Array;
  /** Numeric equal-width bins only. */
  edges?: number[];
  /** Human description of the bins, for the result's convention. */
  rule: string;
}

/** A category table: the union of both sides' values with each side's count. */
export interface Categories {
  keys: (string | number)[];
  reference: Float64Array;
  current: Float64Array;
}

export function categoriesOfCounts(ref: Map<string, number>, cur: Map<string, number>): Categories {
  const keys: string[] = [];
  const index = new Map<string, number>();
  for (const m of [ref, cur])
    for (const [k, c] of m)
      if (c > 0 && !index.has(k)) {
        index.set(k, keys.length);
        keys.push(k);
      }
  const reference = new Float64Array(keys.length);
  const current = new Float64Array(keys.length);
  for (const [k, c] of ref) if (c > 0) reference[index.get(k)!] = c;
  for (const [k, c] of cur) if (c > 0) current[index.get(k)!] = c;
  return { keys, reference, current };
}

export function categoriesOfSamples(a: NumericSample, b: NumericSample): Categories {
  const keys: number[] = [];
  const ra: number[] = [];
  const cb: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.values.length || j < b.values.length) {
    const x = i < a.values.length ? a.values[i]! : Number.POSITIVE_INFINITY;
    const y = j < b.values.length ? b.values[j]! : Number.POSITIVE_INFINITY;
    const v = Math.min(x, y);
    keys.push(v);
    ra.push(x === v ? a.counts[i++]! : 0);
    cb.push(y === v ? b.counts[j++]! : 0);
  }
  return { keys, reference: Float64Array.from(ra), current: Float64Array.from(cb) };
}

export function binsOfCategories(c: Categories): Binned {
  return {
    labels: c.keys.map(String),
    reference: c.reference,
    current: c.current,
    rule: `one bin per value (${c.keys.length} values)`,
  };
}

/**
 * numpy.histogram_bin_edges(data, bins="sturges") for data of `n` values between `min` and `max`: ⌈ptp / width⌉
 * equal-width bins with width = ptp / (log2 n + 1), never narrower than 1 for integer data; numpy.linspace edges.
 */
export function sturgesEdges(n: number, min: number, max: number, integer: boolean): number[] {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  let width = (max - min) / (Math.log2(n) + 1);
  let bins = 1;
  if (width) {
    if (integer && width < 1) width = 1;
    bins = Math.ceil((last - first) / width);
  }
  const step = (last - first) / bins;
  const edges = new Array<number>(bins + 1);
  for (let i = 0; i < bins; i++) edges[i] = i * step + first;
  edges[bins] = last;
  return edges;
}

/** numpy.histogram(sample, edges)[0]: [e_i, e_i+1) per bin, the last bin closed; values outside are not counted. */
export function histogram(s: NumericSample, edges: readonly number[]): Float64Array {
  const bins = edges.length - 1;
  const out = new Float64Array(bins);
  let previous = s.cumulative[lowerBound(s.values, edges[0]!)]!;
  for (let i = 1; i <= bins; i++) {
    const idx = i === bins ? upperBound(s.values, edges[i]!) : lowerBound(s.values, edges[i]!);
    const c = s.cumulative[idx]!;
    out[i - 1] = c - previous;
    previous = c;
  }
  return out;
}

export function edgeLabels(edges: readonly number[]): string[] {
  const labels: string[] = [];
  for (let i = 0; i + 1 < edges.length; i++) labels.push(`${fmt(edges[i]!)} – ${fmt(edges[i + 1]!)}`);
  return labels;
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(5))));

/** Sturges bins over both samples together, as Evidently's `get_binned_data` does for numeric columns. */
export function sturgesBins(a: NumericSample, b: NumericSample, integer: boolean): Binned {
  const min = Math.min(a.values[0]!, b.values[0]!);
  const max = Math.max(a.values[a.values.length - 1]!, b.values[b.values.length - 1]!);
  const edges = sturgesEdges(a.n + b.n, min, max, integer);
  return {
    labels: edgeLabels(edges),
    reference: histogram(a, edges),
    current: histogram(b, edges),
    edges,
    rule: `${edges.length - 1} equal-width bins over both samples (numpy "sturges": ⌈log2 n + 1⌉ for n = ${a.n + b.n})`,
  };
}

/** Shares of each side (counts ÷ that side's total). */
export function shares(counts: Float64Array): Float64Array {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  const out = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = counts[i]! / total;
  return out;
}

/**
 * Evidently's zero filling for PSI and KL (`feel_zeroes`): a zero share becomes the smallest non-zero share ÷ 10⁶
 * when that is ≤ 1e-4, otherwise 1e-4. Returns the filled shares and the value used.
 */
export function fillZeros(p: Float64Array): { filled: Float64Array; eps: number | null } {
  let minNonZero = Number.POSITIVE_INFINITY;
  let zeros = 0;
  for (let i = 0; i < p.length; i++) {
    const v = p[i]!;
    if (v === 0) zeros++;
    else if (v < minNonZero) minNonZero = v;
  }
  if (zeros === 0) return { filled: p, eps: null };
  const eps = minNonZero <= 0.0001 ? minNonZero / 10 ** 6 : 0.0001;
  const filled = Float64Array.from(p, (v) => (v === 0 ? eps : v));
  return { filled, eps };
}

import { endianness } from 'node:os';
import { DriftError } from './types.js';

/**
 * A numeric side in the form every test works on: its finite values sorted and made distinct, with the count of
 * each. Built once per input (cached by the input's `values` array), in O(n) with a radix sort, so that one reference
 * compared with many windows is sorted once.
 */
export interface NumericSample {
  /** Distinct finite values, ascending. */
  readonly values: Float64Array;
  /** How many times each value occurs (its weight). */
  readonly counts: Float64Array;
  /** cumulative[i] = counts[0] + … + counts[i − 1]; length values.length + 1. */
  readonly cumulative: Float64Array;
  /** Total count of finite values. */
  readonly n: number;
  /** NaN and ±Infinity values (their weights, when weighted). */
  readonly missing: number;
}

const cache = new WeakMap<Float64Array, { weights: Float64Array | undefined; sample: NumericSample }>();

export function numericSample(values: Float64Array, weights?: Float64Array): NumericSample {
  const hit = cache.get(values);
  if (hit && hit.weights === weights) return hit.sample;
  const sample = weights ? fromWeighted(values, weights) : fromValues(values);
  cache.set(values, { weights, sample });
  return sample;
}

function fromValues(input: Float64Array): NumericSample {
  return countDistinct(input, Math.max(4096, input.length >>> 4)) ?? fromSorted(input);
}

/** Sorts the finite values (radix sort), then counts runs: for columns with many distinct values. */
function fromSorted(input: Float64Array): NumericSample {
  let finite = 0;
  for (let i = 0; i < input.length; i++) if (Number.isFinite(input[i]!)) finite++;
  const sorted = new Float64Array(finite);
  if (finite === input.length) sorted.set(input);
  else {
    let k = 0;
    for (let i = 0; i < input.length; i++) {
      const v = input[i]!;
      if (Number.isFinite(v)) sorted[k++] = v;
    }
  }
  sortFloat64(sorted);
  return runLengths(sorted, input.length - finite);
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/**
 * Counts the distinct finite values in one pass over an open-addressing table keyed by the value's bits, then sorts
 * only the distinct values: for the common low-cardinality column (integers, codes, rounded measurements) this is far
 * cheaper than sorting every value. Gives up (null) once there are more than `limit` distinct values.
 */
function countDistinct(input: Float64Array, limit: number): NumericSample | null {
  let capacity = 4096;
  let keys = new Float64Array(capacity);
  let counts = new Float64Array(capacity);
  let used = new Uint8Array(capacity);
  let mask = capacity - 1;
  let size = 0;
  let missing = 0;
  for (let i = 0; i < input.length; i++) {
    let x = input[i]!;
    if (!Number.isFinite(x)) {
      missing++;
      continue;
    }
    if (x === 0) x = 0;
    f64[0] = x;
    const h = Math.imul(u32[0]! ^ Math.imul(u32[1]!, 0x27d4eb2d), 0x9e3779b1);
    let slot = (h ^ (h >>> 15)) & mask;
    for (;;) {
      if (!used[slot]) {
        used[slot] = 1;
        keys[slot] = x;
        counts[slot] = 1;
        if (++size > limit) return null;
        if (size * 2 > capacity) {
          const oldKeys = keys;
          const oldCounts = counts;
          const oldUsed = used;
          capacity *= 2;
          mask = capacity - 1;
          keys = new Float64Array(capacity);
          counts = new Float64Array(capacity);
          used = new Uint8Array(capacity);
          for (let s = 0; s < oldUsed.length; s++) {
            if (!oldUsed[s]) continue;
            f64[0] = oldKeys[s]!;
            const g = Math.imul(u32[0]! ^ Math.imul(u32[1]!, 0x27d4eb2d), 0x9e3779b1);
            let t = (g ^ (g >>> 15)) & mask;
            while (used[t]) t = (t + 1) & mask;
            used[t] = 1;
            keys[t] = oldKeys[s]!;
            counts[t] = oldCounts[s]!;
          }
        }
        break;
      }
      if (keys[slot] === x) {
        counts[slot]!++;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  const distinct = new Float64Array(size);
  for (let s = 0, k = 0; s < capacity; s++) if (used[s]) distinct[k++] = keys[s]!;
  distinct.sort();
  const distinctCounts = new Float64Array(size);
  for (let k = 0; k < size; k++) {
    f64[0] = distinct[k]!;
    const h = Math.imul(u32[0]! ^ Math.imul(u32[1]!, 0x27d4eb2d), 0x9e3779b1);
    let slot = (h ^ (h >>> 15)) & mask;
    while (keys[slot] !== distinct[k]) slot = (slot + 1) & mask;
    distinctCounts[k] = counts[slot]!;
  }
  return withCumulative(distinct, distinctCounts, input.length - missing, missing);
}

function runLengths(sorted: Float64Array, missing: number): NumericSample {
  let distinct = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  const values = new Float64Array(distinct);
  const counts = new Float64Array(distinct);
  let k = -1;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    if (k < 0 || v !== values[k]) values[++k] = v === 0 ? 0 : v;
    counts[k]!++;
  }
  return withCumulative(values, counts, sorted.length, missing);
}

function fromWeighted(values: Float64Array, weights: Float64Array): NumericSample {
  if (weights.length !== values.length)
    throw new DriftError(
      'invalid-input',
      `weights has ${weights.length} entries but values has ${values.length}; give one weight per value.`,
    );
  const order: number[] = [];
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const w = weights[i]!;
    if (!(Number.isInteger(w) && w >= 0))
      throw new DriftError(
        'invalid-input',
        `weights[${i}] is ${w}; weights must be non-negative integers (the count of each value).`,
      );
    if (w === 0) continue;
    if (Number.isFinite(values[i]!)) order.push(i);
    else missing += w;
  }
  order.sort((a, b) => values[a]! - values[b]!);
  const distinctValues: number[] = [];
  const distinctCounts: number[] = [];
  let n = 0;
  for (const i of order) {
    const v = values[i]! === 0 ? 0 : values[i]!;
    const w = weights[i]!;
    n += w;
    if (distinctValues.length && distinctValues[distinctValues.length - 1] === v)
      distinctCounts[distinctCounts.length - 1]! += w;
    else {
      distinctValues.push(v);
      distinctCounts.push(w);
    }
  }
  return withCumulative(Float64Array.from(distinctValues), Float64Array.from(distinctCounts), n, missing);
}

function withCumulative(
  values: Float64Array,
  counts: Float64Array,
  n: number,
  missing: number,
): NumericSample {
  const cumulative = new Float64Array(values.length + 1);
  for (let i = 0; i < values.length; i++) cumulative[i + 1] = cumulative[i]! + counts[i]!;
  return { values, counts, cumulative, n, missing };
}

/** Number of distinct values in the union of two samples. */
export function distinctUnion(a: NumericSample, b: NumericSample): number {
  let i = 0;
  let j = 0;
  let d = 0;
  const va = a.values;
  const vb = b.values;
  while (i < va.length && j < vb.length) {
    const x = va[i]!;
    const y = vb[j]!;
    if (x <= y) i++;
    if (y <= x) j++;
    d++;
  }
  return d + (va.length - i) + (vb.length - j);
}

const LITTLE_ENDIAN = endianness() === 'LE';
const RADIX_MIN = 2048;

/**
 * Sorts finite doubles ascending in place: an LSD radix sort over the IEEE-754 bits in four 16-bit digits, skipping
 * digits every value shares (integers stored as doubles have zero low mantissa bits, so usually two passes remain).
 */
export function sortFloat64(a: Float64Array): Float64Array {
  const n = a.length;
  if (n < RADIX_MIN || !LITTLE_ENDIAN) return a.sort();
  const words = new Uint32Array(a.buffer, a.byteOffset, n * 2);
  // Map each double to an unsigned key with the same order: flip every bit of negatives, the sign bit of positives.
  const hist = new Uint32Array(4 * 65536);
  for (let i = 0; i < n; i++) {
    let lo = words[2 * i]!;
    let hi = words[2 * i + 1]!;
    if (hi & 0x80000000) {
      hi = ~hi >>> 0;
      lo = ~lo >>> 0;
    } else hi = (hi | 0x80000000) >>> 0;
    words[2 * i] = lo;
    words[2 * i + 1] = hi;
    hist[lo & 0xffff]!++;
    hist[65536 + (lo >>> 16)]!++;
    hist[131072 + (hi & 0xffff)]!++;
    hist[196608 + (hi >>> 16)]!++;
  }
  let src: Uint32Array = words;
  let dst: Uint32Array = new Uint32Array(n * 2);
  for (let digit = 0; digit < 4; digit++) {
    const base = digit * 65536;
    const word = digit >> 1;
    const shift = (digit & 1) * 16;
    let trivial = false;
    let sum = 0;
    for (let b = 0; b < 65536; b++) {
      const c = hist[base + b]!;
      if (c === n) trivial = true;
      hist[base + b] = sum;
      sum += c;
    }
    if (trivial) continue;
    for (let i = 0; i < n; i++) {
      const lo = src[2 * i]!;
      const hi = src[2 * i + 1]!;
      const key = ((word === 0 ? lo : hi) >>> shift) & 0xffff;
      const pos = hist[base + key]!++;
      dst[2 * pos] = lo;
      dst[2 * pos + 1] = hi;
    }
    [src, dst] = [dst, src];
  }
  if (src !== words) words.set(src);
  for (let i = 0; i < n; i++) {
    const hi = words[2 * i + 1]!;
    if (hi & 0x80000000) words[2 * i + 1] = (hi & 0x7fffffff) >>> 0;
    else {
      words[2 * i + 1] = ~hi >>> 0;
      words[2 * i] = ~words[2 * i]! >>> 0;
    }
  }
  return a;
}

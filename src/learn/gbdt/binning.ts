import { Random } from '../random.js';

/**
 * Feature binning: each feature's values (as float32, which is what an ONNX float input sees) are cut into at most
 * `maxBins` value bins by upper bounds; missing (NaN) goes to one extra bin after them. A value is in the first bin
 * whose upper bound is >= it, so "bin <= b" is exactly "fround(x) <= upper[b]": the split threshold of the
 * exported tree. The last bin's bound is +Infinity.
 */
export interface BinnedFeatures {
  n: number;
  /** Bin per row per feature; the missing bin is nValueBins[f]. */
  bins: Uint8Array[];
  /** 1 for a categorical feature: its values are codes 0..nValueBins-1 and bin = code. */
  categorical: Uint8Array;
  /** The same bins row-major (n × features), which histogram building reads one row at a time. */
  rowMajor: Uint8Array;
  nValueBins: Int32Array;
  upper: Float64Array[];
  /** Start of each feature's slots in a histogram (nValueBins + 1 slots per feature). */
  offsets: Int32Array;
  totalSlots: number;
}

const SAMPLE = 200_000;

export function fitBinBounds(values: Float64Array, maxBins: number, random: Random): Float64Array {
  const n = values.length;
  const sample: number[] = [];
  if (n <= SAMPLE) {
    for (let i = 0; i < n; i++) if (!Number.isNaN(values[i]!)) sample.push(Math.fround(values[i]!));
  } else {
    for (let k = 0; k < SAMPLE; k++) {
      const v = values[random.int(n)]!;
      if (!Number.isNaN(v)) sample.push(Math.fround(v));
    }
  }
  const sorted = Float64Array.from(sample).sort();
  const distinct: number[] = [];
  const counts: number[] = [];
  for (const v of sorted) {
    if (distinct.length && distinct[distinct.length - 1] === v) counts[counts.length - 1]!++;
    else {
      distinct.push(v);
      counts.push(1);
    }
  }
  if (distinct.length === 0) return Float64Array.of(Number.POSITIVE_INFINITY);
  const cuts: number[] = []; // index i: cut between distinct[i] and distinct[i+1]
  if (distinct.length <= maxBins) {
    for (let i = 0; i < distinct.length - 1; i++) cuts.push(i);
  } else {
    const total = sorted.length;
    let cum = 0;
    let next = 1;
    for (let i = 0; i < distinct.length - 1 && cuts.length < maxBins - 1; i++) {
      cum += counts[i]!;
      if (cum >= (next * total) / maxBins) {
        cuts.push(i);
        while (cum >= (next * total) / maxBins) next++;
      }
    }
  }
  const upper = new Float64Array(cuts.length + 1);
  cuts.forEach((i, k) => {
    const a = distinct[i]!;
    const b = distinct[i + 1]!;
    let mid = Math.fround(a + (b - a) / 2);
    if (!(mid >= a && mid < b)) mid = a;
    upper[k] = mid;
  });
  upper[cuts.length] = Number.POSITIVE_INFINITY;
  return upper;
}

/** The bin of each value (missing = upper.length). */
export function binColumn(
  values: Float64Array,
  upper: Float64Array,
  out = new Uint8Array(values.length),
): Uint8Array {
  const nb = upper.length;
  const last = nb - 1;
  for (let i = 0; i < values.length; i++) {
    const raw = values[i]!;
    if (Number.isNaN(raw)) {
      out[i] = nb;
      continue;
    }
    const v = Math.fround(raw);
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v <= upper[mid]!) hi = mid;
      else lo = mid + 1;
    }
    out[i] = lo;
  }
  return out;
}

/** Categorical codes are < MAX_CATEGORICAL_BINS (the tree encoding lumps rarer levels into the last code). */
export const MAX_CATEGORICAL_BINS = 255;

/** `categoryCounts[f]` > 0 marks feature f categorical with that many codes. */
export function binFeatures(
  columns: Float64Array[],
  maxBins: number,
  seed: number,
  categoryCounts: number[],
): BinnedFeatures {
  const random = new Random(seed ^ 0x51ed);
  const upper = columns.map((c, f) => {
    const nCodes = categoryCounts[f] ?? 0;
    if (nCodes === 0) return fitBinBounds(c, maxBins, random);
    const u = Float64Array.from({ length: nCodes }, (_, b) => b + 0.5);
    u[nCodes - 1] = Number.POSITIVE_INFINITY;
    return u;
  });
  return applyBins(columns, upper, categoryCounts);
}

export function applyBins(
  columns: Float64Array[],
  upper: Float64Array[],
  categoryCounts: number[],
): BinnedFeatures {
  const n = columns[0]?.length ?? 0;
  const nValueBins = Int32Array.from(upper.map((u) => u.length));
  const offsets = new Int32Array(columns.length);
  let total = 0;
  nValueBins.forEach((nb, f) => {
    offsets[f] = total;
    total += nb + 1;
  });
  const bins = columns.map((c, f) => binColumn(c, upper[f]!));
  const nf = columns.length;
  const rowMajor = new Uint8Array(n * nf);
  bins.forEach((b, f) => {
    for (let i = 0; i < n; i++) rowMajor[i * nf + f] = b[i]!;
  });
  return {
    n,
    bins,
    categorical: Uint8Array.from(upper, (_, f) => ((categoryCounts[f] ?? 0) > 0 ? 1 : 0)),
    rowMajor,
    nValueBins,
    upper,
    offsets,
    totalSlots: total,
  };
}

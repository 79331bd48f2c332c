import { type Binned, edgeLabels, fillZeros, histogram, shares, sturgesEdges } from './binning.js';
import { KS_EXACT_MAX_N, ks2samp } from './ks.js';
import {
  type CategoricalPair,
  categories,
  evidentlyBins,
  integerPair,
  type NumericPair,
  type Pair,
} from './prepare.js';
import { chi2Sf, normalTwoSided } from './special.js';
import type { DriftMethod } from './types.js';

export interface MethodResult {
  statistic: number;
  pValue?: number;
  /** What was computed and how; the verdict rule is appended by the caller. */
  convention: string;
  /** The bins shown in charts. */
  chart: Binned;
}

/** Methods that need numbers (the rest also take categories, or a numeric column's values as categories). */
export const NUMERIC_ONLY: ReadonlySet<DriftMethod> = new Set(['ks', 'wasserstein']);
export const P_VALUE_METHODS: ReadonlySet<DriftMethod> = new Set(['ks', 'chisquare', 'z']);

/** Evidently's default thresholds (StatTest.default_threshold): 0.05 for the p-value tests, 0.1 for distances. */
export const DEFAULT_THRESHOLDS: Record<DriftMethod, number> = {
  ks: 0.05,
  chisquare: 0.05,
  z: 0.05,
  wasserstein: 0.1,
  jensenshannon: 0.1,
  psi: 0.1,
  kl_div: 0.1,
  hellinger: 0.1,
  linf: 0.1,
};

/** The verdict rule, as Evidently applies it (KS flags at p ≤ threshold, the other p-value tests at p < threshold). */
export function isDrifted(
  method: DriftMethod,
  statistic: number,
  pValue: number | undefined,
  threshold: number,
): boolean {
  if (method === 'ks') return pValue! <= threshold;
  if (P_VALUE_METHODS.has(method)) return pValue! < threshold;
  return statistic >= threshold;
}

export function verdictRule(method: DriftMethod): string {
  if (method === 'ks') return 'drift when p ≤ threshold';
  return P_VALUE_METHODS.has(method) ? 'drift when p < threshold' : 'drift when the statistic ≥ threshold';
}

export function runMethod(method: DriftMethod, pair: Pair): MethodResult {
  switch (method) {
    case 'ks':
      return ks(pair as NumericPair);
    case 'wasserstein':
      return wasserstein(pair as NumericPair);
    case 'chisquare':
      return chisquare(pair);
    case 'z':
      return zTest(pair);
    case 'jensenshannon':
      return jensenShannon(pair);
    case 'psi':
      return psi(pair);
    case 'kl_div':
      return klDiv(pair);
    case 'hellinger':
      return hellinger(pair);
    case 'linf':
      return linf(pair);
  }
}

function ks(pair: NumericPair): MethodResult {
  const r = ks2samp(pair.ref.sample, pair.cur.sample);
  return {
    statistic: r.statistic,
    pValue: r.pValue,
    convention:
      r.mode === 'exact'
        ? `two-sample Kolmogorov-Smirnov, two-sided (scipy ks_2samp): exact p-value (both sizes ≤ ${KS_EXACT_MAX_N.toLocaleString('en-US')})`
        : `two-sample Kolmogorov-Smirnov, two-sided (scipy ks_2samp): asymptotic p-value kstwo.sf(D, round(n·m/(n+m))) (a size > ${KS_EXACT_MAX_N.toLocaleString('en-US')})`,
    chart: evidentlyBins(pair),
  };
}

/** scipy.stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001): Evidently's normed Wasserstein. */
function wasserstein(pair: NumericPair): MethodResult {
  const a = pair.ref.sample;
  const b = pair.cur.sample;
  let i = 0;
  let j = 0;
  let c1 = 0;
  let c2 = 0;
  let previous = Number.NaN;
  let distance = 0;
  while (i < a.values.length || j < b.values.length) {
    const x = i < a.values.length ? a.values[i]! : Number.POSITIVE_INFINITY;
    const y = j < b.values.length ? b.values[j]! : Number.POSITIVE_INFINITY;
    const v = Math.min(x, y);
    if (!Number.isNaN(previous)) distance += Math.abs(c1 / a.n - c2 / b.n) * (v - previous);
    if (x === v) c1 += a.counts[i++]!;
    if (y === v) c2 += b.counts[j++]!;
    previous = v;
  }
  let mean = 0;
  for (let k = 0; k < a.values.length; k++) mean += a.values[k]! * a.counts[k]!;
  mean /= a.n;
  let ss = 0;
  for (let k = 0; k < a.values.length; k++) ss += (a.values[k]! - mean) ** 2 * a.counts[k]!;
  const std = Math.sqrt(ss / a.n);
  const norm = Math.max(std, 0.001);
  return {
    statistic: distance / norm,
    convention: `Wasserstein-1 distance (scipy wasserstein_distance) divided by the reference's population standard deviation (${fmt(std)}; at least 0.001), as Evidently's "wasserstein"`,
    chart: evidentlyBins(pair),
  };
}

/** scipy.stats.chisquare(f_obs = current counts, f_exp = reference counts × n_cur / n_ref), Evidently's "chisquare". */
function chisquare(pair: Pair): MethodResult {
  const c = categories(pair);
  const nRef = sum(c.reference);
  const nCur = sum(c.current);
  const k = c.keys.length;
  const norm = nCur / nRef;
  let statistic = 0;
  for (let i = 0; i < k; i++) {
    const expected = c.reference[i]! * norm;
    statistic += (c.current[i]! - expected) ** 2 / expected;
  }
  // One category on both sides: scipy gives NaN (no degrees of freedom); there is nothing that could have drifted.
  const pValue = k === 1 ? 1 : chi2Sf(statistic, k - 1);
  return {
    statistic: k === 1 ? 0 : statistic,
    pValue,
    convention: `Pearson chi-square of the current counts against the reference shares scaled to the current size (scipy chisquare), ${k - 1} degrees of freedom over ${k} values; a value absent from the reference gives an infinite statistic`,
    chart: binsFor(pair, c),
  };
}

/** Evidently's "z": two-proportion z-test of the share of values other than the first value in sorted order. */
function zTest(pair: Pair): MethodResult {
  const c = categories(pair);
  const order = c.keys.map((_, i) => i).sort((x, y) => compareKeys(c.keys[x]!, c.keys[y]!));
  const first = order[0]!;
  const n1 = sum(c.reference);
  const n2 = sum(c.current);
  const chart = binsFor(pair, c);
  const refValues = c.keys.filter((_, i) => c.reference[i]! > 0);
  const curValues = c.keys.filter((_, i) => c.current[i]! > 0);
  if (refValues.length === 1 && curValues.length === 1 && refValues[0] === curValues[0])
    return {
      statistic: 0,
      pValue: 1,
      convention: `two-proportion z-test; both sides hold the single value ${JSON.stringify(String(c.keys[first]))} (p = 1)`,
      chart,
    };
  const p1 = (n1 - c.reference[first]!) / n1;
  const p2 = (n2 - c.current[first]!) / n2;
  const P = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1 / n1 + 1 / n2));
  return {
    statistic: z,
    pValue: normalTwoSided(z),
    convention: `two-proportion z-test (pooled variance, two-sided normal p-value) of the share of values other than ${JSON.stringify(String(c.keys[first]))}, as Evidently's "z"`,
    chart,
  };
}

function jensenShannon(pair: Pair): MethodResult {
  const bins = evidentlyBins(pair);
  const p = shares(bins.reference);
  const q = shares(bins.current);
  return {
    statistic: jsDistance(p, q),
    convention: `Jensen-Shannon distance (square root of the divergence, natural log; scipy jensenshannon) over ${bins.rule}; empty bins stay 0`,
    chart: bins,
  };
}

/** scipy.spatial.distance.jensenshannon(p, q): √((KL(p‖m) + KL(q‖m)) / 2), m = (p + q)/2, after normalizing. */
export function jsDistance(p0: Float64Array, q0: Float64Array): number {
  const p = shares(p0);
  const q = shares(q0);
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const m = (p[i]! + q[i]!) / 2;
    left += relEntr(p[i]!, m);
    right += relEntr(q[i]!, m);
  }
  return Math.sqrt((left + right) / 2);
}

/** scipy.special.rel_entr. */
function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Number.POSITIVE_INFINITY;
}

function filledShares(bins: Binned) {
  const ref = fillZeros(shares(bins.reference));
  const cur = fillZeros(shares(bins.current));
  const eps = (side: string, e: number | null) =>
    e === null ? `${side} has no empty bin` : `${side} ${fmt(e)}`;
  return {
    p: ref.filled,
    q: cur.filled,
    note: `empty bins set to 1e-4, or to the smallest non-zero share ÷ 10^6 when that is ≤ 1e-4 (${eps('reference', ref.eps)}; ${eps('current', cur.eps)})`,
  };
}

/** Evidently's PSI: Σ (ref% − cur%) · ln(ref% / cur%) over its bins, with its zero filling. */
function psi(pair: Pair): MethodResult {
  const bins = evidentlyBins(pair);
  const { p, q, note } = filledShares(bins);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i]! - q[i]!) * Math.log(p[i]! / q[i]!);
  return {
    statistic: s,
    convention: `PSI = Σ (ref% − cur%)·ln(ref%/cur%), natural log, over ${bins.rule}; ${note}`,
    chart: bins,
  };
}

/** Evidently's KL: scipy.stats.entropy(ref%, cur%) = KL(reference ‖ current), natural log, with its zero filling. */
function klDiv(pair: Pair): MethodResult {
  const bins = evidentlyBins(pair);
  const { p: p0, q: q0, note } = filledShares(bins);
  const p = shares(p0);
  const q = shares(q0);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += relEntr(p[i]!, q[i]!);
  return {
    statistic: s,
    convention: `Kullback-Leibler divergence KL(reference ‖ current), natural log (scipy entropy, shares renormalized), over ${bins.rule}; ${note}`,
    chart: bins,
  };
}

/** L∞ distance max |ref% − cur%| over Evidently's bins (empty bins stay 0), as NannyML's and TFDV's L-infinity. */
function linf(pair: Pair): MethodResult {
  const bins = evidentlyBins(pair);
  const p = shares(bins.reference);
  const q = shares(bins.current);
  let s = 0;
  for (let i = 0; i < p.length; i++) s = Math.max(s, Math.abs(p[i]! - q[i]!));
  return { statistic: s, convention: `L-infinity distance max |ref% − cur%| over ${bins.rule}`, chart: bins };
}

/**
 * Evidently's Hellinger distance √(1 − BC), BC clipped to [0, 1]. Categorical: BC = Σ √(p·q) over the values.
 * Numeric: Sturges bins over the distinct values of both sides (not over the rows), density histograms h1, h2 and
 * BC = Σ √(h1·h2) × the mean bin width.
 */
function hellinger(pair: Pair): MethodResult {
  if (pair.ref.kind === 'categorical') {
    const c = categories(pair);
    const p = shares(c.reference);
    const q = shares(c.current);
    let bc = 0;
    for (let i = 0; i < p.length; i++) bc += Math.sqrt(p[i]! * q[i]!);
    const chart = binsFor(pair, c);
    return {
      statistic: Math.sqrt(1 - Math.min(1, Math.max(0, bc))),
      convention: `Hellinger distance √(1 − Σ√(p·q)) over ${chart.rule}`,
      chart,
    };
  }
  const { ref, cur } = pair as NumericPair;
  const c = categories(pair);
  const keys = c.keys as number[];
  const edges = sturgesEdges(keys.length, keys[0]!, keys[keys.length - 1]!, integerPair(pair as NumericPair));
  const h1 = histogram(ref.sample, edges);
  const h2 = histogram(cur.sample, edges);
  const total1 = sum(h1);
  const total2 = sum(h2);
  const width = (edges[edges.length - 1]! - edges[0]!) / (edges.length - 1);
  let bc = 0;
  for (let i = 0; i < h1.length; i++) {
    const db = edges[i + 1]! - edges[i]!;
    const d1 = h1[i]! / db / total1;
    const d2 = h2[i]! / db / total2;
    bc += Math.sqrt(d1 * d2) * width;
  }
  const rule = `${edges.length - 1} equal-width bins over the ${keys.length} distinct values of both sides (numpy "sturges" on the distinct values, as Evidently)`;
  return {
    statistic: Math.sqrt(1 - Math.min(1, Math.max(0, bc))),
    convention: `Hellinger distance √(1 − Σ√(h1·h2)·width) of density histograms over ${rule}`,
    chart: { labels: edgeLabels(edges), reference: h1, current: h2, edges, rule },
  };
}

/** Chart bins for a test that works on values: per value, unless a numeric column has too many for that. */
function binsFor(pair: Pair, c: ReturnType<typeof categories>): Binned {
  if (pair.ref.kind === 'numeric' && (pair as NumericPair).ref.sample.values.length > 20)
    return evidentlyBins(pair);
  return {
    labels: c.keys.map(String),
    reference: c.reference,
    current: c.current,
    rule: `one bin per value (${c.keys.length} values)`,
  };
}

function compareKeys(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function sum(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

const fmt = (v: number) => String(Number(v.toPrecision(6)));

export type { CategoricalPair };

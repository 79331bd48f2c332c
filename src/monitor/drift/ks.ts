import { kolmogornSf } from './kolmogorov.js';
import type { NumericSample } from './sample.js';

/** scipy.stats.ks_2samp's method='auto': exact p-values while both samples have at most this many values. */
export const KS_EXACT_MAX_N = 10_000;

export interface KsResult {
  statistic: number;
  pValue: number;
  mode: 'exact' | 'asymp';
}

/**
 * The two-sided two-sample Kolmogorov-Smirnov test, scipy.stats.ks_2samp(a, b) with method='auto': D by one merge
 * walk over the sorted distinct values; the exact p-value (Hodges' lattice-path counts; Viehmann's 1−p recursion) when
 * max(n1, n2) ≤ 10,000, else kstwo.sf(D, round(n1·n2/(n1+n2))). Like scipy, the exact mode reports D rounded to a
 * multiple of 1/lcm(n1, n2).
 */
export function ks2samp(a: NumericSample, b: NumericSample): KsResult {
  const n1 = a.n;
  const n2 = b.n;
  let i = 0;
  let j = 0;
  let c1 = 0;
  let c2 = 0;
  let maxDiff = Number.NEGATIVE_INFINITY;
  let minDiff = Number.POSITIVE_INFINITY;
  const va = a.values;
  const vb = b.values;
  while (i < va.length || j < vb.length) {
    const x = i < va.length ? va[i]! : Number.POSITIVE_INFINITY;
    const y = j < vb.length ? vb[j]! : Number.POSITIVE_INFINITY;
    if (x <= y) c1 += a.counts[i++]!;
    if (y <= x) c2 += b.counts[j++]!;
    const diff = c1 / n1 - c2 / n2;
    if (diff > maxDiff) maxDiff = diff;
    if (diff < minDiff) minDiff = diff;
  }
  const minS = Math.min(1, Math.max(0, -minDiff));
  let d = Math.max(minS, maxDiff);
  if (Math.max(n1, n2) <= KS_EXACT_MAX_N) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    d = h / lcm;
    if (h === 0) return { statistic: d, pValue: 1, mode: 'exact' };
    const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
    if (p >= 0 && p <= 1) return { statistic: d, pValue: p, mode: 'exact' };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  const nRounded = roundHalfEven(en);
  const p = d <= 0.5 / nRounded ? 1 : kolmogornSf(nRounded, d);
  return { statistic: d, pValue: Math.min(1, Math.max(0, p)), mode: 'asymp' };
}

export function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return x;
}

/** numpy.round: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Pr(D_{n,n} ≥ h/n), by the alternating sum in Horner form (scipy `_compute_prob_outside_square`). */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/**
 * The share of lattice paths from (0,0) to (m,n) that leave the band |x/m − y/n| < h/lcm(m,n), computed directly as
 * 1 − p (Viehmann 2021) with a sliding window over one column (scipy `_compute_outer_prob_inside_method`).
 */
function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 >= n0 ? [m0, n0] : [n0, m0];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  for (let j = minj; j < maxj; j++) A[j] = 0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1]!;
}

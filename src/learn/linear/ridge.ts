import { invalid } from '../../core/errors.js';
import type { ParamDefs } from '../params.js';

export const RIDGE_PARAMS: ParamDefs = {
  l2: {
    default: 1,
    kind: 'number',
    min: 0,
    doc: 'L2 penalty alpha on the standardised coefficients (scikit-learn Ridge alpha).',
  },
};

/**
 * Ridge regression in closed form, as scikit-learn's Ridge(fit_intercept=True): centre the design and the target,
 * solve (XcᵀXc + αI) w = Xcᵀyc by Cholesky, intercept = ȳ − x̄ᵀw. `x` is row-major n × p.
 */
export function fitRidge(x: Float64Array, y: Float64Array, n: number, p: number, alpha: number) {
  const xMean = new Float64Array(p);
  let yMean = 0;
  for (let i = 0; i < n; i++) {
    yMean += y[i]!;
    for (let j = 0; j < p; j++) xMean[j]! += x[i * p + j]!;
  }
  yMean /= n;
  for (let j = 0; j < p; j++) xMean[j]! /= n;
  const a = new Float64Array(p * p);
  const b = new Float64Array(p);
  const row = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) row[j] = x[i * p + j]! - xMean[j]!;
    const yc = y[i]! - yMean;
    for (let j = 0; j < p; j++) {
      const rj = row[j]!;
      if (rj === 0) continue;
      b[j]! += rj * yc;
      for (let k = 0; k <= j; k++) a[j * p + k]! += rj * row[k]!;
    }
  }
  for (let j = 0; j < p; j++) {
    a[j * p + j]! += alpha;
    for (let k = 0; k < j; k++) a[k * p + j] = a[j * p + k]!;
  }
  const w = solveSymmetric(a, b, p);
  let intercept = yMean;
  for (let j = 0; j < p; j++) intercept -= xMean[j]! * w[j]!;
  return { coef: Array.from(w), intercept };
}

/** Solves A w = b for symmetric positive (semi)definite A by Cholesky; a tiny jitter rescues a singular A. */
export function solveSymmetric(a: Float64Array, b: Float64Array, p: number): Float64Array {
  for (let jitter = 0; jitter <= 1e-6; jitter = jitter === 0 ? 1e-12 : jitter * 100) {
    const l = cholesky(a, p, jitter);
    if (!l) continue;
    const z = new Float64Array(p);
    for (let i = 0; i < p; i++) {
      let s = b[i]!;
      for (let k = 0; k < i; k++) s -= l[i * p + k]! * z[k]!;
      z[i] = s / l[i * p + i]!;
    }
    const w = new Float64Array(p);
    for (let i = p - 1; i >= 0; i--) {
      let s = z[i]!;
      for (let k = i + 1; k < p; k++) s -= l[k * p + i]! * w[k]!;
      w[i] = s / l[i * p + i]!;
    }
    return w;
  }
  throw invalid(
    'The ridge system is singular (perfectly collinear features and l2=0); set l2 > 0 or drop duplicate features.',
  );
}

function cholesky(a: Float64Array, p: number, jitter: number): Float64Array | null {
  const l = new Float64Array(p * p);
  const scale = Math.max(1, ...Array.from({ length: p }, (_, i) => Math.abs(a[i * p + i]!)));
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j]!;
      for (let k = 0; k < j; k++) s -= l[i * p + k]! * l[j * p + k]!;
      if (i === j) {
        s += jitter * scale;
        if (s <= 1e-13 * scale) return null;
        l[i * p + i] = Math.sqrt(s);
      } else l[i * p + j] = s / l[j * p + j]!;
    }
  }
  return l;
}

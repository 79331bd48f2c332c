/** Regression metrics with scikit-learn's conventions (checked against it in test/learn/metrics.test.ts). */
export interface RegressionMetrics {
  rmse: number;
  mae: number;
  /** Mean of |y − ŷ| / max(|y|, machine epsilon): a fraction, not a percentage (scikit-learn's convention). */
  mape: number;
  /** 1 − SSres/SStot; with a constant y: 1 for a perfect fit, else 0 (scikit-learn's force_finite). */
  r2: number;
}

const EPS = 2.220446049250313e-16;

export function regressionMetrics(y: Float64Array, pred: Float64Array): RegressionMetrics {
  const n = y.length;
  let se = 0;
  let ae = 0;
  let ape = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]!;
  mean /= n;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    const e = y[i]! - pred[i]!;
    se += e * e;
    ae += Math.abs(e);
    ape += Math.abs(e) / Math.max(Math.abs(y[i]!), EPS);
    ssTot += (y[i]! - mean) ** 2;
  }
  const r2 = ssTot === 0 ? (se === 0 ? 1 : 0) : 1 - se / ssTot;
  return { rmse: Math.sqrt(se / n), mae: ae / n, mape: ape / n, r2 };
}

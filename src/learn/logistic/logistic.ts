import { invalid } from '../../core/errors.js';
import { lbfgs } from '../optim/lbfgs.js';
import type { ParamDefs } from '../params.js';

export const LOGISTIC_PARAMS: ParamDefs = {
  l2: {
    default: 1,
    kind: 'number',
    min: 0,
    doc: 'L2 penalty λ: minimises Σ log loss + λ/2·‖W‖² (scikit-learn LogisticRegression with C = 1/λ).',
  },
  maxIter: { default: 1000, kind: 'int', min: 1, doc: 'L-BFGS iteration limit.' },
  tol: {
    default: 1e-8,
    kind: 'number',
    min: 0,
    exclusiveMin: true,
    doc: 'Gradient tolerance (max |∂f/∂w|, f divided by n).',
  },
};

/**
 * L2 logistic regression by L-BFGS on the design matrix (row-major n × p). Binary: one coefficient row,
 * p(class 1) = σ(w·x + b). Multinomial (k > 2): k rows and softmax. Intercepts are not penalised.
 * Returns coefficient rows (nOut × p) and intercepts (nOut).
 */
export function fitLogistic(
  x: Float64Array,
  y: Float64Array,
  n: number,
  p: number,
  nClasses: number,
  opts: { l2: number; maxIter: number; tol: number; onIteration?: (it: number, loss: number) => void },
) {
  const k = nClasses === 2 ? 1 : nClasses;
  const stride = p + 1; // per output: p weights then the intercept
  const scores = new Float64Array(n * k);
  const fg = (w: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const row = i * p;
      for (let c = 0; c < k; c++) {
        let z = w[c * stride + p]!;
        const base = c * stride;
        for (let j = 0; j < p; j++) z += w[base + j]! * x[row + j]!;
        scores[i * k + c] = z;
      }
    }
    for (let i = 0; i < n; i++) {
      const row = i * p;
      const yi = y[i]!;
      if (k === 1) {
        const z = scores[i]!;
        // log(1 + e^z) − y z, stably
        loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - yi * z;
        const r = 1 / (1 + Math.exp(-z)) - yi;
        for (let j = 0; j < p; j++) grad[j]! += r * x[row + j]!;
        grad[p]! += r;
      } else {
        let max = Number.NEGATIVE_INFINITY;
        for (let c = 0; c < k; c++) max = Math.max(max, scores[i * k + c]!);
        let sum = 0;
        for (let c = 0; c < k; c++) sum += Math.exp(scores[i * k + c]! - max);
        const lse = max + Math.log(sum);
        loss += lse - scores[i * k + yi]!;
        for (let c = 0; c < k; c++) {
          const r = Math.exp(scores[i * k + c]! - lse) - (c === yi ? 1 : 0);
          const base = c * stride;
          for (let j = 0; j < p; j++) grad[base + j]! += r * x[row + j]!;
          grad[base + p]! += r;
        }
      }
    }
    let penalty = 0;
    for (let c = 0; c < k; c++)
      for (let j = 0; j < p; j++) {
        const wj = w[c * stride + j]!;
        penalty += wj * wj;
        grad[c * stride + j]! += opts.l2 * wj;
      }
    for (let i = 0; i < grad.length; i++) grad[i]! /= n;
    return (loss + 0.5 * opts.l2 * penalty) / n;
  };
  const result = lbfgs(fg, new Float64Array(k * stride), {
    maxIter: opts.maxIter,
    gtol: opts.tol,
    ...(opts.onIteration ? { onIteration: opts.onIteration } : {}),
  });
  const w = result.x;
  if (!w.every(Number.isFinite))
    throw invalid(
      'Logistic regression diverged (non-finite weights); the classes may be separable: raise l2.',
    );
  const coef: number[] = [];
  const intercept: number[] = [];
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < p; j++) coef.push(w[c * stride + j]!);
    intercept.push(w[c * stride + p]!);
  }
  return { coef, intercept, iterations: result.iterations, loss: result.f, converged: result.converged };
}

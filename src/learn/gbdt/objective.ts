import type { Task } from '../types.js';

/**
 * Loss functions of the boosting: squared error (regression), log loss (binary) and softmax cross-entropy
 * (multiclass, one tree per class per iteration). Scores are row-major n × k.
 */
export interface Objective {
  k: number;
  initScore(y: Float64Array): number[];
  /**
   * Writes gradient and hessian of every row for every output, interleaved (gh[c][2i], gh[c][2i+1]) in float32, as
   * LightGBM and scikit-learn keep them: histogram building reads both with one memory access.
   */
  gradients(scores: Float64Array, y: Float64Array, gh: Float32Array[]): void;
  /** Mean loss over `rows` (all rows when omitted): MSE, log loss or multiclass log loss. */
  loss(scores: Float64Array, y: Float64Array, rows?: Uint32Array): number;
}

const EPS = 1e-15;

export function objectiveFor(task: Task, nClasses: number): Objective {
  if (task === 'regression') return squaredError;
  if (task === 'binary') return logLoss;
  return softmax(nClasses);
}

const squaredError: Objective = {
  k: 1,
  initScore(y) {
    let s = 0;
    for (const v of y) s += v;
    return [s / y.length];
  },
  gradients(scores, y, gh) {
    const out = gh[0]!;
    for (let i = 0; i < y.length; i++) {
      out[2 * i] = scores[i]! - y[i]!;
      out[2 * i + 1] = 1;
    }
  },
  loss(scores, y, rows) {
    let s = 0;
    const n = rows ? rows.length : y.length;
    for (let j = 0; j < n; j++) {
      const i = rows ? rows[j]! : j;
      s += (scores[i]! - y[i]!) ** 2;
    }
    return s / n;
  },
};

const logLoss: Objective = {
  k: 1,
  initScore(y) {
    let s = 0;
    for (const v of y) s += v;
    const p = Math.min(Math.max(s / y.length, EPS), 1 - EPS);
    return [Math.log(p / (1 - p))];
  },
  gradients(scores, y, gh) {
    const out = gh[0]!;
    for (let i = 0; i < y.length; i++) {
      const p = 1 / (1 + Math.exp(-scores[i]!));
      out[2 * i] = p - y[i]!;
      out[2 * i + 1] = Math.max(p * (1 - p), 1e-16);
    }
  },
  loss(scores, y, rows) {
    let s = 0;
    const n = rows ? rows.length : y.length;
    for (let j = 0; j < n; j++) {
      const i = rows ? rows[j]! : j;
      const z = scores[i]!;
      // log(1 + e^z) - y z
      s += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y[i]! * z;
    }
    return s / n;
  },
};

function softmax(k: number): Objective {
  return {
    k,
    initScore(y) {
      const counts = new Float64Array(k);
      for (const v of y) counts[v]!++;
      return Array.from(counts, (c) => Math.log(Math.max(c / y.length, EPS)));
    },
    gradients(scores, y, gh) {
      const p = new Float64Array(k);
      for (let i = 0; i < y.length; i++) {
        let max = Number.NEGATIVE_INFINITY;
        for (let c = 0; c < k; c++) max = Math.max(max, scores[i * k + c]!);
        let sum = 0;
        for (let c = 0; c < k; c++) {
          p[c] = Math.exp(scores[i * k + c]! - max);
          sum += p[c]!;
        }
        for (let c = 0; c < k; c++) {
          const pc = p[c]! / sum;
          gh[c]![2 * i] = pc - (y[i] === c ? 1 : 0);
          gh[c]![2 * i + 1] = Math.max(pc * (1 - pc), 1e-16);
        }
      }
    },
    loss(scores, y, rows) {
      let s = 0;
      const n = rows ? rows.length : y.length;
      for (let j = 0; j < n; j++) {
        const i = rows ? rows[j]! : j;
        let max = Number.NEGATIVE_INFINITY;
        for (let c = 0; c < k; c++) max = Math.max(max, scores[i * k + c]!);
        let sum = 0;
        for (let c = 0; c < k; c++) sum += Math.exp(scores[i * k + c]! - max);
        s += max + Math.log(sum) - scores[i * k + y[i]!]!;
      }
      return s / n;
    },
  };
}

import type { Frame } from './frame.js';
import { treeScores } from './gbdt/predict-trees.js';
import { designWidth, linearDesign } from './preprocess/linear-preprocess.js';
import { encodeForTrees } from './preprocess/tree-encoding.js';
import type { Prediction, TrainedModel } from './types.js';

/**
 * Predicts with a trained model on raw feature columns (the same columns as at training, extra columns ignored).
 * Missing numeric values are NaN; ±Infinity is refused (docs/learners.md, "Bad input").
 */
export function predict(model: TrainedModel, frame: Frame): Prediction {
  const n = frame.nRows;
  const k = model.task === 'multiclass' ? model.classes!.length : 1;
  const scores = rawScores(model, frame);
  if (model.task === 'regression') return { values: scores };
  const nc = model.classes!.length;
  const probabilities = new Float64Array(n * nc);
  for (let i = 0; i < n; i++) {
    if (k === 1) {
      const p = 1 / (1 + Math.exp(-scores[i]!));
      probabilities[i * 2] = 1 - p;
      probabilities[i * 2 + 1] = p;
    } else {
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < k; c++) max = Math.max(max, scores[i * k + c]!);
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(scores[i * k + c]! - max);
      for (let c = 0; c < k; c++) probabilities[i * k + c] = Math.exp(scores[i * k + c]! - max) / sum;
    }
  }
  const labels: (string | number)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < nc; c++) if (probabilities[i * nc + c]! > probabilities[i * nc + best]!) best = c;
    labels[i] = model.classes![best]!;
  }
  return { labels, probabilities };
}

/** Margins before the link: n × k (k = 1 for regression and binary, the class count for multiclass). */
export function rawScores(model: TrainedModel, frame: Frame): Float64Array {
  const n = frame.nRows;
  if (model.gbdt) {
    const columns = encodeForTrees(model.gbdt.encoding, frame, model.features);
    return treeScores(model.gbdt.trees, model.gbdt.initScore, columns, n);
  }
  const lin = model.linear!;
  const p = designWidth(lin.preprocess);
  const x = linearDesign(lin.preprocess, frame, model.features);
  const k = lin.intercept.length;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < k; c++) {
      let z = lin.intercept[c]!;
      for (let j = 0; j < p; j++) z += lin.coef[c * p + j]! * x[i * p + j]!;
      out[i * k + c] = z;
    }
  return out;
}

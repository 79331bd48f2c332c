/**
 * Classification metrics with scikit-learn's conventions (checked against it in test/learn/metrics.test.ts).
 * Inputs: true class index per row, predicted class index per row, probabilities row-major n × k.
 */
export interface ClassificationMetrics {
  accuracy: number;
  /** Binary: of the positive class (the second class). Multiclass: absent. */
  precision?: number;
  recall?: number;
  f1?: number;
  precision_macro: number;
  recall_macro: number;
  f1_macro: number;
  precision_micro: number;
  recall_micro: number;
  f1_micro: number;
  precision_weighted: number;
  recall_weighted: number;
  f1_weighted: number;
  /** Binary: ROC AUC of the positive class; multiclass: one-vs-rest macro average. */
  roc_auc: number;
  /** Average precision (step-wise PR AUC); multiclass: macro average over classes. */
  pr_auc: number;
  log_loss: number;
}

const EPS = 2.220446049250313e-16;

export function confusionMatrix(yTrue: Int32Array, yPred: Int32Array, k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < yTrue.length; i++) m[yTrue[i]!]![yPred[i]!]!++;
  return m;
}

export function classificationMetrics(
  yTrue: Int32Array,
  yPred: Int32Array,
  proba: Float64Array,
  k: number,
): ClassificationMetrics {
  const n = yTrue.length;
  const cm = confusionMatrix(yTrue, yPred, k);
  let correct = 0;
  for (let c = 0; c < k; c++) correct += cm[c]![c]!;
  // Labels present in y_true or y_pred (scikit-learn's unique_labels).
  const labels: number[] = [];
  const support: number[] = [];
  const per = { p: [] as number[], r: [] as number[], f: [] as number[] };
  for (let c = 0; c < k; c++) {
    let predicted = 0;
    let actual = 0;
    for (let j = 0; j < k; j++) {
      predicted += cm[j]![c]!;
      actual += cm[c]![j]!;
    }
    if (predicted === 0 && actual === 0) continue;
    const tp = cm[c]![c]!;
    const p = predicted > 0 ? tp / predicted : 0;
    const r = actual > 0 ? tp / actual : 0;
    labels.push(c);
    support.push(actual);
    per.p.push(p);
    per.r.push(r);
    per.f.push(p + r > 0 ? (2 * p * r) / (p + r) : 0);
  }
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const totalSupport = support.reduce((s, v) => s + v, 0);
  const weighted = (a: number[]) => a.reduce((s, v, i) => s + v * support[i]!, 0) / totalSupport;
  const accuracy = correct / n;
  const out: ClassificationMetrics = {
    accuracy,
    precision_macro: mean(per.p),
    recall_macro: mean(per.r),
    f1_macro: mean(per.f),
    precision_micro: accuracy,
    recall_micro: accuracy,
    f1_micro: accuracy,
    precision_weighted: weighted(per.p),
    recall_weighted: weighted(per.r),
    f1_weighted: weighted(per.f),
    roc_auc: Number.NaN,
    pr_auc: Number.NaN,
    log_loss: logLoss(yTrue, proba, k),
  };
  if (k === 2) {
    const tp = cm[1]![1]!;
    const predicted = cm[0]![1]! + tp;
    const actual = cm[1]![0]! + tp;
    const p = predicted > 0 ? tp / predicted : 0;
    const r = actual > 0 ? tp / actual : 0;
    out.precision = p;
    out.recall = r;
    out.f1 = p + r > 0 ? (2 * p * r) / (p + r) : 0;
    const positive = Uint8Array.from(yTrue, (c) => (c === 1 ? 1 : 0));
    const score = Float64Array.from({ length: n }, (_, i) => proba[i * 2 + 1]!);
    out.roc_auc = rocAuc(positive, score);
    out.pr_auc = averagePrecision(positive, score);
  } else {
    const aucs: number[] = [];
    const aps: number[] = [];
    for (let c = 0; c < k; c++) {
      const positive = Uint8Array.from(yTrue, (t) => (t === c ? 1 : 0));
      if (!positive.includes(1)) continue;
      const score = Float64Array.from({ length: n }, (_, i) => proba[i * k + c]!);
      aucs.push(rocAuc(positive, score));
      aps.push(averagePrecision(positive, score));
    }
    out.roc_auc = mean(aucs);
    out.pr_auc = mean(aps);
  }
  return out;
}

/** Mean negative log-likelihood of the true class, probabilities clipped to [eps, 1 − eps]. */
export function logLoss(yTrue: Int32Array, proba: Float64Array, k: number): number {
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const p = Math.min(Math.max(proba[i * k + yTrue[i]!]!, EPS), 1 - EPS);
    s -= Math.log(p);
  }
  return s / yTrue.length;
}

/** Rows sorted by descending score; each group of equal scores is one threshold. */
function thresholds(positive: Uint8Array, score: Float64Array): { tp: number[]; fp: number[] } {
  const order = Array.from(score.keys()).sort((a, b) => score[b]! - score[a]! || a - b);
  const tp: number[] = [];
  const fp: number[] = [];
  let t = 0;
  let f = 0;
  for (let j = 0; j < order.length; j++) {
    const i = order[j]!;
    if (positive[i]) t++;
    else f++;
    const next = order[j + 1];
    if (next === undefined || score[next] !== score[i]) {
      tp.push(t);
      fp.push(f);
    }
  }
  return { tp, fp };
}

/** Area under the ROC curve (trapezoids over distinct thresholds; ties count half). NaN with one class only. */
export function rocAuc(positive: Uint8Array, score: Float64Array): number {
  const { tp, fp } = thresholds(positive, score);
  const P = tp[tp.length - 1] ?? 0;
  const N = fp[fp.length - 1] ?? 0;
  if (P === 0 || N === 0) return Number.NaN;
  let area = 0;
  let prevTp = 0;
  let prevFp = 0;
  for (let i = 0; i < tp.length; i++) {
    area += ((fp[i]! - prevFp) * (tp[i]! + prevTp)) / 2;
    prevTp = tp[i]!;
    prevFp = fp[i]!;
  }
  return area / (P * N);
}

/** Average precision: Σ (Rₙ − Rₙ₋₁) Pₙ over distinct thresholds (scikit-learn's average_precision_score). */
export function averagePrecision(positive: Uint8Array, score: Float64Array): number {
  const { tp, fp } = thresholds(positive, score);
  const P = tp[tp.length - 1] ?? 0;
  if (P === 0) return Number.NaN;
  let ap = 0;
  let prevRecall = 0;
  for (let i = 0; i < tp.length; i++) {
    const recall = tp[i]! / P;
    ap += (recall - prevRecall) * (tp[i]! / (tp[i]! + fp[i]!));
    prevRecall = recall;
  }
  return ap;
}

/**
 * Reliability diagram of binary probabilities, scikit-learn's calibration_curve(strategy='uniform'): bins of width
 * 1/nBins, a probability on an inner edge belongs to the lower bin; empty bins are left out.
 */
export function calibrationCurve(
  positive: Uint8Array,
  prob: Float64Array,
  nBins = 10,
): {
  bin_lower: number;
  bin_upper: number;
  count: number;
  mean_predicted: number;
  fraction_positive: number;
}[] {
  const step = 1 / nBins;
  const edges = Array.from({ length: nBins + 1 }, (_, i) => (i === nBins ? 1 : i * step));
  const sums = new Float64Array(nBins);
  const trues = new Float64Array(nBins);
  const counts = new Float64Array(nBins);
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i]!;
    let b = 0;
    while (b < nBins - 1 && edges[b + 1]! < p) b++;
    sums[b]! += p;
    trues[b]! += positive[i]!;
    counts[b]!++;
  }
  const out = [];
  for (let b = 0; b < nBins; b++) {
    if (counts[b] === 0) continue;
    out.push({
      bin_lower: edges[b]!,
      bin_upper: edges[b + 1]!,
      count: counts[b]!,
      mean_predicted: sums[b]! / counts[b]!,
      fraction_positive: trues[b]! / counts[b]!,
    });
  }
  return out;
}

import { describe, expect, it } from 'vitest';
import {
  calibrationCurve,
  classificationMetrics,
  confusionMatrix,
} from '../../src/learn/evaluate/classification.js';
import { evaluate } from '../../src/learn/evaluate/evaluate.js';
import { fairness } from '../../src/learn/evaluate/fairness.js';
import { regressionMetrics } from '../../src/learn/evaluate/regression.js';
import { fitModel } from '../../src/learn/fit.js';
import { frameFrom } from '../../src/learn/frame.js';
import { Random } from '../../src/learn/random.js';
import { PYTHON_TIMEOUT, reference } from './support.js';

/** Fixed data: a noisy score, with ties (rounded to 2 decimals) so tie handling is exercised. */
function binaryCase(n: number, seed: number) {
  const r = new Random(seed);
  const yTrue = new Int32Array(n);
  const proba = new Float64Array(n * 2);
  const group: string[] = [];
  for (let i = 0; i < n; i++) {
    const g = ['a', 'b', 'c'][r.int(3)]!;
    const y = r.next() < (g === 'a' ? 0.3 : g === 'b' ? 0.5 : 0.4) ? 1 : 0;
    let p =
      Math.round(Math.min(0.999, Math.max(0.001, 0.5 + (y - 0.5) * 0.4 + (r.next() - 0.5) * 0.7)) * 100) /
      100;
    if (i % 97 === 0) p = 0.3; // exactly on a calibration bin edge
    yTrue[i] = y;
    proba[i * 2] = 1 - p;
    proba[i * 2 + 1] = p;
    group.push(g);
  }
  const yPred = Int32Array.from({ length: n }, (_, i) => (proba[i * 2 + 1]! > 0.5 ? 1 : 0));
  return { yTrue, yPred, proba, group };
}

function multiclassCase(n: number, k: number, seed: number) {
  const r = new Random(seed);
  const yTrue = new Int32Array(n);
  const proba = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const y = r.int(k);
    yTrue[i] = y;
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const v = r.next() + (c === y ? 0.8 : 0);
      proba[i * k + c] = v;
      sum += v;
    }
    for (let c = 0; c < k; c++) proba[i * k + c]! /= sum;
  }
  const yPred = Int32Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let c = 1; c < k; c++) if (proba[i * k + c]! > proba[i * k + best]!) best = c;
    return best;
  });
  return { yTrue, yPred, proba };
}

const TOL = 1e-9;

describe('metrics match scikit-learn and Fairlearn', { timeout: PYTHON_TIMEOUT }, () => {
  it('binary classification: accuracy, P/R/F1 (binary, macro, micro, weighted), ROC AUC, PR AUC, log loss, confusion matrix, calibration', async () => {
    const { yTrue, yPred, proba } = binaryCase(1500, 1);
    const ours = classificationMetrics(yTrue, yPred, proba, 2);
    const ref = await reference({
      op: 'classification',
      y_true: Array.from(yTrue),
      y_pred: Array.from(yPred),
      proba: Array.from({ length: yTrue.length }, (_, i) => [proba[i * 2]!, proba[i * 2 + 1]!]),
      labels: [0, 1],
    });
    for (const [key, value] of Object.entries(ours)) expect(value, key).toBeCloseTo(ref[key], 9);
    expect(Object.keys(ours).sort()).toEqual(
      Object.keys(ref)
        .filter((k) => k !== 'confusion_matrix' && k !== 'calibration')
        .sort(),
    );
    expect(confusionMatrix(yTrue, yPred, 2)).toEqual(ref.confusion_matrix);
    const positive = Uint8Array.from(yTrue);
    const prob = Float64Array.from({ length: yTrue.length }, (_, i) => proba[i * 2 + 1]!);
    const curve = calibrationCurve(positive, prob, 10);
    expect(curve.map((b) => b.fraction_positive)).toHaveLength(ref.calibration.fraction_positive.length);
    curve.forEach((b, i) => {
      expect(Math.abs(b.fraction_positive - ref.calibration.fraction_positive[i])).toBeLessThan(TOL);
      expect(Math.abs(b.mean_predicted - ref.calibration.mean_predicted[i])).toBeLessThan(TOL);
    });
  });

  it('multiclass classification: macro/micro/weighted P/R/F1, one-vs-rest ROC AUC, macro PR AUC, log loss', async () => {
    const { yTrue, yPred, proba } = multiclassCase(1200, 4, 2);
    const ours = classificationMetrics(yTrue, yPred, proba, 4);
    const ref = await reference({
      op: 'classification',
      y_true: Array.from(yTrue),
      y_pred: Array.from(yPred),
      proba: Array.from({ length: yTrue.length }, (_, i) => Array.from(proba.subarray(i * 4, i * 4 + 4))),
      labels: [0, 1, 2, 3],
    });
    for (const [key, value] of Object.entries(ours))
      expect(Math.abs(value - ref[key]), key).toBeLessThan(TOL);
    expect(confusionMatrix(yTrue, yPred, 4)).toEqual(ref.confusion_matrix);
  });

  it('a class never predicted and never true is left out of the averages, as scikit-learn does', async () => {
    const yTrue = Int32Array.from([0, 1, 1, 0, 1, 0, 1, 1]);
    const yPred = Int32Array.from([0, 1, 0, 0, 1, 1, 1, 0]);
    const proba = new Float64Array(8 * 3);
    yPred.forEach((p, i) => {
      proba[i * 3] = p === 0 ? 0.7 : 0.2;
      proba[i * 3 + 1] = p === 1 ? 0.7 : 0.2;
      proba[i * 3 + 2] = 0.1;
    });
    const ours = classificationMetrics(yTrue, yPred, proba, 3);
    const ref = await reference({
      op: 'classification',
      y_true: Array.from(yTrue),
      y_pred: Array.from(yPred),
      proba: Array.from({ length: 8 }, (_, i) => Array.from(proba.subarray(i * 3, i * 3 + 3))),
      labels: [0, 1, 2],
    });
    for (const key of [
      'accuracy',
      'precision_macro',
      'recall_macro',
      'f1_macro',
      'f1_weighted',
      'log_loss',
    ] as const)
      expect(Math.abs(ours[key] - ref[key]), key).toBeLessThan(TOL);
  });

  it('regression: RMSE, MAE, MAPE (with a zero target), R²', async () => {
    const r = new Random(3);
    const y = Float64Array.from({ length: 800 }, (_, i) => (i === 5 ? 0 : r.next() * 50 - 10));
    const pred = Float64Array.from(y, (v) => v + (r.next() - 0.5) * 6);
    const ours = regressionMetrics(y, pred);
    const ref = await reference({ op: 'regression', y: Array.from(y), pred: Array.from(pred) });
    for (const [key, value] of Object.entries(ours))
      expect(Math.abs(value - ref[key]) / Math.max(1, Math.abs(ref[key])), key).toBeLessThan(TOL);
    // constant target, imperfect prediction: scikit-learn's force_finite gives 0
    const constant = regressionMetrics(Float64Array.of(2, 2, 2), Float64Array.of(1, 2, 3));
    const refConstant = await reference({ op: 'regression', y: [2, 2, 2], pred: [1, 2, 3] });
    expect(constant.r2).toBe(refConstant.r2);
  });

  it('fairness by a sensitive column: demographic parity, equalized odds, equal opportunity', async () => {
    const { yTrue, yPred, group } = binaryCase(2000, 4);
    const ours = fairness('group', group, Uint8Array.from(yTrue), Uint8Array.from(yPred));
    const ref = await reference({
      op: 'fairness',
      y_true: Array.from(yTrue),
      y_pred: Array.from(yPred),
      sensitive: group,
    });
    for (const key of [
      'demographic_parity_difference',
      'demographic_parity_ratio',
      'equalized_odds_difference',
      'equalized_odds_ratio',
      'equal_opportunity_difference',
      'equal_opportunity_ratio',
    ] as const)
      expect(Math.abs(ours[key] - ref[key]), key).toBeLessThan(TOL);
    for (const g of ours.groups) {
      const refGroup = ref.by_group[g.group];
      expect(Math.abs(g.selection_rate - refGroup.selection_rate)).toBeLessThan(TOL);
      expect(Math.abs(g.true_positive_rate - refGroup.true_positive_rate)).toBeLessThan(TOL);
      expect(Math.abs(g.false_positive_rate - refGroup.false_positive_rate)).toBeLessThan(TOL);
    }
  });

  it('evaluate(): overall, per-slice and fairness numbers of a trained model agree with scikit-learn on the same predictions', async () => {
    const r = new Random(9);
    const n = 1200;
    const x = Array.from({ length: n }, () => r.next() * 4 - 2);
    const region = Array.from({ length: n }, () => ['north', 'south', 'east'][r.int(3)]!);
    const y = x.map((v, i) =>
      v + (region[i] === 'north' ? 0.5 : 0) + (r.next() - 0.5) * 2 > 0 ? 'yes' : 'no',
    );
    const frame = frameFrom({ x, region, y });
    const model = fitModel(frame, { learner: 'logistic', target: 'y', features: ['x'] });
    const report = evaluate(model, frame, { slice: 'region', sensitive: 'region' });
    expect(report.classes).toEqual(['no', 'yes']);
    expect(report.slices!.groups.map((g) => g.value)).toEqual(['east', 'north', 'south']);
    expect(report.slices!.groups.reduce((s, g) => s + g.count, 0)).toBe(n);
    // Reconstruct the predictions evaluate() scored and ask scikit-learn per slice.
    const { predict } = await import('../../src/learn/predict.js');
    const p = predict(model, frame);
    for (const g of report.slices!.groups) {
      const rows = region.flatMap((v, i) => (v === g.value ? [i] : []));
      const ref = await reference({
        op: 'classification',
        y_true: rows.map((i) => y[i]),
        y_pred: rows.map((i) => p.labels![i]),
        proba: rows.map((i) => [p.probabilities![i * 2]!, p.probabilities![i * 2 + 1]!]),
        labels: ['no', 'yes'],
      });
      for (const key of ['accuracy', 'f1', 'roc_auc', 'pr_auc', 'log_loss'] as const)
        expect(Math.abs((g.metrics as any)[key] - ref[key]), `${g.value} ${key}`).toBeLessThan(TOL);
    }
    const refFair = await reference({
      op: 'fairness',
      y_true: y.map((v) => (v === 'yes' ? 1 : 0)),
      y_pred: p.labels!.map((v) => (v === 'yes' ? 1 : 0)),
      sensitive: region,
    });
    expect(
      Math.abs(report.fairness!.equalized_odds_difference - refFair.equalized_odds_difference),
    ).toBeLessThan(TOL);
    expect(
      Math.abs(report.fairness!.demographic_parity_ratio - refFair.demographic_parity_ratio),
    ).toBeLessThan(TOL);
  });
});

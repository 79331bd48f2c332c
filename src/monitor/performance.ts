import { classificationMetrics } from '../learn/evaluate/classification.js';
import { type FairnessReport, fairness } from '../learn/evaluate/fairness.js';
import { regressionMetrics } from '../learn/evaluate/regression.js';
import type { StoredOutput } from './prediction-output.js';

/** One stored prediction with its ground truth (if it arrived) and sensitive groups (if configured). */
export interface LabeledPrediction {
  output: StoredOutput;
  label?: (string | number)[];
  groups?: string[];
}

export type MetricValues = Record<string, number | null>;

export interface PerformanceReport {
  task: 'classification' | 'regression';
  /** Rows predicted in the window, and rows of them whose ground truth arrived. */
  rows: number;
  labeledRows: number;
  /** Realized metrics over the labeled rows (learners' definitions, scikit-learn's conventions). */
  metrics: MetricValues | null;
  /** CBPE (NannyML): binary classifiers' metrics expected from the scores, over every row, labels or not. */
  estimated: MetricValues | null;
  /** Fairlearn's group metrics over the labeled rows, when a sensitive column is configured. */
  bias: FairnessReport | null;
}

const finite = (m: Record<string, unknown>): MetricValues => {
  const out: MetricValues = {};
  for (const [k, v] of Object.entries(m)) if (typeof v === 'number') out[k] = Number.isFinite(v) ? v : null;
  return out;
};

/** Realized, estimated and bias metrics of one window's predictions. */
export function performanceOf(
  predictions: readonly LabeledPrediction[],
  opts: {
    positiveClass?: string | null;
    sensitiveColumn?: string | null;
    /** Rows predicted in the window (labeled or not); default: the rows of `predictions`. */
    rows?: number;
    /** The CBPE estimate of the window, computed from its profile. */
    estimated?: MetricValues | null;
  } = {},
): PerformanceReport | null {
  const first = predictions[0];
  if (!first) return null;
  const task = first.output.task;
  let rows = 0;
  const yTrue: (string | number)[] = [];
  const yPred: (string | number)[] = [];
  const proba: number[][] = [];
  const groups: string[] = [];
  let classes = first.output.classes;
  for (const p of predictions) {
    if (p.output.task !== task) continue;
    rows += p.output.y.length;
    if (!p.label) continue;
    for (let i = 0; i < p.output.y.length; i++) {
      const truth = p.label[i];
      if (truth === undefined || truth === null) continue;
      yTrue.push(truth);
      yPred.push(p.output.y[i]!);
      if (p.output.p) proba.push(p.output.p[i]!);
      if (p.groups) groups.push(p.groups[i] ?? '(missing)');
    }
    if (!classes && p.output.classes) classes = p.output.classes;
  }
  const labeledRows = yTrue.length;
  if (task === 'regression') {
    const metrics =
      labeledRows > 0
        ? finite({ ...regressionMetrics(Float64Array.from(yTrue, Number), Float64Array.from(yPred, Number)) })
        : null;
    return { task, rows: opts.rows ?? rows, labeledRows, metrics, estimated: null, bias: null };
  }
  const cls = classes ?? [...new Set([...yTrue, ...yPred])].sort(compare);
  const positive = positiveIndex(cls, opts.positiveClass);
  let metrics: MetricValues | null = null;
  let bias: FairnessReport | null = null;
  if (labeledRows > 0 && cls.length >= 2) {
    const index = new Map(cls.map((c, i) => [String(c), i]));
    const t = Int32Array.from(yTrue, (v) => index.get(String(v)) ?? -1);
    const pr = Int32Array.from(yPred, (v) => index.get(String(v)) ?? -1);
    const keep = [...t.keys()].filter((i) => t[i]! >= 0 && pr[i]! >= 0);
    const k = cls.length;
    const flat = new Float64Array(keep.length * k);
    keep.forEach((row, j) => {
      const pRow = proba.length === labeledRows ? proba[row] : undefined;
      for (let c = 0; c < k; c++) flat[j * k + c] = pRow ? pRow[c]! : c === pr[row] ? 1 : 0;
    });
    const tt = Int32Array.from(keep, (i) => t[i]!);
    const pp = Int32Array.from(keep, (i) => pr[i]!);
    if (keep.length > 0) {
      const m = finite({ ...classificationMetrics(tt, pp, flat, k) });
      if (k > 2) {
        // Binary-only fields are absent for multiclass; report the positive class's one-vs-rest values instead.
        const tp = keep.filter((_, j) => tt[j] === positive && pp[j] === positive).length;
        const predicted = keep.filter((_, j) => pp[j] === positive).length;
        const actual = keep.filter((_, j) => tt[j] === positive).length;
        const precision = predicted ? tp / predicted : 0;
        const recall = actual ? tp / actual : 0;
        m.precision = precision;
        m.recall = recall;
        m.f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
      }
      metrics = m;
      if (opts.sensitiveColumn && groups.length === labeledRows) {
        const g = keep.map((i) => groups[i]!);
        bias = fairness(
          opts.sensitiveColumn,
          g,
          Uint8Array.from(tt, (v) => (v === positive ? 1 : 0)),
          Uint8Array.from(pp, (v) => (v === positive ? 1 : 0)),
        );
      }
    }
  }
  return { task, rows: opts.rows ?? rows, labeledRows, metrics, estimated: opts.estimated ?? null, bias };
}

function compare(a: string | number, b: string | number): number {
  return typeof a === 'number' && typeof b === 'number'
    ? a - b
    : String(a) < String(b)
      ? -1
      : String(a) > String(b)
        ? 1
        : 0;
}

function positiveIndex(classes: readonly (string | number)[], positive: string | null | undefined): number {
  if (positive !== null && positive !== undefined) {
    const i = classes.findIndex((c) => String(c) === positive);
    if (i >= 0) return i;
  }
  return Math.min(1, classes.length - 1);
}

/** A monotone map of scores to probabilities (isotonic regression), or the identity. */
export type Calibrator = (score: number) => number;

/**
 * Fits isotonic regression (pool-adjacent-violators) of the label on the positive-class score, as NannyML's CBPE
 * calibrates, and keeps it only when it lowers the expected calibration error (10 equal-width bins) on those rows.
 * With fewer than `minRows` labeled rows the scores are used as they are.
 */
export function fitCalibrator(
  scores: readonly number[],
  positives: readonly number[],
  minRows = 100,
): Calibrator {
  const identity: Calibrator = (s) => s;
  if (scores.length < minRows) return identity;
  const order = [...scores.keys()].sort((a, b) => scores[a]! - scores[b]!);
  const blocks: { sum: number; n: number; hi: number }[] = [];
  for (const i of order) {
    blocks.push({ sum: positives[i]!, n: 1, hi: scores[i]! });
    while (
      blocks.length > 1 &&
      blocks.at(-2)!.sum / blocks.at(-2)!.n >= blocks.at(-1)!.sum / blocks.at(-1)!.n
    ) {
      const last = blocks.pop()!;
      const prev = blocks.at(-1)!;
      prev.sum += last.sum;
      prev.n += last.n;
      prev.hi = last.hi;
    }
  }
  const fitted: Calibrator = (s) => {
    for (const b of blocks) if (s <= b.hi) return b.sum / b.n;
    const last = blocks.at(-1)!;
    return last.sum / last.n;
  };
  return ece(scores, positives, fitted) < ece(scores, positives, identity) ? fitted : identity;
}

function ece(scores: readonly number[], positives: readonly number[], f: Calibrator): number {
  const sum = new Float64Array(10);
  const hit = new Float64Array(10);
  const n = new Float64Array(10);
  scores.forEach((s, i) => {
    const p = f(s);
    const b = Math.min(9, Math.max(0, Math.floor(p * 10)));
    sum[b]! += p;
    hit[b]! += positives[i]!;
    n[b]!++;
  });
  let e = 0;
  for (let b = 0; b < 10; b++) if (n[b]) e += Math.abs(sum[b]! - hit[b]!);
  return e / scores.length;
}

/**
 * Confidence-based performance estimation (NannyML CBPE), binary: with calibrated probability p of the positive
 * class, each row adds p to TP (predicted positive) or FN (predicted negative), and 1 − p to FP or TN. Metrics of that
 * expected confusion matrix; ROC AUC from the expected TPR/FPR curve over the sorted scores. The scores come with
 * weights (the items of a window's KLL sketch of the positive-class probability), so the estimate costs the size of
 * the sketch, not the traffic. The predicted class is the argmax of the two probabilities: positive when p > 0.5, or
 * p ≥ 0.5 when the positive class comes first (argmax keeps the first of a tie).
 */
export function cbpe(
  scores: readonly number[],
  weights: readonly number[],
  positiveFirst: boolean,
  calibration: Calibrator = (s) => s,
): MetricValues | null {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  let rows = 0;
  const calibrated: { p: number; w: number }[] = [];
  scores.forEach((raw, i) => {
    if (!Number.isFinite(raw)) return;
    const w = weights[i] ?? 1;
    const p = calibration(raw);
    const predictedPositive = positiveFirst ? raw >= 0.5 : raw > 0.5;
    rows += w;
    calibrated.push({ p, w });
    if (predictedPositive) {
      tp += w * p;
      fp += w * (1 - p);
    } else {
      fn += w * p;
      tn += w * (1 - p);
    }
  });
  if (rows === 0) return null;
  const precision = tp + fp > 0 ? tp / (tp + fp) : null;
  const recall = tp + fn > 0 ? tp / (tp + fn) : null;
  const f1 =
    precision !== null && recall !== null && precision + recall > 0
      ? (2 * precision * recall) / (precision + recall)
      : null;
  return {
    accuracy: (tp + tn) / rows,
    precision,
    recall,
    f1,
    specificity: tn + fp > 0 ? tn / (tn + fp) : null,
    roc_auc: expectedAuc(calibrated),
  };
}

/** ROC AUC of the expected curve: sorted by score, each row is p of a positive and 1 − p of a negative. */
function expectedAuc(items: readonly { p: number; w: number }[]): number | null {
  const sorted = [...items].sort((a, b) => b.p - a.p);
  let pos = 0;
  let neg = 0;
  for (const { p, w } of sorted) {
    pos += w * p;
    neg += w * (1 - p);
  }
  if (pos === 0 || neg === 0) return null;
  let tpr = 0;
  let fpr = 0;
  let auc = 0;
  for (const { p, w } of sorted) {
    const nextTpr = tpr + (w * p) / pos;
    const nextFpr = fpr + (w * (1 - p)) / neg;
    auc += ((nextFpr - fpr) * (tpr + nextTpr)) / 2;
    tpr = nextTpr;
    fpr = nextFpr;
  }
  return auc;
}

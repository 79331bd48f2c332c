import { invalid, show } from '../../core/errors.js';
import { cellValue, type Frame, getColumn } from '../frame.js';
import { predict } from '../predict.js';
import type { Prediction, TrainedModel } from '../types.js';
import {
  type ClassificationMetrics,
  calibrationCurve,
  classificationMetrics,
  confusionMatrix,
} from './classification.js';
import { type FairnessReport, fairness } from './fairness.js';
import { type RegressionMetrics, regressionMetrics } from './regression.js';

export type Metrics = ClassificationMetrics | RegressionMetrics;

export interface SliceReport {
  column: string;
  groups: { value: string; count: number; metrics: Metrics }[];
}

export interface EvaluationReport {
  task: TrainedModel['task'];
  target: string;
  rows: number;
  metrics: Metrics;
  classes?: (string | number)[];
  /** Rows: true class, columns: predicted class (order of `classes`). */
  confusion_matrix?: number[][];
  /** Binary only: 10 uniform bins of the positive-class probability. */
  calibration?: ReturnType<typeof calibrationCurve>;
  slices?: SliceReport;
  fairness?: FairnessReport;
}

/** More distinct values than this in a slice or sensitive column is an error (bin the column first). */
export const MAX_GROUPS = 100;
export const MISSING_GROUP = '(missing)';

export interface EvaluateOptions {
  slice?: string;
  sensitive?: string;
  calibrationBins?: number;
}

/** Evaluates a model on labelled data: overall metrics, optionally per slice of a column and fairness by a column. */
export function evaluate(model: TrainedModel, frame: Frame, options: EvaluateOptions = {}): EvaluationReport {
  if (frame.nRows === 0) throw invalid('No rows to evaluate on.');
  const prediction = predict(model, frame);
  return evaluatePredictions(model, frame, prediction, options);
}

export function evaluatePredictions(
  model: TrainedModel,
  frame: Frame,
  prediction: Prediction,
  options: EvaluateOptions = {},
): EvaluationReport {
  const truth = trueTarget(model, frame);
  const all = Uint32Array.from({ length: frame.nRows }, (_, i) => i);
  const metricsOf = (rows: Uint32Array): Metrics => subsetMetrics(model, truth, prediction, rows);
  const report: EvaluationReport = {
    task: model.task,
    target: model.target,
    rows: frame.nRows,
    metrics: metricsOf(all),
  };
  if (model.task !== 'regression') {
    const k = model.classes!.length;
    report.classes = [...model.classes!];
    report.confusion_matrix = confusionMatrix(truth as Int32Array, predictedIndex(model, prediction), k);
    if (k === 2) {
      const positive = Uint8Array.from(truth as Int32Array, (c) => (c === 1 ? 1 : 0));
      const prob = Float64Array.from(
        { length: frame.nRows },
        (_, i) => prediction.probabilities![i * 2 + 1]!,
      );
      report.calibration = calibrationCurve(positive, prob, options.calibrationBins ?? 10);
    }
  }
  if (options.slice) {
    const groups = groupRows(frame, options.slice);
    report.slices = {
      column: options.slice,
      groups: [...groups].map(([value, rows]) => ({ value, count: rows.length, metrics: metricsOf(rows) })),
    };
  }
  if (options.sensitive) {
    if (model.task !== 'binary')
      throw invalid(
        `Fairness metrics need a binary classifier; this model's task is ${model.task}. Use --slice for per-group metrics.`,
      );
    const column = getColumn(frame, options.sensitive);
    const group = Array.from({ length: frame.nRows }, (_, i) =>
      String(cellValue(column, i) ?? MISSING_GROUP),
    );
    checkGroupCount(options.sensitive, new Set(group).size);
    const pred = predictedIndex(model, prediction);
    report.fairness = fairness(
      options.sensitive,
      group,
      Uint8Array.from(truth as Int32Array, (c) => (c === 1 ? 1 : 0)),
      Uint8Array.from(pred, (c) => (c === 1 ? 1 : 0)),
    );
  }
  return report;
}

function checkGroupCount(column: string, n: number): void {
  if (n > MAX_GROUPS)
    throw invalid(
      `Column ${show(column)} has ${n} distinct values; at most ${MAX_GROUPS} groups are supported. Bin it into a coarser column first.`,
    );
}

/** Row indices per distinct value of a column, values in sorted order ("(missing)" for missing). */
export function groupRows(frame: Frame, name: string): Map<string, Uint32Array> {
  const column = getColumn(frame, name);
  const lists = new Map<string, number[]>();
  for (let i = 0; i < frame.nRows; i++) {
    const key = String(cellValue(column, i) ?? MISSING_GROUP);
    let list = lists.get(key);
    if (!list) {
      list = [];
      lists.set(key, list);
    }
    list.push(i);
  }
  checkGroupCount(name, lists.size);
  const keys = [...lists.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(keys.map((k) => [k, Uint32Array.from(lists.get(k)!)]));
}

/** True target: class index (Int32Array) for classifiers, values for regressors. Unknown labels are errors. */
function trueTarget(model: TrainedModel, frame: Frame): Int32Array | Float64Array {
  const column = getColumn(frame, model.target);
  const n = frame.nRows;
  if (model.task === 'regression') {
    if (column.kind !== 'numeric')
      throw invalid(`Target ${show(model.target)} must be numeric for a regressor.`);
    column.values.forEach((v, i) => {
      if (!Number.isFinite(v))
        throw invalid(`Target ${show(model.target)} has ${v} at row ${i}; drop those rows.`);
    });
    return column.values;
  }
  const index = new Map<string, number>(model.classes!.map((c, i) => [String(c), i]));
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = cellValue(column, i);
    const c = v === null ? undefined : index.get(String(v));
    if (c === undefined)
      throw invalid(
        `Target ${show(model.target)} has ${v === null ? 'a missing value' : show(v)} at row ${i}, which is not a class of the model (${model.classes!.join(', ')}).`,
      );
    out[i] = c;
  }
  return out;
}

function predictedIndex(model: TrainedModel, prediction: Prediction): Int32Array {
  const index = new Map<string, number>(model.classes!.map((c, i) => [String(c), i]));
  return Int32Array.from(prediction.labels!, (l) => index.get(String(l))!);
}

function subsetMetrics(
  model: TrainedModel,
  truth: Int32Array | Float64Array,
  prediction: Prediction,
  rows: Uint32Array,
): Metrics {
  if (model.task === 'regression') {
    return regressionMetrics(
      Float64Array.from(rows, (i) => truth[i]!),
      Float64Array.from(rows, (i) => prediction.values![i]!),
    );
  }
  const k = model.classes!.length;
  const pred = predictedIndex(model, prediction);
  const proba = new Float64Array(rows.length * k);
  rows.forEach((r, j) => {
    for (let c = 0; c < k; c++) proba[j * k + c] = prediction.probabilities![r * k + c]!;
  });
  return classificationMetrics(
    Int32Array.from(rows, (i) => truth[i]!),
    Int32Array.from(rows, (i) => pred[i]!),
    proba,
    k,
  );
}

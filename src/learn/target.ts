import { invalid, show } from '../core/errors.js';
import { type Column, type Frame, getColumn } from './frame.js';
import type { LearnerName, Task } from './types.js';

export const MAX_CLASSES = 100;

export interface EncodedTarget {
  task: Task;
  /** Regression: the value; classification: the class index (float). */
  y: Float64Array;
  classes?: string[] | number[];
}

/**
 * Checks the target column for the learner and encodes it. Missing, non-finite, constant or wrongly-typed targets
 * are errors that name the column and say what would be valid (docs/learners.md, "Bad input").
 */
export function encodeTarget(frame: Frame, name: string, learner: LearnerName, task?: Task): EncodedTarget {
  const column = getColumn(frame, name);
  const resolved = task ?? inferTask(column, learner);
  if (learner === 'linear' && resolved !== 'regression')
    throw invalid(
      `The linear learner is ridge regression; for classification use --learner logistic or gbdt.`,
    );
  if (learner === 'logistic' && resolved === 'regression')
    throw invalid(`The logistic learner is for classification; for regression use --learner linear or gbdt.`);
  if (resolved === 'regression') return { task: 'regression', y: regressionTarget(column, name) };
  return classificationTarget(column, name, resolved);
}

function inferTask(column: Column, learner: LearnerName): Task {
  if (learner === 'linear') return 'regression';
  if (column.kind === 'categorical') return distinctCodes(column).length > 2 ? 'multiclass' : 'binary';
  if (learner === 'logistic') {
    const distinct = new Set<number>();
    for (const v of column.values) if (!Number.isNaN(v)) distinct.add(v);
    return distinct.size > 2 ? 'multiclass' : 'binary';
  }
  // gbdt on a numeric target: classification only for a 0/1 target.
  for (const v of column.values) if (!Number.isNaN(v) && v !== 0 && v !== 1) return 'regression';
  return 'binary';
}

function distinctCodes(column: Column & { kind: 'categorical' }): number[] {
  const seen = new Uint8Array(column.dictionary.length);
  for (const c of column.codes) if (c >= 0) seen[c] = 1;
  const out: number[] = [];
  seen.forEach((s, i) => {
    if (s) out.push(i);
  });
  return out;
}

function regressionTarget(column: Column, name: string): Float64Array {
  if (column.kind !== 'numeric')
    throw invalid(
      `Target ${show(name)} is categorical (e.g. ${show(column.dictionary[0])}); regression needs a numeric target.`,
    );
  const y = column.values;
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i]!))
      throw invalid(
        `Target ${show(name)} has ${Number.isNaN(y[i]!) ? 'a missing value' : show(String(y[i]))} at row ${i}; drop or fill those rows first.`,
      );
  }
  if (y.length === 0) throw invalid(`No rows to train on.`);
  if (y.every((v) => v === y[0]))
    throw invalid(`Target ${show(name)} is constant (${y[0]}); there is nothing to learn.`);
  return y;
}

function classificationTarget(column: Column, name: string, task: Task): EncodedTarget {
  const y = new Float64Array(column.kind === 'numeric' ? column.values.length : column.codes.length);
  let classes: string[] | number[];
  if (column.kind === 'categorical') {
    const used = distinctCodes(column);
    const labels = used.map((c) => column.dictionary[c]!).sort();
    const index = new Map(labels.map((l, i) => [l, i]));
    const codeToClass = column.dictionary.map((l) => index.get(l) ?? -1);
    for (let i = 0; i < y.length; i++) {
      const c = column.codes[i]!;
      if (c < 0)
        throw invalid(`Target ${show(name)} has a missing value at row ${i}; drop those rows first.`);
      y[i] = codeToClass[c]!;
    }
    classes = labels;
  } else {
    const distinct = new Set<number>();
    column.values.forEach((v, i) => {
      if (!Number.isFinite(v))
        throw invalid(
          `Target ${show(name)} has ${Number.isNaN(v) ? 'a missing value' : String(v)} at row ${i}; drop those rows first.`,
        );
      if (!Number.isInteger(v))
        throw invalid(
          `Target ${show(name)} has the non-integer value ${v} at row ${i}; a classifier needs class labels (integers or strings). For a numeric target use regression.`,
        );
      distinct.add(v);
    });
    const labels = [...distinct].sort((a, b) => a - b);
    const index = new Map(labels.map((l, i) => [l, i]));
    column.values.forEach((v, i) => {
      y[i] = index.get(v)!;
    });
    classes = labels;
  }
  if (y.length === 0) throw invalid(`No rows to train on.`);
  if (classes.length < 2)
    throw invalid(
      `Target ${show(name)} has a single class (${show(classes[0])}); a classifier needs at least two.`,
    );
  if (classes.length > MAX_CLASSES)
    throw invalid(
      `Target ${show(name)} has ${classes.length} classes; at most ${MAX_CLASSES} are supported. Is it a regression target?`,
    );
  if (task === 'binary' && classes.length > 2)
    throw invalid(
      `Task binary was asked but target ${show(name)} has ${classes.length} classes; use multiclass.`,
    );
  return { task: classes.length === 2 ? 'binary' : 'multiclass', y, classes };
}

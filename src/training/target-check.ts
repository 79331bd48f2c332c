import { invalid, show } from '../core/errors.js';
import type { Frame } from '../learn/index.js';

/** As the learners: a classifier takes at most this many classes. */
export const MAX_CLASSES = 100;

export type TaskChoice = 'classification' | 'regression';

/**
 * Checks the target column of a table before training, with the table's own row numbers (1-based data rows, as
 * every data error) and advice: present, no missing values, numeric for regression, class labels (integers or text,
 * at most 100 distinct) for classification. The learners check again, without the file context.
 */
export function checkTarget(
  frame: Frame,
  target: string,
  opts: { task: TaskChoice | undefined; learner: string; source: string },
): void {
  const column = frame.columns[target];
  if (!column)
    throw invalid(
      `Target column ${show(target)} is not in ${opts.source}; its columns are: ${Object.keys(frame.columns).join(', ') || '(none)'}.`,
    );
  const n = frame.nRows;
  if (n === 0) throw invalid(`${opts.source} has no rows to train on.`);
  checkNoMissing(frame, target, opts.source, 'training');
  const regression = opts.task === 'regression' || opts.learner === 'ridge' || opts.learner === 'linear';
  if (column.kind === 'categorical') {
    if (regression)
      throw invalid(
        `Target ${show(target)} in ${opts.source} is text (e.g. ${show(column.dictionary[column.codes[0]!])}); ${opts.task === 'regression' ? '--task regression' : `the ${opts.learner} learner`} needs a numeric target. For class labels use --learner logistic or gbdt with --task classification.`,
      );
    const distinct = new Set(column.codes).size;
    if (distinct > MAX_CLASSES)
      throw invalid(
        `Target ${show(target)} in ${opts.source} has ${distinct} distinct labels; a classifier takes at most ${MAX_CLASSES} classes. Group rare labels, or choose another target.`,
      );
    return;
  }
  const values = column.values;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i]!))
      throw invalid(
        `Target ${show(target)} has ${values[i]} at row ${i + 1} of ${opts.source}; a target must be a finite number.`,
      );
  }
  if (regression) return;
  const classification = opts.task === 'classification' || opts.learner === 'logistic';
  const distinct = new Set<number>();
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v)) {
      if (!classification) return; // gbdt without --task: a fractional target is a regression target.
      throw invalid(
        `Target ${show(target)} has the non-integer value ${v} at row ${i + 1} of ${opts.source}; classification needs class labels (integers or text). For a numeric target use --task regression (ridge or gbdt).`,
      );
    }
    distinct.add(v);
    if (distinct.size > MAX_CLASSES && classification)
      throw invalid(
        `Target ${show(target)} in ${opts.source} has more than ${MAX_CLASSES} distinct values; a classifier takes at most ${MAX_CLASSES} classes. Is it a regression target? Use --task regression (ridge or gbdt).`,
      );
  }
}

/** Every row has a value in the target column (training and evaluation need the truth); rows are 1-based. */
export function checkNoMissing(
  frame: Frame,
  target: string,
  source: string,
  purpose: 'training' | 'evaluating',
): void {
  const column = frame.columns[target];
  if (!column) return;
  const n = frame.nRows;
  let missing = 0;
  let first = -1;
  for (let i = 0; i < n; i++) {
    const absent = column.kind === 'numeric' ? Number.isNaN(column.values[i]!) : column.codes[i]! < 0;
    if (absent) {
      missing++;
      if (first < 0) first = i;
    }
  }
  if (missing > 0)
    throw invalid(
      `Target ${show(target)} is missing in ${missing} of ${n} rows of ${source} (first at row ${first + 1}); drop or fill those rows before ${purpose}.`,
    );
}

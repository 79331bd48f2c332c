import { invalid, show } from '../../core/errors.js';
import { type CategoricalColumn, type Column, type Frame, getColumn } from '../frame.js';
import type { FeatureInfo, TrainSpec } from '../types.js';

/**
 * The feature columns of a training spec, checked: present, not the target, not entirely missing, and (numeric)
 * without ±Infinity. Missing values are NaN (numeric) or code -1 (categorical) and are handled by the model.
 */
export function trainingFeatures(frame: Frame, spec: TrainSpec): FeatureInfo[] {
  const names = spec.features ?? Object.keys(frame.columns).filter((n) => n !== spec.target);
  if (names.includes(spec.target))
    throw invalid(`Feature list includes the target ${show(spec.target)}; remove it.`);
  if (names.length === 0)
    throw invalid(`No feature columns: the data has only the target ${show(spec.target)}.`);
  if (new Set(names).size !== names.length)
    throw invalid(`Feature list has duplicates: ${names.join(', ')}.`);
  return names.map((name) => {
    const column = getColumn(frame, name);
    checkTrainingColumn(name, column);
    return { name, kind: column.kind };
  });
}

function checkTrainingColumn(name: string, column: Column): void {
  let present = 0;
  if (column.kind === 'numeric') {
    const v = column.values;
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      if (x === Number.POSITIVE_INFINITY || x === Number.NEGATIVE_INFINITY)
        throw invalid(
          `Feature ${show(name)} has ${x} at row ${i}; infinite values are not accepted. Replace them (or mark them missing with NaN/null).`,
        );
      if (!Number.isNaN(x)) present++;
    }
  } else {
    for (const c of column.codes) if (c >= 0) present++;
  }
  if (present === 0) throw invalid(`Feature ${show(name)} has no values (all missing); drop it.`);
}

/** The column of a feature at prediction time, with its kind checked against training. */
export function predictionColumn(frame: Frame, feature: FeatureInfo): Column {
  const column = getColumn(frame, feature.name);
  if (column.kind !== feature.kind)
    throw invalid(
      `Feature ${show(feature.name)} was ${feature.kind} at training but is ${column.kind} here; pass the same column type.`,
    );
  if (column.kind === 'numeric') {
    const v = column.values;
    for (let i = 0; i < v.length; i++)
      if (v[i] === Number.POSITIVE_INFINITY || v[i] === Number.NEGATIVE_INFINITY)
        throw invalid(
          `Feature ${show(feature.name)} has ${v[i]} at row ${i}; predict accepts finite numbers or NaN (missing).`,
        );
  }
  return column;
}

/**
 * Missing categorical values are the category "" (that is how they reach an ONNX string input), so a category
 * literally named "" is the same as missing.
 */
export const MISSING_CATEGORY = '';

/** The level of each row in `levels` (-1 when the value is not a level: unseen, or missing without a "" level). */
export function levelIndex(column: CategoricalColumn, levels: readonly string[]): Int32Array {
  const index = new Map(levels.map((l, i) => [l, i]));
  const byCode = column.dictionary.map((d) => index.get(d) ?? -1);
  const missing = index.get(MISSING_CATEGORY) ?? -1;
  const out = new Int32Array(column.codes.length);
  for (let i = 0; i < out.length; i++) {
    const c = column.codes[i]!;
    out[i] = c < 0 ? missing : byCode[c]!;
  }
  return out;
}

/** Count of rows per category string (missing counted under ""). */
export function categoryCounts(column: CategoricalColumn): Map<string, number> {
  const byCode = new Float64Array(column.dictionary.length);
  let missing = 0;
  for (const c of column.codes) {
    if (c < 0) missing++;
    else byCode[c]!++;
  }
  const counts = new Map<string, number>();
  column.dictionary.forEach((d, i) => {
    if (byCode[i]! > 0) counts.set(d, (counts.get(d) ?? 0) + byCode[i]!);
  });
  if (missing > 0) counts.set(MISSING_CATEGORY, (counts.get(MISSING_CATEGORY) ?? 0) + missing);
  return counts;
}

import type { Frame } from '../frame.js';
import { MAX_CATEGORICAL_BINS } from '../gbdt/binning.js';
import type { FeatureInfo } from '../types.js';
import { categoryCounts, levelIndex, predictionColumn } from './features.js';

/**
 * How the tree learner sees categorical columns: each level gets an integer code, most frequent first; levels past
 * the 254th most frequent share the last code (255 codes in all). The trees split natively on sets of codes
 * (gbdt/grower.ts). An unseen level (or a missing value, unless "" was a training level) is NaN and goes right at
 * every categorical split.
 */
export interface TreeEncoding {
  /** Levels of each categorical feature, most frequent first; the code of level i is min(i, 254). */
  categorical: Record<string, string[]>;
}

export const codeOfLevel = (i: number): number => Math.min(i, MAX_CATEGORICAL_BINS - 1);

export function fitTreeEncoding(frame: Frame, features: FeatureInfo[]): TreeEncoding {
  const categorical: Record<string, string[]> = {};
  for (const f of features) {
    const column = frame.columns[f.name]!;
    if (column.kind !== 'categorical') continue;
    const counts = categoryCounts(column);
    categorical[f.name] = [...counts.keys()].sort(
      (a, b) => counts.get(b)! - counts.get(a)! || (a < b ? -1 : a > b ? 1 : 0),
    );
  }
  return { categorical };
}

/** Per feature: 0 when numeric, else the number of codes. */
export function categoryCodeCounts(enc: TreeEncoding, features: FeatureInfo[]): number[] {
  return features.map((f) =>
    f.kind === 'categorical' ? Math.min(enc.categorical[f.name]!.length, MAX_CATEGORICAL_BINS) : 0,
  );
}

/** The encoded feature columns (numeric as is, categorical as code or NaN). */
export function encodeForTrees(enc: TreeEncoding, frame: Frame, features: FeatureInfo[]): Float64Array[] {
  return features.map((f) => {
    const column = predictionColumn(frame, f);
    if (column.kind === 'numeric') return column.values;
    const level = levelIndex(column, enc.categorical[f.name]!);
    const out = new Float64Array(level.length);
    for (let i = 0; i < level.length; i++) out[i] = level[i]! < 0 ? Number.NaN : codeOfLevel(level[i]!);
    return out;
  });
}

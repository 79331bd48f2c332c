import type { Frame } from '../frame.js';
import type { FeatureInfo } from '../types.js';
import { categoryCounts, levelIndex, predictionColumn } from './features.js';

/**
 * How the tree learner sees categorical columns: target-ordered ordinal encoding. The levels are sorted by their
 * smoothed training target mean (binary: positive rate; regression: mean; multiclass: frequency), and a level's
 * code is its rank, so one threshold split on the code is a partition of the categories (Fisher's ordering, as
 * LightGBM uses per split). An unseen level (or missing, unless "" was a training level) is NaN: the split's
 * learned missing direction.
 */
export interface TreeEncoding {
  /** Levels of each categorical feature, in code order. */
  categorical: Record<string, string[]>;
}

const SMOOTHING = 10;

export function fitTreeEncoding(
  frame: Frame,
  features: FeatureInfo[],
  y: Float64Array,
  ordering: 'mean' | 'frequency',
): TreeEncoding {
  const categorical: Record<string, string[]> = {};
  let prior = 0;
  for (const v of y) prior += v;
  prior /= y.length;
  for (const f of features) {
    const column = frame.columns[f.name]!;
    if (column.kind !== 'categorical') continue;
    const counts = categoryCounts(column);
    const levels = [...counts.keys()].sort();
    let score: Map<string, number>;
    if (ordering === 'frequency') {
      score = new Map(levels.map((l) => [l, -counts.get(l)!]));
    } else {
      const level = levelIndex(column, levels);
      const sums = new Float64Array(levels.length);
      const ns = new Float64Array(levels.length);
      for (let i = 0; i < level.length; i++) {
        sums[level[i]!]! += y[i]!;
        ns[level[i]!]!++;
      }
      score = new Map(levels.map((l, k) => [l, (sums[k]! + prior * SMOOTHING) / (ns[k]! + SMOOTHING)]));
    }
    levels.sort((a, b) => score.get(a)! - score.get(b)! || (a < b ? -1 : 1));
    categorical[f.name] = levels;
  }
  return { categorical };
}

/** The encoded feature columns (numeric as is, categorical as ordinal code or NaN). */
export function encodeForTrees(enc: TreeEncoding, frame: Frame, features: FeatureInfo[]): Float64Array[] {
  return features.map((f) => {
    const column = predictionColumn(frame, f);
    if (column.kind === 'numeric') return column.values;
    const level = levelIndex(column, enc.categorical[f.name]!);
    const out = new Float64Array(level.length);
    for (let i = 0; i < level.length; i++) out[i] = level[i]! < 0 ? Number.NaN : level[i]!;
    return out;
  });
}

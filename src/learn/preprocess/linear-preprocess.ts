import type { Frame } from '../frame.js';
import type { FeatureInfo } from '../types.js';
import { categoryCounts, levelIndex, predictionColumn } from './features.js';

/** One-hot encoding keeps at most this many levels per column (the most frequent); others encode as unseen. */
export const MAX_ONE_HOT_LEVELS = 1000;

/**
 * Preprocessing of the linear learners, in the order of a scikit-learn Pipeline: numeric columns are
 * mean-imputed then standardised (population std of the imputed column; a constant column gets scale 1);
 * categorical columns are one-hot encoded over their sorted training levels, an unseen level being all zeros.
 * The design matrix is the numeric block followed by the one-hot blocks.
 */
export interface LinearPreprocess {
  numeric: { name: string; mean: number; std: number }[];
  categorical: { name: string; levels: string[] }[];
}

export function fitLinearPreprocess(frame: Frame, features: FeatureInfo[]): LinearPreprocess {
  const out: LinearPreprocess = { numeric: [], categorical: [] };
  for (const f of features) {
    const column = frame.columns[f.name]!;
    if (column.kind === 'numeric') {
      let sum = 0;
      let count = 0;
      for (const v of column.values)
        if (!Number.isNaN(v)) {
          sum += v;
          count++;
        }
      const mean = sum / count;
      let ss = 0;
      for (const v of column.values) if (!Number.isNaN(v)) ss += (v - mean) ** 2;
      const std = Math.sqrt(ss / column.values.length);
      out.numeric.push({ name: f.name, mean, std: std > 0 ? std : 1 });
    } else {
      const counts = [...categoryCounts(column)];
      counts.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      const levels = counts.slice(0, MAX_ONE_HOT_LEVELS).map(([l]) => l);
      levels.sort();
      out.categorical.push({ name: f.name, levels });
    }
  }
  return out;
}

export const designWidth = (p: LinearPreprocess): number =>
  p.numeric.length + p.categorical.reduce((s, c) => s + c.levels.length, 0);

/** The design matrix, row-major n × designWidth. */
export function linearDesign(p: LinearPreprocess, frame: Frame, features: FeatureInfo[]): Float64Array {
  const n = frame.nRows;
  const width = designWidth(p);
  const x = new Float64Array(n * width);
  const kind = new Map(features.map((f) => [f.name, f]));
  p.numeric.forEach((spec, j) => {
    const column = predictionColumn(frame, kind.get(spec.name)!);
    if (column.kind !== 'numeric') return;
    const inv = 1 / spec.std;
    for (let i = 0; i < n; i++) {
      const v = column.values[i]!;
      x[i * width + j] = ((Number.isNaN(v) ? spec.mean : v) - spec.mean) * inv;
    }
  });
  let offset = p.numeric.length;
  for (const spec of p.categorical) {
    const column = predictionColumn(frame, kind.get(spec.name)!);
    if (column.kind !== 'categorical') continue;
    const level = levelIndex(column, spec.levels);
    for (let i = 0; i < n; i++) if (level[i]! >= 0) x[i * width + offset + level[i]!] = 1;
    offset += spec.levels.length;
  }
  return x;
}

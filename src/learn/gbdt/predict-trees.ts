import type { Tree } from '../types.js';

/**
 * Raw scores (row-major n × k) of a tree ensemble on encoded feature columns. Comparisons are on float32 values, as
 * an ONNX runtime makes them: go left when fround(x) <= threshold, or when x is NaN and the node sends missing left.
 */
export function treeScores(
  trees: Tree[],
  initScore: number[],
  columns: Float64Array[],
  n: number,
): Float64Array {
  const k = initScore.length;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) out[i * k + c] = initScore[c]!;
  const x32 = columns.map((c) => Float32Array.from(c));
  for (const t of trees) {
    const { feature, threshold, missingLeft, left, right, value } = t;
    const c = t.target;
    const sets: (Set<number> | undefined)[] = left.map((_, node) => {
      const codes = t.categories?.[node];
      return codes ? new Set(codes) : undefined;
    });
    for (let i = 0; i < n; i++) {
      let node = 0;
      while (left[node]! >= 0) {
        const x = x32[feature[node]!]![i]!;
        const set = sets[node];
        const goLeft = set ? set.has(x) : Number.isNaN(x) ? missingLeft[node] === 1 : x <= threshold[node]!;
        node = goLeft ? left[node]! : right[node]!;
      }
      out[i * k + c]! += value[node]!;
    }
  }
  return out;
}

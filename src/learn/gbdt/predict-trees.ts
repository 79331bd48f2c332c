import type { Tree } from '../types.js';

/**
 * Raw scores (row-major n × k) of a tree ensemble on encoded feature columns. Comparisons are on float32 values, as
 * an ONNX runtime makes them: go left when fround(x) <= threshold, or when x is NaN and the node sends missing left;
 * at a categorical split, go left when the code is in the node's set (NaN never is).
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
    const flat = flatten(t);
    const c = t.target;
    for (let i = 0; i < n; i++) out[i * k + c]! += flat.value[leafOf(flat, x32, i)]!;
  }
  return out;
}

/** A tree in typed arrays; categorical nodes point at a 256-entry membership table in `sets`. */
interface FlatTree {
  feature: Int32Array;
  threshold: Float32Array;
  missingLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  /** -1 for numeric nodes, else the offset of the node's table in `sets`. */
  setOffset: Int32Array;
  sets: Uint8Array;
}

function flatten(t: Tree): FlatTree {
  const m = t.left.length;
  const setOffset = new Int32Array(m).fill(-1);
  const categorical = Object.entries(t.categories ?? {});
  const sets = new Uint8Array(categorical.length * 256);
  categorical.forEach(([node, codes], j) => {
    setOffset[Number(node)] = j * 256;
    for (const code of codes) sets[j * 256 + code] = 1;
  });
  return {
    feature: Int32Array.from(t.feature),
    threshold: Float32Array.from(t.threshold),
    missingLeft: Uint8Array.from(t.missingLeft),
    left: Int32Array.from(t.left),
    right: Int32Array.from(t.right),
    value: Float64Array.from(t.value),
    setOffset,
    sets,
  };
}

function leafOf(t: FlatTree, x32: Float32Array[], i: number): number {
  let node = 0;
  while (t.left[node]! >= 0) {
    const x = x32[t.feature[node]!]![i]!;
    const set = t.setOffset[node]!;
    const missing = Number.isNaN(x);
    let goLeft: boolean;
    if (set >= 0) goLeft = !missing && t.sets[set + (x | 0)]! === 1;
    else if (missing) goLeft = t.missingLeft[node] === 1;
    else goLeft = x <= t.threshold[node]!;
    node = goLeft ? t.left[node]! : t.right[node]!;
  }
  return node;
}

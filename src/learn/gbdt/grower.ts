import type { BinnedFeatures } from './binning.js';

/**
 * Grows one regression tree on gradients/hessians over binned features: histograms per leaf (the smaller child
 * is built, the larger is parent − smaller), leaf-wise (best gain first, up to maxLeaves) or depth-wise (shallowest
 * first) growth, missing values sent to the side that gains more. Rows are partitioned in place in `rows`, so at the
 * end every leaf owns a contiguous range of it.
 */
export interface GrowParams {
  maxLeaves: number;
  maxDepth: number; // 0 = unlimited
  minSamplesLeaf: number;
  minHessianLeaf: number;
  l2: number;
  minGain: number;
  learningRate: number;
  depthwise: boolean;
}

/** A tree over bins; node i is a leaf when left[i] === -1. */
export interface BinTree {
  feature: number[];
  bin: number[];
  missingLeft: number[];
  left: number[];
  right: number[];
  value: number[];
  gain: number[];
  /** Leaf node → [start, end) in rows. */
  leafRanges: { node: number; start: number; end: number }[];
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  c: number;
  hist: Float64Array;
  // best split
  gain: number;
  feature: number;
  bin: number;
  missingLeft: boolean;
}

export class Grower {
  private readonly pool: Float64Array[] = [];
  private og: Float64Array;
  private oh: Float64Array;
  private scratch: Uint32Array;

  constructor(
    private readonly data: BinnedFeatures,
    private readonly p: GrowParams,
  ) {
    this.og = new Float64Array(data.n);
    this.oh = new Float64Array(data.n);
    this.scratch = new Uint32Array(data.n);
  }

  private takeHist(): Float64Array {
    return this.pool.pop() ?? new Float64Array(this.data.totalSlots * 3);
  }

  grow(
    grad: Float64Array,
    hess: Float64Array,
    rows: Uint32Array,
    nRows: number,
    features: Int32Array,
  ): BinTree {
    const tree: BinTree = {
      feature: [],
      bin: [],
      missingLeft: [],
      left: [],
      right: [],
      value: [],
      gain: [],
      leafRanges: [],
    };
    const newNode = () => {
      tree.feature.push(-1);
      tree.bin.push(0);
      tree.missingLeft.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push(0);
      tree.gain.push(0);
      return tree.feature.length - 1;
    };
    const root = this.makeLeaf(newNode(), 0, nRows, 0, this.takeHist());
    this.buildHist(root.hist, grad, hess, rows, 0, nRows, features);
    this.sums(root, features);
    this.findBest(root, features);
    const leaves: Leaf[] = [root];
    const p = this.p;
    while (leaves.length < p.maxLeaves) {
      let pick = -1;
      for (let i = 0; i < leaves.length; i++) {
        const l = leaves[i]!;
        if (l.feature < 0) continue;
        if (pick < 0) pick = i;
        else {
          const best = leaves[pick]!;
          const better = p.depthwise
            ? l.depth < best.depth || (l.depth === best.depth && l.node < best.node)
            : l.gain > best.gain;
          if (better) pick = i;
        }
      }
      if (pick < 0) break;
      const leaf = leaves[pick]!;
      const mid = this.partition(rows, leaf);
      const leftNode = newNode();
      const rightNode = newNode();
      tree.feature[leaf.node] = leaf.feature;
      tree.bin[leaf.node] = leaf.bin;
      tree.missingLeft[leaf.node] = leaf.missingLeft ? 1 : 0;
      tree.left[leaf.node] = leftNode;
      tree.right[leaf.node] = rightNode;
      tree.gain[leaf.node] = leaf.gain;
      const nLeft = mid - leaf.start;
      const nRight = leaf.end - mid;
      const small = this.makeLeaf(
        nLeft <= nRight ? leftNode : rightNode,
        nLeft <= nRight ? leaf.start : mid,
        nLeft <= nRight ? mid : leaf.end,
        leaf.depth + 1,
        this.takeHist(),
      );
      const large = this.makeLeaf(
        nLeft <= nRight ? rightNode : leftNode,
        nLeft <= nRight ? mid : leaf.start,
        nLeft <= nRight ? leaf.end : mid,
        leaf.depth + 1,
        leaf.hist,
      );
      this.buildHist(small.hist, grad, hess, rows, small.start, small.end, features);
      const lh = large.hist;
      const sh = small.hist;
      for (const f of features) {
        const from = this.data.offsets[f]! * 3;
        const to = from + (this.data.nValueBins[f]! + 1) * 3;
        for (let s = from; s < to; s++) lh[s]! -= sh[s]!;
      }
      const leftLeaf = small.node === leftNode ? small : large;
      const rightLeaf = small.node === leftNode ? large : small;
      this.sums(small, features);
      this.sums(large, features);
      const canSplit = p.maxDepth <= 0 || leaf.depth + 1 < p.maxDepth;
      if (canSplit) {
        this.findBest(leftLeaf, features);
        this.findBest(rightLeaf, features);
      }
      leaves.splice(pick, 1, leftLeaf, rightLeaf);
    }
    for (const l of leaves) {
      tree.value[l.node] = (-l.g / (l.h + p.l2)) * p.learningRate;
      tree.leafRanges.push({ node: l.node, start: l.start, end: l.end });
      this.pool.push(l.hist);
    }
    return tree;
  }

  private makeLeaf(node: number, start: number, end: number, depth: number, hist: Float64Array): Leaf {
    return {
      node,
      start,
      end,
      depth,
      g: 0,
      h: 0,
      c: 0,
      hist,
      gain: 0,
      feature: -1,
      bin: 0,
      missingLeft: false,
    };
  }

  /** Totals of a leaf from its histogram (any one feature's slots sum to them). */
  private sums(leaf: Leaf, features: Int32Array): void {
    const f = features[0]!;
    const from = this.data.offsets[f]! * 3;
    const to = from + (this.data.nValueBins[f]! + 1) * 3;
    let g = 0;
    let h = 0;
    let c = 0;
    for (let s = from; s < to; s += 3) {
      g += leaf.hist[s]!;
      h += leaf.hist[s + 1]!;
      c += leaf.hist[s + 2]!;
    }
    leaf.g = g;
    leaf.h = h;
    leaf.c = Math.round(c);
  }

  private buildHist(
    hist: Float64Array,
    grad: Float64Array,
    hess: Float64Array,
    rows: Uint32Array,
    start: number,
    end: number,
    features: Int32Array,
  ): void {
    hist.fill(0);
    const len = end - start;
    const og = this.og;
    const oh = this.oh;
    for (let i = 0; i < len; i++) {
      const r = rows[start + i]!;
      og[i] = grad[r]!;
      oh[i] = hess[r]!;
    }
    const { bins, offsets } = this.data;
    for (let k = 0; k < features.length; k++) {
      const f = features[k]!;
      const col = bins[f]!;
      const base = offsets[f]!;
      for (let i = 0; i < len; i++) {
        const s = (base + col[rows[start + i]!]!) * 3;
        hist[s]! += og[i]!;
        hist[s + 1]! += oh[i]!;
        hist[s + 2]!++;
      }
    }
  }

  private findBest(leaf: Leaf, features: Int32Array): void {
    const { l2, minSamplesLeaf, minHessianLeaf, minGain } = this.p;
    const hist = leaf.hist;
    const G = leaf.g;
    const H = leaf.h;
    const C = leaf.c;
    leaf.feature = -1;
    leaf.gain = minGain;
    if (C < 2 * minSamplesLeaf) return;
    const parent = (G * G) / (H + l2);
    for (let k = 0; k < features.length; k++) {
      const f = features[k]!;
      const nb = this.data.nValueBins[f]!;
      const off = this.data.offsets[f]!;
      const ms = (off + nb) * 3;
      const gm = hist[ms]!;
      const hm = hist[ms + 1]!;
      const cm = hist[ms + 2]!;
      let gl = 0;
      let hl = 0;
      let cl = 0;
      // b = nb - 1 (every value left) only separates the missing values, which then go right
      const lastBin = cm > 0 ? nb : nb - 1;
      for (let b = 0; b < lastBin; b++) {
        const s = (off + b) * 3;
        gl += hist[s]!;
        hl += hist[s + 1]!;
        cl += hist[s + 2]!;
        // missing to the right
        const gr = G - gl;
        const hr = H - hl;
        const cr = C - cl;
        if (cl >= minSamplesLeaf && cr >= minSamplesLeaf && hl >= minHessianLeaf && hr >= minHessianLeaf) {
          const gain = (gl * gl) / (hl + l2) + (gr * gr) / (hr + l2) - parent;
          if (gain > leaf.gain) {
            leaf.gain = gain;
            leaf.feature = f;
            leaf.bin = b;
            // without missing values in the node, missing follows the larger side
            leaf.missingLeft = cm > 0 ? false : cl > cr;
          }
        }
        if (cm > 0 && b < nb - 1) {
          const gl2 = gl + gm;
          const hl2 = hl + hm;
          const cl2 = cl + cm;
          const gr2 = G - gl2;
          const hr2 = H - hl2;
          const cr2 = C - cl2;
          if (
            cl2 >= minSamplesLeaf &&
            cr2 >= minSamplesLeaf &&
            hl2 >= minHessianLeaf &&
            hr2 >= minHessianLeaf
          ) {
            const gain = (gl2 * gl2) / (hl2 + l2) + (gr2 * gr2) / (hr2 + l2) - parent;
            if (gain > leaf.gain) {
              leaf.gain = gain;
              leaf.feature = f;
              leaf.bin = b;
              leaf.missingLeft = true;
            }
          }
        }
      }
    }
  }

  /** Stable in-place partition of the leaf's rows by its best split; returns the first right position. */
  private partition(rows: Uint32Array, leaf: Leaf): number {
    const col = this.data.bins[leaf.feature]!;
    const missingBin = this.data.nValueBins[leaf.feature]!;
    const thr = leaf.bin;
    const ml = leaf.missingLeft;
    const scratch = this.scratch;
    let w = leaf.start;
    let r = 0;
    for (let i = leaf.start; i < leaf.end; i++) {
      const row = rows[i]!;
      const b = col[row]!;
      if (b === missingBin ? ml : b <= thr) rows[w++] = row;
      else scratch[r++] = row;
    }
    rows.set(scratch.subarray(0, r), w);
    return w;
  }
}

/** The leaf reached by row `r` of binned data. */
export function binTreeLeaf(tree: BinTree, data: BinnedFeatures, r: number): number {
  let node = 0;
  while (tree.left[node]! >= 0) {
    const f = tree.feature[node]!;
    const b = data.bins[f]![r]!;
    const goLeft = b === data.nValueBins[f]! ? tree.missingLeft[node] === 1 : b <= tree.bin[node]!;
    node = goLeft ? tree.left[node]! : tree.right[node]!;
  }
  return node;
}

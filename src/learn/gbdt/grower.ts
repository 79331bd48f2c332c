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
  /** Categorical splits (LightGBM's scheme): see findBestCategorical. */
  catSmooth: number;
  catL2: number;
  maxCatThreshold: number;
  minDataPerGroup: number;
  maxCatToOnehot: number;
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
  /** Categorical split: 1 for each bin (= category code) that goes left; null on numeric splits. */
  catLeft: (Uint8Array | null)[];
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
  cat: Uint8Array | null;
}

export class Grower {
  private readonly pool: Float64Array[] = [];
  private og: Float64Array;
  private oh: Float64Array;
  private scratch: Uint32Array;
  private readonly goesLeft = new Uint8Array(256);

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

  grow(gh: Float32Array, rows: Uint32Array, nRows: number, features: Int32Array): BinTree {
    const tree: BinTree = {
      feature: [],
      bin: [],
      missingLeft: [],
      left: [],
      right: [],
      value: [],
      gain: [],
      catLeft: [],
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
      tree.catLeft.push(null);
      return tree.feature.length - 1;
    };
    const root = this.makeLeaf(newNode(), 0, nRows, 0, this.takeHist());
    this.buildHist(root.hist, gh, rows, 0, nRows, features);
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
      tree.catLeft[leaf.node] = leaf.cat;
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
      this.buildHist(small.hist, gh, rows, small.start, small.end, features);
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
      cat: null,
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
    gh: Float32Array,
    rows: Uint32Array,
    start: number,
    end: number,
    features: Int32Array,
  ): void {
    hist.fill(0);
    const { offsets, rowMajor, bins } = this.data;
    const nf = bins.length;
    if (features.length === nf) {
      // Every feature: one pass over the rows, reading each row's bins together.
      for (let i = start; i < end; i++) {
        const r = rows[i]!;
        const g = gh[2 * r]!;
        const h = gh[2 * r + 1]!;
        const base = r * nf;
        for (let f = 0; f < nf; f++) {
          const s = (offsets[f]! + rowMajor[base + f]!) * 3;
          hist[s]! += g;
          hist[s + 1]! += h;
          hist[s + 2]!++;
        }
      }
      return;
    }
    const len = end - start;
    const og = this.og;
    const oh = this.oh;
    for (let i = 0; i < len; i++) {
      const r = rows[start + i]!;
      og[i] = gh[2 * r]!;
      oh[i] = gh[2 * r + 1]!;
    }
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
    leaf.cat = null;
    if (C < 2 * minSamplesLeaf) return;
    const parent = (G * G) / (H + l2);
    for (let k = 0; k < features.length; k++) {
      const f = features[k]!;
      if (this.data.categorical[f]) {
        this.findBestCategorical(leaf, f, parent);
        continue;
      }
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
            leaf.cat = null;
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
              leaf.cat = null;
              leaf.missingLeft = true;
            }
          }
        }
      }
    }
  }

  /**
   * LightGBM's categorical split: categories with at least catSmooth rows are sorted by g / (h + catSmooth); the
   * left side is a prefix of that order, from either end, of at most maxCatThreshold categories, taken in groups of
   * at least minDataPerGroup rows; gains use l2 + catL2. With at most maxCatToOnehot categories, one category
   * against the rest. Rare, missing and unseen categories go right.
   */
  private findBestCategorical(leaf: Leaf, f: number, parent: number): void {
    const { l2, minSamplesLeaf, minHessianLeaf, catSmooth, catL2, maxCatThreshold, minDataPerGroup } = this.p;
    const hist = leaf.hist;
    const nb = this.data.nValueBins[f]!;
    const off = this.data.offsets[f]!;
    const G = leaf.g;
    const H = leaf.h;
    const C = leaf.c;
    const lam = l2 + catL2;
    const consider = (gl: number, hl: number, cl: number, pick: () => Uint8Array): void => {
      const gr = G - gl;
      const hr = H - hl;
      const cr = C - cl;
      if (cl < minSamplesLeaf || cr < minSamplesLeaf || hl < minHessianLeaf || hr < minHessianLeaf) return;
      const gain = (gl * gl) / (hl + lam) + (gr * gr) / (hr + lam) - parent;
      if (gain > leaf.gain) {
        leaf.gain = gain;
        leaf.feature = f;
        leaf.bin = 0;
        leaf.missingLeft = false;
        leaf.cat = pick();
      }
    };
    if (nb <= this.p.maxCatToOnehot) {
      for (let b = 0; b < nb; b++) {
        const s = (off + b) * 3;
        if (hist[s + 2]! === 0) continue;
        consider(hist[s]!, hist[s + 1]!, hist[s + 2]!, () => {
          const set = new Uint8Array(nb);
          set[b] = 1;
          return set;
        });
      }
      return;
    }
    const used: number[] = [];
    for (let b = 0; b < nb; b++) if (hist[(off + b) * 3 + 2]! >= catSmooth) used.push(b);
    if (used.length < 2) return;
    const ctr = (b: number) => hist[(off + b) * 3]! / (hist[(off + b) * 3 + 1]! + catSmooth);
    used.sort((a, b) => ctr(a) - ctr(b) || a - b);
    const maxNum = Math.min(maxCatThreshold, Math.floor((used.length + 1) / 2));
    for (const dir of [1, -1]) {
      let gl = 0;
      let hl = 0;
      let cl = 0;
      let group = 0;
      for (let i = 0; i < used.length && i < maxNum; i++) {
        const b = used[dir === 1 ? i : used.length - 1 - i]!;
        const s = (off + b) * 3;
        gl += hist[s]!;
        hl += hist[s + 1]!;
        cl += hist[s + 2]!;
        group += hist[s + 2]!;
        if (cl < minSamplesLeaf || hl < minHessianLeaf) continue;
        if (C - cl < minSamplesLeaf || C - cl < minDataPerGroup) break;
        if (group < minDataPerGroup) continue;
        group = 0;
        const count = i + 1;
        consider(gl, hl, cl, () => {
          const set = new Uint8Array(nb);
          for (let j = 0; j < count; j++) set[used[dir === 1 ? j : used.length - 1 - j]!] = 1;
          return set;
        });
      }
    }
  }

  /**
   * Stable in-place partition of the leaf's rows by its best split; returns the first right position. Branch-free:
   * a 256-entry table says which bins go left, and each row is written to both sides with only one cursor moving.
   */
  private partition(rows: Uint32Array, leaf: Leaf): number {
    const col = this.data.bins[leaf.feature]!;
    const missingBin = this.data.nValueBins[leaf.feature]!;
    const goesLeft = this.goesLeft;
    for (let b = 0; b <= missingBin; b++) {
      const left = leaf.cat
        ? b !== missingBin && leaf.cat[b] === 1
        : b === missingBin
          ? leaf.missingLeft
          : b <= leaf.bin;
      goesLeft[b] = left ? 1 : 0;
    }
    const scratch = this.scratch;
    let w = leaf.start;
    let r = 0;
    for (let i = leaf.start; i < leaf.end; i++) {
      const row = rows[i]!;
      const left = goesLeft[col[row]!]!;
      rows[w] = row;
      scratch[r] = row;
      w += left;
      r += 1 - left;
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
    const cat = tree.catLeft[node];
    const missing = b === data.nValueBins[f]!;
    const goLeft = cat
      ? !missing && cat[b] === 1
      : missing
        ? tree.missingLeft[node] === 1
        : b <= tree.bin[node]!;
    node = goLeft ? tree.left[node]! : tree.right[node]!;
  }
  return node;
}

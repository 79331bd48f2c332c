import { Random } from '../random.js';
import type { Task, TrainingSummary, TrainProgress, Tree } from '../types.js';
import { applyBins, type BinnedFeatures, binFeatures } from './binning.js';
import { type BinTree, binTreeLeaf, Grower } from './grower.js';
import { objectiveFor } from './objective.js';

export interface GbdtOptions {
  trees: number;
  learningRate: number;
  maxLeaves: number;
  maxDepth: number;
  growth: 'leafwise' | 'depthwise';
  minSamplesLeaf: number;
  minHessianLeaf: number;
  l2: number;
  minGain: number;
  maxBins: number;
  rowSubsample: number;
  colSubsample: number;
  earlyStoppingRounds: number;
  validationFraction: number;
  catSmooth: number;
  catL2: number;
  maxCatThreshold: number;
  minDataPerGroup: number;
  maxCatToOnehot: number;
}

export interface GbdtResult {
  trees: Tree[];
  initScore: number[];
  importance: { gain: number[]; splits: number[] };
  summary: Omit<TrainingSummary, 'nRows' | 'seconds'>;
}

/** Losses are computed for progress every this many iterations (and at the last one); they cost a log per row. */
const LOSS_EVERY = 10;

/**
 * Histogram gradient boosting over encoded feature columns (NaN = missing). Deterministic for a seed: the binning
 * sample, the validation split, row and column subsampling all draw from seeded generators.
 */
export function trainGbdt(
  columns: Float64Array[],
  /** Per feature: 0 for numeric, else the number of category codes (values 0..count-1, NaN missing). */
  categoryCounts: number[],
  y: Float64Array,
  task: Task,
  nClasses: number,
  o: GbdtOptions,
  seed: number,
  onProgress?: (p: TrainProgress) => void,
): GbdtResult {
  const objective = objectiveFor(task, nClasses);
  const k = objective.k;
  const random = new Random(seed);
  const n = y.length;

  // Validation split for early stopping.
  let trainIdx: Uint32Array | null = null;
  let validIdx: Uint32Array | null = null;
  if (o.earlyStoppingRounds > 0) {
    const perm = random.permutation(n);
    const nValid = Math.max(1, Math.round(n * o.validationFraction));
    validIdx = perm.slice(0, nValid).sort();
    trainIdx = perm.slice(nValid).sort();
  }
  const pick = (a: Float64Array, idx: Uint32Array | null) => (idx ? Float64Array.from(idx, (i) => a[i]!) : a);
  const trainCols = columns.map((c) => pick(c, trainIdx));
  const yTrain = pick(y, trainIdx);
  const nTrain = yTrain.length;
  const data = binFeatures(trainCols, o.maxBins, seed, categoryCounts);
  let valid: BinnedFeatures | null = null;
  let yValid: Float64Array | null = null;
  if (validIdx) {
    valid = applyBins(
      columns.map((c) => pick(c, validIdx)),
      data.upper,
      categoryCounts,
    );
    yValid = pick(y, validIdx);
  }

  const initScore = objective.initScore(yTrain);
  const scores = new Float64Array(nTrain * k);
  for (let i = 0; i < nTrain; i++) for (let c = 0; c < k; c++) scores[i * k + c] = initScore[c]!;
  const validScores = valid ? new Float64Array(valid.n * k) : null;
  if (validScores)
    for (let i = 0; i < valid!.n; i++) for (let c = 0; c < k; c++) validScores[i * k + c] = initScore[c]!;

  const gh = Array.from({ length: k }, () => new Float32Array(2 * nTrain));
  const grower = new Grower(data, {
    maxLeaves: o.maxLeaves,
    maxDepth: o.maxDepth,
    minSamplesLeaf: o.minSamplesLeaf,
    minHessianLeaf: o.minHessianLeaf,
    l2: o.l2,
    minGain: o.minGain,
    learningRate: o.learningRate,
    depthwise: o.growth === 'depthwise',
    catSmooth: o.catSmooth,
    catL2: o.catL2,
    maxCatThreshold: o.maxCatThreshold,
    minDataPerGroup: o.minDataPerGroup,
    maxCatToOnehot: o.maxCatToOnehot,
  });
  const nFeatures = columns.length;
  const rows = new Uint32Array(nTrain);
  const inBag = new Uint8Array(nTrain);
  const trees: Tree[] = [];
  const gainImp = new Array<number>(nFeatures).fill(0);
  const splitImp = new Array<number>(nFeatures).fill(0);
  const history: TrainingSummary['history'] = [];
  let best = { loss: Number.POSITIVE_INFINITY, iteration: 0 };
  let iterations = 0;

  for (let it = 0; it < o.trees; it++) {
    objective.gradients(scores, yTrain, gh);
    // Row subsample for this iteration (shared by the k trees).
    let nRows = nTrain;
    if (o.rowSubsample < 1) {
      nRows = 0;
      for (let i = 0; i < nTrain; i++) {
        const take = random.next() < o.rowSubsample;
        inBag[i] = take ? 1 : 0;
        if (take) rows[nRows++] = i;
      }
      if (nRows === 0) rows[nRows++] = random.int(nTrain);
    }
    for (let c = 0; c < k; c++) {
      if (o.rowSubsample >= 1) for (let i = 0; i < nTrain; i++) rows[i] = i;
      else {
        let w = 0;
        for (let i = 0; i < nTrain; i++) if (inBag[i]) rows[w++] = i;
      }
      const features = featureSample(nFeatures, o.colSubsample, random);
      const tree = grower.grow(gh[c]!, rows, nRows, features);
      // Update scores: in-bag rows by leaf range, the rest (and validation rows) by walking the tree.
      for (const { node, start, end } of tree.leafRanges) {
        const v = tree.value[node]!;
        for (let i = start; i < end; i++) scores[rows[i]! * k + c]! += v;
      }
      if (nRows < nTrain)
        for (let i = 0; i < nTrain; i++)
          if (!inBag[i]) scores[i * k + c]! += tree.value[binTreeLeaf(tree, data, i)]!;
      if (valid && validScores)
        for (let i = 0; i < valid.n; i++) validScores[i * k + c]! += tree.value[binTreeLeaf(tree, valid, i)]!;
      tree.feature.forEach((f, node) => {
        if (tree.left[node]! >= 0) {
          gainImp[f] = gainImp[f]! + tree.gain[node]!;
          splitImp[f] = splitImp[f]! + 1;
        }
      });
      trees.push(toTree(tree, data, c));
    }
    iterations = it + 1;
    const last = it === o.trees - 1;
    const validLoss = valid && validScores ? objective.loss(validScores, yValid!) : undefined;
    if ((it + 1) % LOSS_EVERY === 0 || last || validLoss !== undefined) {
      const trainLoss = objective.loss(scores, yTrain);
      history.push({
        iteration: it + 1,
        train: trainLoss,
        ...(validLoss !== undefined ? { validation: validLoss } : {}),
      });
      onProgress?.({
        iteration: it + 1,
        total: o.trees,
        trainLoss,
        ...(validLoss !== undefined ? { validationLoss: validLoss } : {}),
      });
    }
    if (validLoss !== undefined) {
      if (validLoss < best.loss - 1e-12) best = { loss: validLoss, iteration: it + 1 };
      else if (it + 1 - best.iteration >= o.earlyStoppingRounds) break;
    }
  }
  let bestIteration: number | undefined;
  if (valid) {
    bestIteration = Math.max(1, best.iteration);
    trees.length = bestIteration * k;
  }
  return {
    trees,
    initScore,
    importance: { gain: gainImp, splits: splitImp },
    summary: {
      nTrainRows: nTrain,
      nValidationRows: valid?.n ?? 0,
      iterations,
      ...(bestIteration !== undefined ? { bestIteration } : {}),
      history,
    },
  };
}

function featureSample(n: number, fraction: number, random: Random): Int32Array {
  if (fraction >= 1) return Int32Array.from({ length: n }, (_, i) => i);
  const take = Math.max(1, Math.round(n * fraction));
  return Int32Array.from(random.permutation(n).slice(0, take)).sort();
}

/** The largest float32: the threshold of a split that only separates missing values (every number goes left). */
const FLT_MAX = 3.4028234663852886e38;

/** A bin tree as exported: thresholds are the float32 upper bounds of the split bins. */
function toTree(t: BinTree, data: BinnedFeatures, target: number): Tree {
  const categories: Record<string, number[]> = {};
  t.catLeft.forEach((set, node) => {
    if (!set) return;
    const codes: number[] = [];
    set.forEach((v, code) => {
      if (v) codes.push(code);
    });
    categories[node] = codes;
  });
  return {
    ...(Object.keys(categories).length > 0 ? { categories } : {}),
    feature: t.feature.map((f) => Math.max(f, 0)),
    threshold: t.feature.map((f, i) =>
      f >= 0 && t.left[i]! >= 0 && !t.catLeft[i] ? Math.min(data.upper[f]![t.bin[i]!]!, FLT_MAX) : 0,
    ),
    missingLeft: t.missingLeft.slice(),
    left: t.left.slice(),
    right: t.right.slice(),
    value: t.value.map((v) => Math.fround(v)),
    target,
  };
}

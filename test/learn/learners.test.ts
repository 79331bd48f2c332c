import { describe, expect, it } from 'vitest';
import { rocAuc } from '../../src/learn/evaluate/classification.js';
import { regressionMetrics } from '../../src/learn/evaluate/regression.js';
import { fitModel } from '../../src/learn/fit.js';
import { type Frame, frameFrom, takeRows } from '../../src/learn/frame.js';
import { predict } from '../../src/learn/predict.js';
import { train } from '../../src/learn/train.js';
import type { TrainedModel, TrainProgress, Tree } from '../../src/learn/types.js';
import { FEATURES, maxAbsDiff, mixedFrame, PYTHON_TIMEOUT, reference, wireColumns } from './support.js';

const withoutTime = (m: TrainedModel) => ({ ...m, training: { ...m.training, seconds: 0 } });

function depthOf(t: Tree): number {
  const walk = (node: number): number =>
    t.left[node]! < 0 ? 0 : 1 + Math.max(walk(t.left[node]!), walk(t.right[node]!));
  return walk(0);
}

async function sklearnDataset(name: string) {
  const d = await reference<{ feature_names: string[]; data: number[][]; target: number[] }>({
    op: 'dataset',
    name,
  });
  const columns: Record<string, number[]> = {};
  d.feature_names.forEach((_f, j) => {
    columns[`f${j}`] = d.data.map((row) => row[j]!);
  });
  const frame = frameFrom({ ...columns, target: d.target });
  const testIdx = d.target.flatMap((_, i) => (i % 4 === 0 ? [i] : []));
  const trainIdx = d.target.flatMap((_, i) => (i % 4 !== 0 ? [i] : []));
  return {
    train: takeRows(frame, trainIdx),
    test: takeRows(frame, testIdx),
    x: (idx: number[]) => idx.map((i) => d.data[i]!),
    y: (idx: number[]) => idx.map((i) => d.target[i]!),
    trainIdx,
    testIdx,
  };
}

describe('linear learners equal scikit-learn pipelines (SimpleImputer(mean) + StandardScaler + OneHotEncoder)', {
  timeout: PYTHON_TIMEOUT,
}, () => {
  const trainFrame = mixedFrame(1500, 11);
  const testFrame = mixedFrame(300, 12);

  it('ridge: predictions equal Ridge(alpha) to 1e-8', async () => {
    const model = fitModel(trainFrame, {
      learner: 'linear',
      target: 'y_reg',
      features: FEATURES,
      params: { l2: 2.5 },
    });
    const ref = await reference({
      op: 'fit_linear',
      learner: 'linear',
      l2: 2.5,
      columns: wireColumns(trainFrame, FEATURES),
      y: Array.from((trainFrame.columns.y_reg as any).values),
      test_columns: wireColumns(testFrame, FEATURES),
    });
    const ours = predict(model, testFrame).values!;
    expect(maxAbsDiff(ours, ref.pred) / Math.max(...ref.pred.map(Math.abs))).toBeLessThan(1e-8);
  });

  it('logistic: probabilities equal LogisticRegression(C = 1/l2) to 1e-5, binary and multinomial', async () => {
    const ys = { y_str: trainFrame.columns.y_str as any, y_multi: trainFrame.columns.y_multi as any };
    for (const [target, column] of Object.entries(ys)) {
      const model = fitModel(trainFrame, {
        learner: 'logistic',
        target,
        features: FEATURES,
        params: { l2: 0.5 },
      });
      const ref = await reference({
        op: 'fit_linear',
        learner: 'logistic',
        l2: 0.5,
        columns: wireColumns(trainFrame, FEATURES),
        y: Array.from(column.codes as Int32Array, (c: number) => column.dictionary[c]),
        test_columns: wireColumns(testFrame, FEATURES),
      });
      expect(ref.classes).toEqual(model.classes);
      const ours = predict(model, testFrame).probabilities!;
      expect(maxAbsDiff(ours, ref.proba.flat()), target).toBeLessThan(1e-5);
    }
  });
});

describe('gbdt accuracy next to scikit-learn HistGradientBoosting (same trees, leaves, rate, min leaf)', {
  timeout: PYTHON_TIMEOUT,
}, () => {
  const params = { trees: 100, maxLeaves: 31, learningRate: 0.1, minSamplesLeaf: 20 };

  it('binary: breast cancer', async () => {
    const d = await sklearnDataset('breast_cancer');
    const model = fitModel(d.train, { learner: 'gbdt', target: 'target', task: 'binary', params });
    const p = predict(model, d.test);
    const yTest = d.y(d.testIdx);
    const accuracy = p.labels!.filter((l, i) => l === yTest[i]).length / yTest.length;
    const auc = rocAuc(
      Uint8Array.from(yTest),
      Float64Array.from(yTest, (_, i) => p.probabilities![i * 2 + 1]!),
    );
    const ref = await reference({
      op: 'hgb',
      task: 'binary',
      trees: 100,
      x_train: d.x(d.trainIdx),
      y_train: d.y(d.trainIdx),
      x_test: d.x(d.testIdx),
      y_test: yTest,
    });
    expect(accuracy).toBeGreaterThanOrEqual(ref.accuracy - 0.03);
    expect(auc).toBeGreaterThanOrEqual(ref.roc_auc - 0.02);
    expect(accuracy).toBeGreaterThan(0.9);
  });

  it('multiclass: wine', async () => {
    const d = await sklearnDataset('wine');
    const model = fitModel(d.train, {
      learner: 'gbdt',
      target: 'target',
      task: 'multiclass',
      params: { ...params, minSamplesLeaf: 5 },
    });
    expect(model.task).toBe('multiclass');
    const p = predict(model, d.test);
    const yTest = d.y(d.testIdx);
    const accuracy = p.labels!.filter((l, i) => l === yTest[i]).length / yTest.length;
    const ref = await reference({
      op: 'hgb',
      task: 'multiclass',
      trees: 100,
      x_train: d.x(d.trainIdx),
      y_train: d.y(d.trainIdx),
      x_test: d.x(d.testIdx),
      y_test: yTest,
    });
    expect(accuracy).toBeGreaterThanOrEqual(ref.accuracy - 0.05);
    expect(accuracy).toBeGreaterThan(0.85);
  });

  it('regression: diabetes', async () => {
    const d = await sklearnDataset('diabetes');
    const model = fitModel(d.train, { learner: 'gbdt', target: 'target', params });
    expect(model.task).toBe('regression');
    const yTest = d.y(d.testIdx);
    const r2 = regressionMetrics(Float64Array.from(yTest), predict(model, d.test).values!).r2;
    const ref = await reference({
      op: 'hgb',
      task: 'regression',
      trees: 100,
      x_train: d.x(d.trainIdx),
      y_train: d.y(d.trainIdx),
      x_test: d.x(d.testIdx),
      y_test: yTest,
    });
    expect(r2).toBeGreaterThanOrEqual(ref.r2 - 0.05);
  });
});

describe('gbdt behaviour', () => {
  const frame = mixedFrame(3000, 21);

  it('is deterministic for a seed, subsampling included; another seed gives another model', () => {
    const spec = {
      learner: 'gbdt' as const,
      target: 'y_multi',
      features: FEATURES,
      params: { rowSubsample: 0.6, colSubsample: 0.6, trees: 30, earlyStoppingRounds: 5 },
    };
    const a = fitModel(frame, { ...spec, seed: 42 });
    const b = fitModel(frame, { ...spec, seed: 42 });
    const c = fitModel(frame, { ...spec, seed: 43 });
    expect(withoutTime(a)).toEqual(withoutTime(b));
    expect(a.gbdt!.trees).not.toEqual(c.gbdt!.trees);
  });

  it('early stopping keeps the best iteration on the validation split', () => {
    const m = fitModel(frame, {
      learner: 'gbdt',
      target: 'y_bin',
      features: FEATURES,
      params: { trees: 400, learningRate: 0.3, earlyStoppingRounds: 5, maxLeaves: 63, minSamplesLeaf: 2 },
    });
    expect(m.training.iterations).toBeLessThan(400);
    expect(m.training.bestIteration).toBeLessThan(m.training.iterations);
    expect(m.gbdt!.trees).toHaveLength(m.training.bestIteration!);
    expect(m.training.nValidationRows).toBe(300);
    const last = m.training.history.at(-1)!;
    expect(last.validation).toBeGreaterThan(Math.min(...m.training.history.map((h) => h.validation!)));
  });

  it('leaf-wise growth respects maxLeaves; depth-wise respects maxDepth; minSamplesLeaf holds', () => {
    const leafwise = fitModel(frame, {
      learner: 'gbdt',
      target: 'y_reg',
      features: FEATURES,
      params: { maxLeaves: 7, trees: 10 },
    });
    for (const t of leafwise.gbdt!.trees) expect(t.left.filter((l) => l < 0).length).toBeLessThanOrEqual(7);
    const depthwise = fitModel(frame, {
      learner: 'gbdt',
      target: 'y_reg',
      features: FEATURES,
      params: { growth: 'depthwise', maxDepth: 3, maxLeaves: 64, trees: 10 },
    });
    for (const t of depthwise.gbdt!.trees) expect(depthOf(t)).toBeLessThanOrEqual(3);
    expect(Math.max(...depthwise.gbdt!.trees.map((t) => t.left.filter((l) => l < 0).length))).toBe(8);
    const big = fitModel(frame, {
      learner: 'gbdt',
      target: 'y_reg',
      features: FEATURES,
      params: { minSamplesLeaf: 400, trees: 1 },
    });
    expect(big.gbdt!.trees[0]!.left.filter((l) => l < 0).length).toBeLessThanOrEqual(3000 / 400);
  });

  it('feature importance ranks the informative features above the noise column x3', () => {
    const m = fitModel(frame, { learner: 'gbdt', target: 'y_bin', features: FEATURES });
    const gain = Object.fromEntries(m.features.map((f, i) => [f.name, m.gbdt!.importance.gain[i]!]));
    expect(gain.x1).toBeGreaterThan(gain.x3!);
    expect(gain.x2).toBeGreaterThan(gain.x3!);
    expect(gain.color).toBeGreaterThan(gain.x3!);
    expect(m.gbdt!.importance.splits.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('splits natively on categories: a category set that is not an interval of any order is learned in one split', () => {
    // y depends on whether the level is in {a, d, g}: one categorical split separates it.
    const levels = 'abcdefghij'.split('');
    const n = 4000;
    const level = Array.from({ length: n }, (_, i) => levels[(i * 7) % levels.length]!);
    const y = level.map((l) => ('adg'.includes(l) ? 1 : 0));
    const m = fitModel(frameFrom({ level, y }), {
      learner: 'gbdt',
      target: 'y',
      params: { trees: 1, maxLeaves: 2, learningRate: 1, minDataPerGroup: 1 },
    });
    const tree = m.gbdt!.trees[0]!;
    expect(Object.keys(tree.categories ?? {})).toEqual(['0']);
    const enc = m.gbdt!.encoding.categorical.level!;
    const left = tree.categories!['0']!.map((code) => enc[code]).sort();
    expect([['a', 'd', 'g'], levels.filter((l) => !'adg'.includes(l))]).toContainEqual(left);
  });
});

describe('train(): off the main thread', { timeout: PYTHON_TIMEOUT }, () => {
  const frame = mixedFrame(2000, 31);

  it('runs in a worker, reports progress per iteration and returns the same model as inline training', async () => {
    const progress: TrainProgress[] = [];
    const spec = {
      learner: 'gbdt' as const,
      target: 'y_multi',
      features: FEATURES,
      params: { trees: 40 },
      seed: 5,
    };
    const viaWorker = await train(frame, spec, { onProgress: (p) => progress.push(p) });
    const inline = await train(frame, spec, { inline: true });
    expect(withoutTime(viaWorker)).toEqual(withoutTime(inline));
    expect(progress.map((p) => p.iteration)).toEqual([10, 20, 30, 40]);
    expect(progress.every((p) => p.total === 40 && Number.isFinite(p.trainLoss))).toBe(true);
    expect(progress[3]!.trainLoss).toBeLessThan(progress[0]!.trainLoss);
  });

  it('brings bad-input errors back with their code and message', async () => {
    await expect(train(frame, { learner: 'gbdt', target: 'nope' })).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringContaining('"nope" is not in the data'),
    });
  });

  it('can be cancelled', async () => {
    const controller = new AbortController();
    const big: Frame = mixedFrame(60_000, 1);
    const pending = train(
      big,
      { learner: 'gbdt', target: 'y_reg', params: { trees: 2000 } },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 300);
    await expect(pending).rejects.toThrow('cancelled');
  });
});

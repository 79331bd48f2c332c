import { invalid, show } from '../core/errors.js';
import type { Frame } from './frame.js';
import { GBDT_PARAMS } from './gbdt/params.js';
import { type GbdtOptions, trainGbdt } from './gbdt/train-gbdt.js';
import { fitRidge, RIDGE_PARAMS } from './linear/ridge.js';
import { fitLogistic, LOGISTIC_PARAMS } from './logistic/logistic.js';
import { type ParamDefs, resolveParams } from './params.js';
import { trainingFeatures } from './preprocess/features.js';
import { designWidth, fitLinearPreprocess, linearDesign } from './preprocess/linear-preprocess.js';
import { categoryCodeCounts, encodeForTrees, fitTreeEncoding } from './preprocess/tree-encoding.js';
import { encodeTarget } from './target.js';
import { LEARNERS, type TrainedModel, type TrainProgress, type TrainSpec } from './types.js';

export const PARAMS: Record<TrainSpec['learner'], ParamDefs> = {
  linear: RIDGE_PARAMS,
  logistic: LOGISTIC_PARAMS,
  gbdt: GBDT_PARAMS,
};

/** Trains on the calling thread. `train` (train.ts) runs this in a worker thread. */
export function fitModel(
  frame: Frame,
  spec: TrainSpec,
  onProgress?: (p: TrainProgress) => void,
): TrainedModel {
  const started = performance.now();
  if (!(LEARNERS as readonly string[]).includes(spec.learner))
    throw invalid(`Unknown learner ${show(spec.learner)}; valid learners: ${LEARNERS.join(', ')}.`);
  const seed = spec.seed ?? 0;
  if (!Number.isInteger(seed)) throw invalid(`Seed must be an integer, got ${show(seed)}.`);
  const params = resolveParams(spec.learner, PARAMS[spec.learner], spec.params);
  const target = encodeTarget(frame, spec.target, spec.learner, spec.task);
  const features = trainingFeatures(frame, spec);
  const nClasses = target.classes?.length ?? 0;
  const base = {
    format: 'mloop.learn/1' as const,
    learner: spec.learner,
    task: target.task,
    target: spec.target,
    features,
    ...(target.classes ? { classes: target.classes } : {}),
    params,
    seed,
  };
  const n = frame.nRows;
  const seconds = () => (performance.now() - started) / 1000;

  if (spec.learner === 'gbdt') {
    const encoding = fitTreeEncoding(frame, features);
    const columns = encodeForTrees(encoding, frame, features);
    const result = trainGbdt(
      columns,
      categoryCodeCounts(encoding, features),
      target.y,
      target.task,
      nClasses,
      params as unknown as GbdtOptions,
      seed,
      onProgress,
    );
    return {
      ...base,
      gbdt: { encoding, initScore: result.initScore, trees: result.trees, importance: result.importance },
      training: { nRows: n, ...result.summary, seconds: seconds() },
    };
  }

  const preprocess = fitLinearPreprocess(frame, features);
  const p = designWidth(preprocess);
  const x = linearDesign(preprocess, frame, features);
  if (spec.learner === 'linear') {
    const { coef, intercept } = fitRidge(x, target.y, n, p, params.l2 as number);
    return {
      ...base,
      linear: { preprocess, coef, intercept: [intercept] },
      training: {
        nRows: n,
        nTrainRows: n,
        nValidationRows: 0,
        iterations: 1,
        history: [],
        seconds: seconds(),
      },
    };
  }
  const maxIter = params.maxIter as number;
  const history: TrainedModel['training']['history'] = [];
  const fit = fitLogistic(x, target.y, n, p, nClasses, {
    l2: params.l2 as number,
    maxIter,
    tol: params.tol as number,
    onIteration: (iteration, loss) => {
      if (iteration % 10 === 0) {
        history.push({ iteration, train: loss });
        onProgress?.({ iteration, total: maxIter, trainLoss: loss });
      }
    },
  });
  return {
    ...base,
    linear: { preprocess, coef: fit.coef, intercept: fit.intercept },
    training: {
      nRows: n,
      nTrainRows: n,
      nValidationRows: 0,
      iterations: fit.iterations,
      history,
      seconds: seconds(),
    },
  };
}

import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/learn/evaluate/evaluate.js';
import { fitModel } from '../../src/learn/fit.js';
import { categorical, frameFrom, numeric } from '../../src/learn/frame.js';
import { predict } from '../../src/learn/predict.js';
import type { LearnerName } from '../../src/learn/types.js';
import { FEATURES, mixedFrame } from './support.js';

const LEARNERS: LearnerName[] = ['linear', 'logistic', 'gbdt'];
const targetFor = (l: LearnerName) => (l === 'linear' ? 'y_reg' : 'y_bin');
const invalid = (message: string | RegExp) =>
  expect.objectContaining({ code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(message) });

describe('bad training input is a clear error, never a silent wrong model', () => {
  const frame = mixedFrame(300, 3);

  it.each(LEARNERS)('%s: a missing target column names the column and lists the columns', (learner) => {
    expect(() => fitModel(frame, { learner, target: 'nope' })).toThrow(
      invalid(/"nope" is not in the data; columns are: x1, x2/),
    );
  });

  it.each(LEARNERS)('%s: a constant target', (learner) => {
    const f = frameFrom({ x: [1, 2, 3, 4], y: [1, 1, 1, 1] });
    expect(() => fitModel(f, { learner, target: 'y' })).toThrow(invalid(/constant|single class/));
  });

  it.each(LEARNERS)('%s: a missing or NaN target value names the row', (learner) => {
    const f = frameFrom({ x: [1, 2, 3, 4], y: [0, 1, null, 1] });
    expect(() => fitModel(f, { learner, target: 'y' })).toThrow(invalid(/missing value at row 2/));
  });

  it('wrong target type for the learner', () => {
    expect(() => fitModel(frame, { learner: 'linear', target: 'y_str' })).toThrow(
      invalid(/categorical .*regression needs a numeric target/),
    );
    expect(() => fitModel(frame, { learner: 'logistic', target: 'y_reg' })).toThrow(
      invalid(/non-integer value .* at row 0/),
    );
    expect(() => fitModel(frame, { learner: 'gbdt', target: 'y_str', task: 'regression' })).toThrow(
      invalid(/numeric target/),
    );
    expect(() => fitModel(frame, { learner: 'gbdt', target: 'y_multi', task: 'binary' })).toThrow(
      invalid(/binary was asked .* 3 classes/),
    );
    expect(() => fitModel(frame, { learner: 'linear', target: 'y_reg', task: 'binary' })).toThrow(
      invalid(/ridge regression/),
    );
    const inf = frameFrom({ x: [1, 2, 3], y: [1, Number.POSITIVE_INFINITY, 2] });
    expect(() => fitModel(inf, { learner: 'linear', target: 'y' })).toThrow(invalid(/"Infinity" at row 1/));
  });

  it('too many classes', () => {
    const f = frameFrom({
      x: Array.from({ length: 300 }, (_, i) => i),
      y: Array.from({ length: 300 }, (_, i) => `c${i % 150}`),
    });
    expect(() => fitModel(f, { learner: 'logistic', target: 'y' })).toThrow(
      invalid(/150 classes; at most 100/),
    );
  });

  it.each(LEARNERS)(
    '%s: a feature with all values missing, an infinite feature value, no features',
    (learner) => {
      const f = frameFrom({
        x: [1, 2, 3, 4],
        empty: [null, null, null, null],
        gone: categorical([null, null, null, null]),
        y: [0, 1, 0, 1],
      });
      expect(() => fitModel(f, { learner, target: 'y', features: ['x', 'empty'] })).toThrow(
        invalid(/"empty" has no values \(all missing\)/),
      );
      expect(() => fitModel(f, { learner, target: 'y', features: ['x', 'gone'] })).toThrow(
        invalid(/"gone" has no values/),
      );
      const inf = frameFrom({ x: [1, Number.NEGATIVE_INFINITY, 3, 4], y: [0, 1, 0, 1] });
      expect(() => fitModel(inf, { learner, target: 'y' })).toThrow(invalid(/"x" has -Infinity at row 1/));
      expect(() => fitModel(frameFrom({ y: [0, 1] }), { learner, target: 'y' })).toThrow(
        invalid(/No feature columns/),
      );
      expect(() => fitModel(f, { learner, target: 'y', features: ['x', 'y'] })).toThrow(
        invalid(/includes the target/),
      );
    },
  );

  it('unknown learners, unknown parameters and out-of-range values', () => {
    expect(() => fitModel(frame, { learner: 'forest' as LearnerName, target: 'y_bin' })).toThrow(
      invalid(/Unknown learner "forest"; valid learners: linear, logistic, gbdt/),
    );
    expect(() => fitModel(frame, { learner: 'gbdt', target: 'y_bin', params: { depth: 3 } })).toThrow(
      invalid(/Unknown gbdt parameter "depth"; valid parameters: trees, learningRate/),
    );
    expect(() => fitModel(frame, { learner: 'gbdt', target: 'y_bin', params: { maxBins: '300' } })).toThrow(
      invalid(/maxBins must be in \[2, 255\], got "300"/),
    );
    expect(() => fitModel(frame, { learner: 'gbdt', target: 'y_bin', params: { learningRate: 0 } })).toThrow(
      invalid(/learningRate must be in \(0, 1\]/),
    );
    expect(() => fitModel(frame, { learner: 'gbdt', target: 'y_bin', params: { trees: '2.5' } })).toThrow(
      invalid(/trees must be an integer/),
    );
    expect(() => fitModel(frame, { learner: 'gbdt', target: 'y_bin', params: { growth: 'wide' } })).toThrow(
      invalid(/growth must be one of leafwise, depthwise/),
    );
    expect(() => fitModel(frame, { learner: 'logistic', target: 'y_bin', params: { l2: 'abc' } })).toThrow(
      invalid(/l2 must be a finite number/),
    );
    // strings from --params k=v are parsed
    expect(
      fitModel(frame, { learner: 'gbdt', target: 'y_bin', features: FEATURES, params: { trees: '3' } }).gbdt!
        .trees,
    ).toHaveLength(3);
  });

  it('mismatched column lengths in a frame', () => {
    expect(() => frameFrom({ a: [1, 2], b: [1, 2, 3] })).toThrow(
      invalid(/"b" has 3 rows but the frame has 2/),
    );
    expect(() => frameFrom({ a: [1, 'x'] as any })).toThrow(invalid(/mixes numbers and "x"/));
  });
});

describe('prediction-time input: documented behaviour', () => {
  const trainFrame = mixedFrame(800, 4);
  const models = LEARNERS.map((learner) =>
    fitModel(trainFrame, { learner, target: targetFor(learner), features: FEATURES }),
  );
  const row = (overrides: Record<string, unknown>) =>
    frameFrom({ x1: [0.3], x2: [1], x3: [0.5], color: ['red'], city: ['city1'], ...(overrides as any) });

  it.each(LEARNERS)(
    '%s: NaN (missing) numeric values predict finite outputs, also in a column never missing at training',
    (learner) => {
      const model = models[LEARNERS.indexOf(learner)]!;
      const p = predict(model, row({ x2: [null], x1: [null] }));
      const out = p.values ?? p.probabilities!;
      expect(Array.from(out).every(Number.isFinite)).toBe(true);
    },
  );

  it.each(LEARNERS)(
    '%s: an unseen category predicts (one-hot zeros / missing branch) instead of failing',
    (learner) => {
      const model = models[LEARNERS.indexOf(learner)]!;
      const p = predict(model, row({ color: ['purple'], city: ['atlantis'] }));
      expect(Array.from(p.values ?? p.probabilities!).every(Number.isFinite)).toBe(true);
    },
  );

  it.each(LEARNERS)('%s: ±Infinity is refused with the column and row', (learner) => {
    const model = models[LEARNERS.indexOf(learner)]!;
    expect(() => predict(model, row({ x3: [Number.POSITIVE_INFINITY] }))).toThrow(
      invalid(/"x3" has Infinity at row 0/),
    );
  });

  it.each(LEARNERS)('%s: a missing feature column or a column of the wrong type', (learner) => {
    const model = models[LEARNERS.indexOf(learner)]!;
    const { city: _, ...columns } = row({}).columns;
    expect(() => predict(model, { nRows: 1, columns })).toThrow(invalid(/"city" is not in the data/));
    expect(() =>
      predict(model, { nRows: 1, columns: { ...row({}).columns, x1: categorical(['0.3']) } }),
    ).toThrow(invalid(/"x1" was numeric at training but is categorical here/));
    expect(() =>
      predict(model, { nRows: 1, columns: { ...row({}).columns, color: numeric(Float64Array.of(1)) } }),
    ).toThrow(invalid(/"color" was categorical at training but is numeric here/));
  });

  it('evaluation refuses labels the model does not know, and fairness on a non-binary model', () => {
    const gbdt = models[2]!;
    const data = mixedFrame(50, 5);
    const relabelled = {
      ...data,
      columns: {
        ...data.columns,
        y_bin: numeric(Float64Array.from({ length: 50 }, (_, i) => (i === 7 ? 2 : 0))),
      },
    };
    expect(() => evaluate(gbdt, relabelled)).toThrow(
      invalid(/has 2 at row 7, which is not a class of the model \(0, 1\)/),
    );
    expect(() => evaluate(models[0]!, data, { sensitive: 'color' })).toThrow(
      invalid(/need a binary classifier/),
    );
    const wide = mixedFrame(150, 6);
    const many = {
      ...wide,
      columns: { ...wide.columns, id: numeric(Float64Array.from({ length: 150 }, (_, i) => i)) },
    };
    expect(() => evaluate(gbdt, many, { slice: 'id' })).toThrow(
      invalid(/"id" has 150 distinct values; at most 100/),
    );
    expect(() => evaluate(gbdt, many, { sensitive: 'id' })).toThrow(invalid(/"id" has 150 distinct values/));
    expect(evaluate(gbdt, many, { slice: 'color' }).slices!.groups.map((g) => g.value)).toContain(
      '(missing)',
    );
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fitModel } from '../../src/learn/fit.js';
import { type CategoricalColumn, categorical, type Frame, numeric } from '../../src/learn/frame.js';
import { LEARN_MODEL_FILE, learnPackageFiles } from '../../src/learn/model-package.js';
import { toOnnx } from '../../src/learn/onnx/export.js';
import { predict } from '../../src/learn/predict.js';
import type { Prediction, TrainedModel, TrainSpec } from '../../src/learn/types.js';
import { MANIFEST_FILE, parseManifest } from '../../src/registry/model-package.js';
import { FEATURES, maxAbsDiff, mixedFrame, PYTHON_TIMEOUT, reference, wireColumns } from './support.js';

const ort = createRequire(import.meta.url)('onnxruntime-node');

/**
 * Prediction data that training never saw: unseen levels ("purple", "city99"), missing values in a column that had
 * none at training (x2, city), and missing values where training had them (x1, color).
 */
function predictionFrame(): Frame {
  const base = mixedFrame(400, 8);
  const x2 = Float64Array.from((base.columns.x2 as { values: Float64Array }).values);
  for (let i = 0; i < x2.length; i += 17) x2[i] = Number.NaN;
  const colorCol = base.columns.color as CategoricalColumn;
  const color = Array.from(colorCol.codes, (c, i) =>
    i % 23 === 0 ? 'purple' : c < 0 ? null : colorCol.dictionary[c]!,
  );
  const cityCol = base.columns.city as CategoricalColumn;
  const city = Array.from(cityCol.codes, (c, i) =>
    i % 29 === 0 ? 'city99' : i % 31 === 0 ? null : cityCol.dictionary[c]!,
  );
  return {
    nRows: base.nRows,
    columns: { ...base.columns, x2: numeric(x2), color: categorical(color), city: categorical(city) },
  };
}

const CASES: { name: string; spec: TrainSpec; ops: string[] }[] = [
  {
    name: 'gbdt binary (0/1 target)',
    spec: { learner: 'gbdt', target: 'y_bin' },
    ops: ['TreeEnsembleRegressor', 'LabelEncoder', 'Sigmoid'],
  },
  {
    name: 'gbdt binary (string labels)',
    spec: { learner: 'gbdt', target: 'y_str' },
    ops: ['TreeEnsembleRegressor'],
  },
  {
    name: 'gbdt multiclass',
    spec: { learner: 'gbdt', target: 'y_multi' },
    ops: ['TreeEnsembleRegressor', 'Softmax'],
  },
  { name: 'gbdt regression', spec: { learner: 'gbdt', target: 'y_reg' }, ops: ['TreeEnsembleRegressor'] },
  {
    name: 'gbdt depth-wise with subsampling and early stopping',
    spec: {
      learner: 'gbdt',
      target: 'y_multi',
      params: {
        growth: 'depthwise',
        maxDepth: 4,
        rowSubsample: 0.7,
        colSubsample: 0.8,
        earlyStoppingRounds: 5,
        trees: 60,
      },
    },
    ops: ['TreeEnsembleRegressor'],
  },
  {
    name: 'logistic binary (0/1 target)',
    spec: { learner: 'logistic', target: 'y_bin' },
    ops: ['LinearClassifier', 'Imputer', 'Scaler', 'OneHotEncoder'],
  },
  {
    name: 'logistic binary (string labels)',
    spec: { learner: 'logistic', target: 'y_str' },
    ops: ['LinearClassifier'],
  },
  {
    name: 'logistic multinomial',
    spec: { learner: 'logistic', target: 'y_multi', params: { l2: 0.1 } },
    ops: ['LinearClassifier'],
  },
  {
    name: 'linear (ridge) regression',
    spec: { learner: 'linear', target: 'y_reg' },
    ops: ['LinearRegressor', 'Imputer', 'Scaler', 'OneHotEncoder'],
  },
];

interface Trained {
  model: TrainedModel;
  bytes: Uint8Array;
  path: string;
  ts: Prediction;
}

/** |onnx − ts| ≤ 1e-5 for probabilities; for regression values, relative to the prediction scale (float32 output). */
function compare(model: TrainedModel, ts: Prediction, raw: Record<string, ArrayLike<any>>): void {
  // Python answers nested lists ([N,K]); onnxruntime-node flat typed arrays.
  const outputs = Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? (v.flat() as unknown[]) : v]),
  ) as Record<string, ArrayLike<any>>;
  if (model.task === 'regression') {
    const scale = Math.max(1, ...Array.from(ts.values!, Math.abs));
    expect(maxAbsDiff(Array.from(outputs.variable!, Number), ts.values!) / scale).toBeLessThanOrEqual(1e-5);
    return;
  }
  expect(maxAbsDiff(Array.from(outputs.probabilities!, Number), ts.probabilities!)).toBeLessThanOrEqual(1e-5);
  const labels = Array.from(outputs.label!, (v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
  expect(labels.map(String)).toEqual(ts.labels!.map(String));
}

describe('ONNX export: checker, onnxruntime-node and Python onnxruntime agree with the TypeScript model', {
  timeout: PYTHON_TIMEOUT,
}, () => {
  const train = mixedFrame(2500, 7);
  const test = predictionFrame();
  const dir = mkdtempSync(join(tmpdir(), 'mloop-onnx-'));
  const trained = new Map<string, Trained>();
  let python: any[] = [];

  beforeAll(async () => {
    for (const c of CASES) {
      const model = fitModel(train, { ...c.spec, features: FEATURES, seed: 3 });
      const bytes = toOnnx(model);
      const path = join(dir, `${c.name.replace(/\W+/g, '_')}.onnx`);
      writeFileSync(path, bytes);
      trained.set(c.name, { model, bytes, path, ts: predict(model, test) });
    }
    python = await reference(
      CASES.map((c) => ({
        op: 'onnx_check',
        path: trained.get(c.name)!.path,
        feeds: wireColumns(test, FEATURES),
      })),
    );
  }, PYTHON_TIMEOUT);

  CASES.forEach((c, index) => {
    it(`${c.name}: onnx.checker (full), opsets, tensor outputs, onnxruntime-node and Python onnxruntime = TS to 1e-5`, async () => {
      const { model, bytes, ts } = trained.get(c.name)!;
      const py = python[index];
      expect(py.ir_version).toBe(8);
      expect(py.opsets).toEqual({ 'ai.onnx': 17, 'ai.onnx.ml': 3 });
      for (const op of c.ops) expect(py.ops).toContain(op);
      expect(py.ops).not.toContain('ZipMap');
      compare(model, ts, py.outputs);

      const session = await ort.InferenceSession.create(bytes);
      const feeds: Record<string, unknown> = {};
      for (const f of model.features) {
        const column = test.columns[f.name]!;
        feeds[f.name] =
          column.kind === 'numeric'
            ? new ort.Tensor('float32', Float32Array.from(column.values), [test.nRows, 1])
            : new ort.Tensor(
                'string',
                Array.from(column.codes, (code) => (code < 0 ? '' : column.dictionary[code]!)),
                [test.nRows, 1],
              );
      }
      const out = await session.run(feeds);
      expect(session.outputNames.sort()).toEqual(
        model.task === 'regression' ? ['variable'] : ['label', 'probabilities'],
      );
      const data = Object.fromEntries(Object.entries(out).map(([k, v]: [string, any]) => [k, v.data]));
      if (model.task !== 'regression') {
        expect((out as any).probabilities.dims).toEqual([test.nRows, model.classes!.length]);
        expect((out as any).label.type).toBe(typeof model.classes![0] === 'string' ? 'string' : 'int64');
      }
      compare(model, ts, data);
    });
  });

  it('the unseen and missing rows really took the documented paths', () => {
    // Linear: an unseen level is an all-zero one-hot block = the prediction without that column's contribution.
    const { model } = trained.get('linear (ridge) regression')!;
    const row = (color: string | null) => ({
      nRows: 1,
      columns: {
        x1: numeric(Float64Array.of(0.5)),
        x2: numeric(Float64Array.of(1)),
        x3: numeric(Float64Array.of(0.2)),
        color: categorical([color]),
        city: categorical(['city1']),
      },
    });
    const unseen = predict(model, row('purple')).values![0]!;
    const lin = model.linear!;
    const p = lin.coef.length;
    const levels = lin.preprocess.categorical[0]!.levels;
    const offset = lin.preprocess.numeric.length;
    const withRed = predict(model, row('red')).values![0]!;
    expect(withRed - unseen).toBeCloseTo(lin.coef[offset + levels.indexOf('red')]!, 10);
    expect(p).toBeGreaterThan(offset);
    // GBDT: an unseen level predicts like a missing value of a column without a "" level.
    const gbdt = trained.get('gbdt regression')!.model;
    const a = predict(gbdt, row('purple')).values![0];
    const cityUnseen = { ...row('red'), columns: { ...row('red').columns, city: categorical(['city99']) } };
    const cityMissing = { ...row('red'), columns: { ...row('red').columns, city: categorical([null]) } };
    expect(predict(gbdt, cityUnseen).values![0]).toBe(predict(gbdt, cityMissing).values![0]);
    expect(Number.isFinite(a)).toBe(true);
  });

  it('writes a model package: MLmodel with the onnx flavor, raw-column signature, tensor outputs, the TS model', () => {
    const { model, bytes } = trained.get('gbdt binary (string labels)')!;
    const files = learnPackageFiles(model, { runId: 'abc123' });
    const manifest = parseManifest(new TextDecoder().decode(files.get(MANIFEST_FILE)!));
    expect(manifest.flavors.onnx?.data).toBe('model.onnx');
    expect(manifest.run_id).toBe('abc123');
    expect(manifest.signature!.inputs).toEqual([
      { name: 'x1', type: 'float', required: true },
      { name: 'x2', type: 'float', required: true },
      { name: 'x3', type: 'float', required: true },
      { name: 'color', type: 'string', required: true },
      { name: 'city', type: 'string', required: true },
    ]);
    expect(manifest.signature!.outputs).toEqual([
      { type: 'tensor', name: 'label', 'tensor-spec': { dtype: 'string', shape: [-1] } },
      { type: 'tensor', name: 'probabilities', 'tensor-spec': { dtype: 'float32', shape: [-1, 2] } },
    ]);
    expect(manifest.mloop).toMatchObject({
      learner: 'gbdt',
      task: 'binary',
      target: 'y_str',
      classes: ['no', 'yes'],
    });
    expect(Buffer.from(files.get('model.onnx')!).equals(Buffer.from(bytes))).toBe(true);
    const restored = JSON.parse(new TextDecoder().decode(files.get(LEARN_MODEL_FILE)!)) as TrainedModel;
    expect(predict(restored, test)).toEqual(trained.get('gbdt binary (string labels)')!.ts);
  });
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { frameFrom, predict, type TrainedModel } from '../../src/learn/index.js';
import { openLocalClient } from '../../src/sdk/local.js';
import { seeded, workdir } from '../data/fixtures.js';
import { type CliResult, runMloop } from '../support/cli.js';
import { REPO_ROOT } from '../support/server-process.js';

/** Runs the built CLI in `cwd`, with no tracking URI or home inherited and a private stat cache. */
const mloop = (cwd: string, args: string[]) =>
  runMloop(cwd, args, { env: { MLOOP_STATE_DIR: join(cwd, '.state') } });

/** A binary target that depends on x1, x2 and the city; price is a regression target. */
function table(n: number, seed: number): string {
  const rand = seeded(seed);
  const lines = ['x1,x2,city,group,late,price'];
  for (let i = 0; i < n; i++) {
    const x1 = rand() * 4 - 2;
    const x2 = rand() * 4 - 2;
    const city = ['Oslo', 'Rome', 'Lima'][Math.floor(rand() * 3)]!;
    const group = rand() < 0.5 ? 'a' : 'b';
    const score = 1.5 * x1 - x2 + (city === 'Rome' ? 1 : 0) + (rand() - 0.5);
    const price = 3 * x1 + x2 + (city === 'Lima' ? 2 : 0) + (rand() - 0.5) * 0.1;
    lines.push(
      `${i % 17 === 0 ? '' : x1.toFixed(4)},${x2.toFixed(4)},${city},${group},${score > 0 ? 1 : 0},${price.toFixed(4)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const json = (r: CliResult) => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describe('mloop train / mloop evaluate (built CLI, end to end)', () => {
  let cwd: string;
  beforeAll(() => {
    if (!existsSync(join(REPO_ROOT, 'dist/cli/main.js')))
      throw new Error('dist/ is missing: run `npm run build` first.');
    cwd = workdir({
      'train.csv': table(600, 1),
      'eval.csv': table(300, 2),
      'text.csv': 'a,y\n1,cat\n2,dog\n',
    });
  });

  it('has --help with --json, exits 2 on usage errors and 1 on bad input, creating no run', async () => {
    for (const cmd of ['train', 'evaluate']) {
      const help = await mloop(cwd, [cmd, '--help']);
      expect(help.code, cmd).toBe(0);
      expect(help.stdout, cmd).toContain('--json');
    }
    expect((await mloop(cwd, ['train', '--data', 'train.csv', '--target', 'late'])).code).toBe(2);
    expect(
      (
        await mloop(cwd, [
          'train',
          '--home',
          'h0',
          '--data',
          'train.csv',
          '--target',
          'late',
          '--learner',
          'gbdt',
          '--task',
          'other',
        ])
      ).code,
    ).toBe(2);
    const learner = await mloop(cwd, [
      'train',
      '--home',
      'h0',
      '--data',
      'train.csv',
      '--target',
      'late',
      '--learner',
      'svm',
    ]);
    expect(learner).toMatchObject({ code: 1, stdout: '' });
    expect(learner.stderr).toBe('mloop: Unknown learner "svm"; valid learners: ridge, logistic, gbdt.\n');
    const param = await mloop(cwd, [
      'train',
      '--home',
      'h0',
      '--data',
      'train.csv',
      '--target',
      'late',
      '--learner',
      'gbdt',
      '--param',
      'maxBins=300',
    ]);
    expect(param.code).toBe(1);
    expect(param.stderr).toContain('gbdt parameter maxBins must be in [2, 255], got "300"');
    const target = await mloop(cwd, [
      'train',
      '--home',
      'h0',
      '--data',
      'train.csv',
      '--target',
      'nope',
      '--learner',
      'gbdt',
    ]);
    expect(target.code).toBe(1);
    expect(target.stderr).toContain(
      'Target column "nope" is not in train.csv; its columns are: x1, x2, city, group, late, price.',
    );
    const text = await mloop(cwd, [
      'train',
      '--home',
      'h0',
      '--data',
      'text.csv',
      '--target',
      'y',
      '--learner',
      'ridge',
    ]);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(
      /Target "y" in text\.csv is text \(e\.g\. "cat"\); the ridge learner needs a numeric target/,
    );
    const missing = await mloop(cwd, [
      'train',
      '--home',
      'h0',
      '--data',
      'nothere.csv',
      '--target',
      'y',
      '--learner',
      'ridge',
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nothere.csv: no such file or directory, and not a dataset version');
    expect((await mloop(cwd, ['evaluate', '--home', 'h0', '--data', 'train.csv'])).code).toBe(2);
    const fair = await mloop(cwd, [
      'train',
      '--home',
      'h0',
      '--data',
      'train.csv',
      '--target',
      'price',
      '--learner',
      'ridge',
      '--sensitive',
      'group',
    ]);
    expect(fair.code).toBe(1);
    expect(fair.stderr).toContain(
      '--sensitive reports fairness of a binary classifier; a regression model has none.',
    );
    const client = await openLocalClient({ home: join(cwd, 'h0'), git: false });
    try {
      const runs = await client.searchRuns({ experimentIds: ['0'] });
      expect(runs.items).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('trains on a tracked dataset version, logs the run and the package, writes --out and registers', async () => {
    expect(
      (
        await mloop(cwd, [
          'data',
          'add',
          'train.csv',
          '--home',
          'home',
          '--name',
          'flights',
          '--no-gitignore',
        ])
      ).code,
    ).toBe(0);
    const out = json(
      await mloop(cwd, [
        'train',
        '--home',
        'home',
        '--data',
        'train.csv',
        '--target',
        'late',
        '--learner',
        'gbdt',
        '--param',
        'trees=20',
        'maxLeaves=8',
        '--sensitive',
        'group',
        '--experiment',
        'delays',
        '--run-name',
        'first',
        '--out',
        'pkg',
        '--register',
        'late-model',
        '--json',
      ]),
    );
    expect(out).toMatchObject({
      modelUri: `runs:/${out.runId}/model`,
      registered: { name: 'late-model', version: '1', uri: 'models:/late-model/1' },
      learner: 'gbdt',
      task: 'binary',
      features: ['x1', 'x2', 'city', 'price'],
      data: { label: 'flights@1', version: 'flights@1', rows: 600 },
      iterations: 20,
    });
    expect(out.metrics.training_roc_auc).toBeGreaterThan(0.9);
    expect(out.metrics.training_demographic_parity_difference).toBeGreaterThanOrEqual(0);
    expect(readdirSync(join(cwd, 'pkg')).sort()).toEqual([
      'MLmodel',
      'input_example.json',
      'mloop-model.json',
      'model.onnx',
    ]);

    const client = await openLocalClient({ home: join(cwd, 'home'), git: false });
    try {
      const run = await client.getRun(out.runId);
      expect(run.info).toMatchObject({ status: 'FINISHED', runName: 'first' });
      expect((await client.getExperiment(run.info.experimentId)).name).toBe('delays');
      const params = Object.fromEntries(run.data.params.map((p) => [p.key, p.value]));
      expect(params).toMatchObject({
        learner: 'gbdt',
        target: 'late',
        task: 'binary',
        trees: '20',
        maxLeaves: '8',
        sensitive: 'group',
      });
      const metrics = Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value]));
      expect(metrics.training_roc_auc).toBeCloseTo(out.metrics.training_roc_auc, 12);
      expect((await client.getMetricHistory(out.runId, 'train_loss')).items.map((m) => m.step)).toEqual([
        10, 20,
      ]);
      expect(run.inputs.datasetInputs).toMatchObject([
        {
          dataset: { name: 'flights', sourceType: 'mloop' },
          tags: expect.arrayContaining([{ key: 'mlflow.data.context', value: 'training' }]),
        },
      ]);
      const files = (await client.listArtifacts(out.runId, 'model')).files.map((f) => f.path).sort();
      expect(files).toEqual([
        'model/MLmodel',
        'model/input_example.json',
        'model/mloop-model.json',
        'model/model.onnx',
      ]);
      const logged = JSON.parse(
        new TextDecoder().decode(await client.getArtifact(run.info.artifactUri, 'model/mloop-model.json')),
      ) as TrainedModel;
      expect(logged).toEqual(JSON.parse(readFileSync(join(cwd, 'pkg', 'mloop-model.json'), 'utf8')));
      const version = await client.getModelVersion('late-model', '1');
      expect(version.runId).toBe(out.runId);
    } finally {
      await client.close();
    }
  });

  it('trains from NAME@VERSION, downloading it when the working tree does not hold it', async () => {
    const other = workdir();
    const r = json(
      await mloop(other, [
        'train',
        '--home',
        join(cwd, 'home'),
        '--data',
        'flights@1',
        '--target',
        'price',
        '--learner',
        'ridge',
        '--features',
        'x1,x2,city',
        '--json',
      ]),
    );
    expect(r).toMatchObject({
      learner: 'linear',
      task: 'regression',
      data: { version: 'flights@1', rows: 600 },
    });
    expect(r.metrics.training_r2).toBeGreaterThan(0.9); // x1 is missing in every 17th row (mean-imputed)
    expect(readdirSync(other).filter((f) => !f.startsWith('.'))).toEqual([]);
  });

  it('evaluates a model from runs:/, models:/ and a directory, logging metrics and writing flat --out', async () => {
    const pkgModel = JSON.parse(readFileSync(join(cwd, 'pkg', 'mloop-model.json'), 'utf8')) as TrainedModel;
    const byDir = json(
      await mloop(cwd, [
        'evaluate',
        'pkg', // the model may also come first, as a positional argument
        '--home',
        'home',
        '--data',
        'eval.csv',
        '--target',
        'late',
        '--out',
        'out/metrics.json',
        '--json',
      ]),
    );
    const flat = JSON.parse(readFileSync(join(cwd, 'out', 'metrics.json'), 'utf8'));
    expect(flat).toEqual(byDir.metrics);
    expect(Object.values(flat).every((v) => typeof v === 'number')).toBe(true);
    // The metrics are the learner's own evaluation of the same model on the same rows.
    const lines = readFileSync(join(cwd, 'eval.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const frame = frameFrom({
      x1: lines.map((l) => (l[0] === '' ? null : Number(l[0]))),
      x2: lines.map((l) => Number(l[1])),
      city: lines.map((l) => l[2]!),
      price: lines.map((l) => Number(l[5])),
    });
    const truth = lines.map((l) => Number(l[4]));
    const labels = predict(pkgModel, frame).labels!;
    expect(flat.accuracy).toBeCloseTo(labels.filter((l, i) => l === truth[i]).length / truth.length, 12);

    const byRun = json(
      await mloop(cwd, [
        'evaluate',
        '--home',
        'home',
        '--model',
        'models:/late-model/1',
        '--data',
        'eval.csv',
        '--json',
      ]),
    );
    expect(byRun.metrics).toEqual(byDir.metrics);
    expect(byRun.model).toBe('models:/late-model/1');
    const client = await openLocalClient({ home: join(cwd, 'home'), git: false });
    try {
      const run = await client.getRun(byRun.runId);
      const metrics = Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value]));
      expect(metrics.roc_auc).toBeCloseTo(byDir.metrics.roc_auc, 12);
      const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
      expect(tags).toMatchObject({
        'mloop.command': 'evaluate',
        'mloop.evaluation.model': 'models:/late-model/1',
        'mloop.evaluation.data': 'eval.csv',
      });
      // It goes beside the training run, in its experiment.
      expect((await client.getExperiment(run.info.experimentId)).name).toBe('delays');
      const report = JSON.parse(
        new TextDecoder().decode(await client.getArtifact(run.info.artifactUri, 'evaluation/report.json')),
      );
      expect(report.confusion_matrix.flat().reduce((a: number, b: number) => a + b, 0)).toBe(300);
    } finally {
      await client.close();
    }
  });

  it('gates a challenger against the champion and bounds, recording the blessing and exiting 1 when not blessed', async () => {
    const weak = json(
      await mloop(cwd, [
        'train',
        '--home',
        'home',
        '--data',
        'train.csv',
        '--target',
        'late',
        '--learner',
        'logistic',
        '--features',
        'x2',
        '--register',
        'late-model',
        '--json',
      ]),
    );
    expect(weak.registered.version).toBe('2');
    expect(
      (await mloop(cwd, ['models', 'alias', 'set', 'late-model', 'champion', '1', '--home', 'home'])).code,
    ).toBe(0);

    const worse = await mloop(cwd, [
      'evaluate',
      '--home',
      'home',
      '--model',
      'models:/late-model/2',
      '--data',
      'eval.csv',
      '--champion',
      'models:/late-model@champion',
      '--bound',
      'roc_auc>=0.5',
      '--json',
    ]);
    expect(worse.code).toBe(1);
    const w = JSON.parse(worse.stdout);
    expect(w.blessing).toMatchObject({
      blessed: false,
      champion_model: 'models:/late-model/1',
      challenger_model: 'models:/late-model/2',
    });
    expect(w.blessing.reasons[0]).toMatch(/^roc_auc improvement over the champion is -/);

    const better = await mloop(cwd, [
      'evaluate',
      '--home',
      'home',
      '--model',
      'models:/late-model/1',
      '--data',
      'eval.csv',
      '--champion',
      'models:/late-model/2',
      '--min-improvement',
      '0.01',
      '--bound',
      'log_loss<=1',
    ]);
    expect(better.code, better.stderr).toBe(0);
    expect(better.stdout).toMatch(/BLESSED: models:\/late-model\/1 passed every check/);

    const bound = await mloop(cwd, [
      'evaluate',
      '--home',
      'home',
      '--model',
      'pkg',
      '--data',
      'eval.csv',
      '--bound',
      'accuracy>=0.999',
    ]);
    expect(bound.code).toBe(1);
    expect(bound.stdout).toMatch(/NOT BLESSED/);
    expect(bound.stdout).toMatch(/accuracy 0\.\d+ is below the minimum 0\.999/);

    const first = await mloop(cwd, [
      'evaluate',
      '--home',
      'home',
      '--model',
      'pkg',
      '--data',
      'eval.csv',
      '--champion',
      'models:/brand-new@champion',
      '--json',
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).blessing).toMatchObject({
      blessed: true,
      champion_model: null,
      checks: [{ note: 'no champion' }],
    });

    const client = await openLocalClient({ home: join(cwd, 'home'), git: false });
    try {
      const run = await client.getRun(w.runId);
      const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
      expect(tags).toMatchObject({
        'mloop.gate.blessed': 'false',
        'mloop.gate.record': 'blessing/blessing.json',
      });
      const record = JSON.parse(
        new TextDecoder().decode(await client.getArtifact(run.info.artifactUri, 'blessing/blessing.json')),
      );
      expect(record).toMatchObject({
        schema: 'mloop.blessing/1',
        blessed: false,
        evaluation_data: expect.stringMatching(/^eval\.csv \(sha256:[0-9a-f]{64}\)$/),
      });
      const found = await client.searchRuns({
        experimentIds: [run.info.experimentId],
        filter: `tags."mloop.gate.blessed" = 'false'`,
      });
      expect(found.items.map((r) => r.info.runId)).toContain(w.runId);
    } finally {
      await client.close();
    }

    const usage = await mloop(cwd, [
      'evaluate',
      '--home',
      'home',
      '--model',
      'pkg',
      '--data',
      'eval.csv',
      '--min-improvement',
      '0.1',
    ]);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('--min-improvement compares with a champion');
    const badBound = await mloop(cwd, [
      'evaluate',
      '--home',
      'home',
      '--model',
      'pkg',
      '--data',
      'eval.csv',
      '--bound',
      'auc>0.5',
    ]);
    expect(badBound.code).toBe(1);
    expect(badBound.stderr).toContain('Bound "auc>0.5" is not valid; write METRIC>=VALUE or METRIC<=VALUE');
  });

  it('logs an evaluation to an existing run with --run', async () => {
    const r = json(
      await mloop(cwd, [
        'train',
        '--home',
        'home',
        '--data',
        'train.csv',
        '--target',
        'price',
        '--learner',
        'gbdt',
        '--param',
        'trees=10',
        '--json',
      ]),
    );
    const e = json(
      await mloop(cwd, [
        'evaluate',
        '--home',
        'home',
        '--model',
        `runs:/${r.runId}/model`,
        '--data',
        'eval.csv',
        '--run',
        r.runId,
        '--json',
      ]),
    );
    expect(e.runId).toBe(r.runId);
    const client = await openLocalClient({ home: join(cwd, 'home'), git: false });
    try {
      const metrics = Object.fromEntries(
        (await client.getRun(r.runId)).data.metrics.map((m) => [m.key, m.value]),
      );
      expect(metrics.rmse).toBeCloseTo(e.metrics.rmse, 12);
      expect(metrics.training_rmse).toBeCloseTo(r.metrics.training_rmse, 12);
    } finally {
      await client.close();
    }
  });
});

/**
 * GBDT benchmark: mloop's histogram GBDT against LightGBM on 1,000,000 rows of flights-3m (vega-datasets), in the
 * same run, same settings: 100 trees, 31 leaves, 255 bins, learning rate 0.1, min 20 rows per leaf, one thread.
 * Features: distance, origin (categorical), hour of day and day of week of `date`; target: delay > 15.
 * Trains on rows [0, 1M), scores ROC AUC on the next 200k (the file is in date order: a temporal hold-out).
 * Target: mloop time <= 3x LightGBM's, AUC within 0.01.
 *
 *   node --import tsx bench/gbdt.ts [--rows 1000000] [--python .cache/venv/bin/python]
 * --skip-lightgbm runs mloop alone (profiling). --keep DIR keeps the matrices written for LightGBM in DIR. The Python needs lightgbm and scikit-learn (test/python/requirements.txt; `npm test` builds .cache/venv).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { asyncBufferFromFile, parquetRead } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { rocAuc } from '../src/learn/evaluate/classification.js';
import { fitModel } from '../src/learn/fit.js';
import type { CategoricalColumn } from '../src/learn/frame.js';
import { frameFrom } from '../src/learn/frame.js';
import { predict } from '../src/learn/predict.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const N_TRAIN = Number(arg('rows', '1000000'));
const N_TEST = 200_000;
const PYTHON = arg('python', process.env.MLOOP_BENCH_PYTHON ?? '.cache/venv/bin/python');
const SETTINGS = { trees: 100, maxLeaves: 31, maxBins: 255, learningRate: 0.1, minSamplesLeaf: 20 };

async function load() {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('vega-datasets');
  const path = join(dirname(entry), '..', 'data', 'flights-3m.parquet');
  const file = await asyncBufferFromFile(path);
  const total = N_TRAIN + N_TEST;
  const cols: Record<string, unknown[]> = {};
  await parquetRead({
    file,
    compressors,
    columns: ['date', 'delay', 'distance', 'origin'],
    rowEnd: total,
    onChunk: ({ columnName, columnData, rowStart }) => {
      cols[columnName] ??= new Array(total);
      const out = cols[columnName]!;
      for (let i = 0; i < columnData.length && rowStart + i < total; i++) out[rowStart + i] = columnData[i];
    },
  });
  const date = cols.date as Date[];
  const hour = Float64Array.from(date, (d) => d.getUTCHours());
  const dow = Float64Array.from(date, (d) => d.getUTCDay());
  const distance = Float64Array.from(cols.distance as bigint[], Number);
  const late = Float64Array.from(cols.delay as bigint[], (d) => (d > 15n ? 1 : 0));
  return frameFrom({ distance, origin: cols.origin as string[], hour, dow, late });
}

function slice(frame: ReturnType<typeof frameFrom>, from: number, to: number) {
  const columns: Record<string, any> = {};
  for (const [name, c] of Object.entries(frame.columns))
    columns[name] =
      c.kind === 'numeric'
        ? { kind: 'numeric', values: c.values.subarray(from, to) }
        : { kind: 'categorical', codes: c.codes.subarray(from, to), dictionary: c.dictionary };
  return { nRows: to - from, columns };
}

/** The same matrix for LightGBM: origin as its dictionary code, declared categorical. */
function writeForPython(frame: ReturnType<typeof frameFrom>, dir: string) {
  const names = ['distance', 'origin', 'hour', 'dow'];
  const write = (from: number, to: number, suffix: string) => {
    const x = new Float64Array((to - from) * names.length);
    names.forEach((name, j) => {
      const c = frame.columns[name]!;
      for (let i = from; i < to; i++)
        x[(i - from) * names.length + j] =
          c.kind === 'numeric' ? c.values[i]! : (c as CategoricalColumn).codes[i]!;
    });
    writeFileSync(join(dir, `x_${suffix}.f64`), x);
    const y = (frame.columns.late as { values: Float64Array }).values.slice(from, to);
    writeFileSync(join(dir, `y_${suffix}.f64`), y);
  };
  write(0, N_TRAIN, 'train');
  write(N_TRAIN, N_TRAIN + N_TEST, 'test');
  const meta = {
    dir,
    n_features: names.length,
    feature_names: names,
    categorical: ['origin'],
    trees: SETTINGS.trees,
    max_leaves: SETTINGS.maxLeaves,
    max_bins: SETTINGS.maxBins,
    learning_rate: SETTINGS.learningRate,
    min_samples_leaf: SETTINGS.minSamplesLeaf,
  };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
  return join(dir, 'meta.json');
}

const t0 = performance.now();
const frame = await load();
console.log(`loaded ${frame.nRows} rows of flights-3m in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const train = slice(frame, 0, N_TRAIN);
const test = slice(frame, N_TRAIN, N_TRAIN + N_TEST);
const keep = arg('keep', '');
const dir = keep || mkdtempSync(join(tmpdir(), 'mloop-bench-gbdt-'));
try {
  const metaPath = writeForPython(frame, dir);
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const model = fitModel(train, {
    learner: 'gbdt',
    target: 'late',
    features: ['distance', 'origin', 'hour', 'dow'],
    params: SETTINGS,
  });
  const mloopSeconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const mloopCpu = (cpu.user + cpu.system) / 1e6;
  const p = predict(model, test);
  const positive = Uint8Array.from((test.columns.late as { values: Float64Array }).values, (v) => v);
  const score = Float64Array.from({ length: test.nRows }, (_, i) => p.probabilities![i * 2 + 1]!);
  const mloopAuc = rocAuc(positive, score);
  if (args.includes('--skip-lightgbm')) {
    console.log(
      `mloop gbdt train ${mloopSeconds.toFixed(2)} s (CPU ${mloopCpu.toFixed(2)} s), ROC AUC ${mloopAuc.toFixed(4)}`,
    );
    process.exit(0);
  }
  const out = execFileSync(PYTHON, [join(import.meta.dirname ?? 'bench', 'gbdt_lightgbm.py'), metaPath], {
    encoding: 'utf8',
  });
  const lgb = JSON.parse(out.trim().split('\n').pop()!) as {
    seconds: number;
    cpu_seconds: number;
    auc: number;
    lightgbm: string;
  };
  const ratio = mloopSeconds / lgb.seconds;
  const aucGap = lgb.auc - mloopAuc;
  const pass = ratio <= 3 && aucGap <= 0.01;
  console.log(
    `settings: ${JSON.stringify(SETTINGS)}, ${N_TRAIN} train rows, ${N_TEST} test rows, one thread`,
  );
  const row = (name: string, wall: number, cpuSeconds: number, auc: number) =>
    console.log(
      `${name.padEnd(16)} train ${wall.toFixed(2)} s (CPU ${cpuSeconds.toFixed(2)} s)   ROC AUC ${auc.toFixed(4)}`,
    );
  row('mloop gbdt', mloopSeconds, mloopCpu, mloopAuc);
  row(`LightGBM ${lgb.lightgbm}`, lgb.seconds, lgb.cpu_seconds, lgb.auc);
  console.log(
    `CPU-time ratio ${(mloopCpu / lgb.cpu_seconds).toFixed(2)}x (steadier than wall time on a busy machine)`,
  );
  console.log(
    `time ratio ${ratio.toFixed(2)}x (target <= 3x), AUC gap ${aucGap.toFixed(4)} (target <= 0.01): ${pass ? 'PASS' : 'MISS'}`,
  );
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}

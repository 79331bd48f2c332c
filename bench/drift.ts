/**
 * Drift: the flights table (vega-datasets' flights-3m.parquet, 3 M rows), January (508,239 rows) as reference and
 * February-June (2,491,755 rows) as current, every feature column (delay, distance: int; origin, destination: 223
 * airports), default tests. mloop (`datasetDrift` over `driftInputsFromBatches`) and, in the same run, Evidently's
 * `DataDriftPreset` (PyPI evidently, in .cache/bench-evidently-venv, created from bench/evidently-requirements.txt when
 * missing or changed). Each side runs in its own process so its peak RSS is its own.
 *
 *   npm run bench -- --backend sqlite      (all benchmarks; drift runs once, it uses no store)
 *   node --import tsx bench/drift.ts       (this one alone)
 *
 * Prints wall and CPU time of the drift computation (data already in memory: Evidently's `Report.run` on two
 * DataFrames, mloop's gathering of inputs + `datasetDrift`), of reading and splitting the file, and of the whole
 * process; peak RSS; and the largest difference between the two tools' per-column drift scores, also on the first
 * 1,000 rows of each side, where the defaults are the p-value tests (KS, chi-square). Target: the drift
 * computation ≥ 20× faster than Evidently's (wall time).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { BackendName, BenchArgs } from './lib/args.js';
import type { Backends } from './lib/backends.js';
import { type Bench, isMain, type Log, runBenches } from './lib/runner.js';
import type { ResultRow } from './lib/table.js';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const FLIGHTS = join(ROOT, 'node_modules/vega-datasets/data/flights-3m.parquet');
const VENV = join(ROOT, '.cache/bench-evidently-venv');
const REQUIREMENTS = join(ROOT, 'bench/evidently-requirements.txt');
const TARGET = 20;

interface SideResult {
  rows: [number, number];
  readSeconds: number;
  readCpuSeconds: number;
  driftSeconds: number;
  driftCpuSeconds: number;
  maxRssKb: number;
  columns: Record<string, { score: number; method: string; threshold: number }>;
  share: number;
  driftedColumns: number;
  processSeconds: number;
}

async function ensureVenv(log: Log): Promise<string> {
  const python = join(VENV, 'bin/python');
  const marker = join(VENV, '.requirements.sha256');
  const hash = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
  if (!existsSync(python)) await exec('python3', ['-m', 'venv', VENV]);
  if (!existsSync(marker) || readFileSync(marker, 'utf8').trim() !== hash) {
    log(
      'installing bench/evidently-requirements.txt into .cache/bench-evidently-venv (a few minutes the first time)',
    );
    await exec(python, ['-m', 'pip', 'install', '--quiet', '-r', REQUIREMENTS], { maxBuffer: 64 << 20 });
    writeFileSync(marker, `${hash}\n`);
  }
  return python;
}

async function runSide(cmd: string, args: string[]): Promise<SideResult> {
  const started = performance.now();
  const { stdout } = await exec(cmd, args, { cwd: ROOT, maxBuffer: 16 << 20 });
  const processSeconds = (performance.now() - started) / 1000;
  const line = stdout.trim().split('\n').at(-1)!;
  return { ...(JSON.parse(line) as Omit<SideResult, 'processSeconds'>), processSeconds };
}

/** Evidently names its methods for display ("Wasserstein distance (normed)"); mloop by key. */
const SAME_METHOD: Record<string, string> = {
  'Wasserstein distance (normed)': 'wasserstein',
  'Jensen-Shannon distance': 'jensenshannon',
  'K-S p_value': 'ks',
  'chi-square p_value': 'chisquare',
  'Z-test p_value': 'z',
};

/** The largest difference between the two sides' per-column scores; throws when they split or test differently. */
function agreement(mloop: SideResult, evidently: SideResult): number {
  if (mloop.rows.join() !== evidently.rows.join())
    throw new Error(`the two sides split different rows: mloop ${mloop.rows}, Evidently ${evidently.rows}`);
  let maxDiff = 0;
  for (const [column, e] of Object.entries(evidently.columns)) {
    const m = mloop.columns[column];
    if (!m) throw new Error(`mloop did not test column ${column}`);
    if (SAME_METHOD[e.method] !== m.method)
      throw new Error(`column ${column}: Evidently chose ${e.method}, mloop ${m.method}`);
    maxDiff = Math.max(maxDiff, Math.abs(m.score - e.score));
  }
  return maxDiff;
}

export const driftBench: Bench & { backendless: true } = {
  name: 'drift',
  title:
    'Drift: flights-3m, January vs February-June, 4 feature columns (mloop vs Evidently DataDriftPreset)',
  backendless: true,
  async run(_backends: Backends, _backend: BackendName, _args: BenchArgs, log: Log): Promise<ResultRow[]> {
    if (!existsSync(FLIGHTS)) throw new Error(`${FLIGHTS} is missing: run npm install (vega-datasets).`);
    const python = await ensureVenv(log);
    log('drift: mloop …');
    const mloop = await runSide(process.execPath, ['--import', 'tsx', 'bench/drift-mloop.ts', FLIGHTS]);
    log('drift: Evidently DataDriftPreset (about a minute) …');
    const evidently = await runSide(python, ['bench/drift_evidently.py', FLIGHTS]);
    const maxDiff = agreement(mloop, evidently);
    log('drift: both again on the first 1,000 rows of each side (p-value tests) …');
    const mloopSmall = await runSide(process.execPath, [
      '--import',
      'tsx',
      'bench/drift-mloop.ts',
      FLIGHTS,
      'small',
    ]);
    const evidentlySmall = await runSide(python, ['bench/drift_evidently.py', FLIGHTS, 'small']);
    const maxDiffSmall = agreement(mloopSmall, evidentlySmall);
    const smallMethods = [...new Set(Object.values(mloopSmall.columns).map((c) => c.method))].join(', ');
    const row = (
      metric: string,
      value: number,
      baseline: number,
      unit: string,
      extra: Partial<ResultRow> = {},
    ) => ({
      bench: 'drift',
      backend: '-',
      metric,
      value,
      unit,
      baseline,
      ratio: baseline / value,
      ...extra,
    });
    const speedup = evidently.driftSeconds / mloop.driftSeconds;
    return [
      row('drift computation, wall', mloop.driftSeconds, evidently.driftSeconds, 's', {
        target: `≥ ${TARGET}× faster`,
        pass: speedup >= TARGET,
        note: `ratio = Evidently / mloop. ${mloop.rows[0].toLocaleString('en-US')} reference and ${mloop.rows[1].toLocaleString('en-US')} current rows; scores agree within ${maxDiff.toExponential(1)} (share drifted: mloop ${mloop.share}, Evidently ${evidently.share})`,
      }),
      row('drift computation, CPU', mloop.driftCpuSeconds, evidently.driftCpuSeconds, 's'),
      row('read + split the Parquet file, wall', mloop.readSeconds, evidently.readSeconds, 's', {
        note: 'mloop reads with hyparquet (JavaScript); Evidently with pandas + pyarrow (C++)',
      }),
      row('read + split, CPU', mloop.readCpuSeconds, evidently.readCpuSeconds, 's'),
      row(
        'whole process (start, imports, read, drift), wall',
        mloop.processSeconds,
        evidently.processSeconds,
        's',
      ),
      row('peak RSS', mloop.maxRssKb / 1024, evidently.maxRssKb / 1024, 'MiB'),
      {
        bench: 'drift',
        backend: '-',
        metric: 'largest |score difference| mloop vs Evidently',
        value: maxDiff,
        unit: '',
        target: '≤ 1e-6',
        pass: maxDiff <= 1e-6 && mloop.driftedColumns === evidently.driftedColumns,
      },
      {
        bench: 'drift',
        backend: '-',
        metric: `same, 1,000 vs 1,000 rows (${smallMethods} p-values)`,
        value: maxDiffSmall,
        unit: '',
        target: '≤ 1e-6',
        pass: maxDiffSmall <= 1e-6 && mloopSmall.driftedColumns === evidentlySmall.driftedColumns,
        note: `drift computation ${mloopSmall.driftSeconds.toFixed(3)} s (mloop) vs ${evidentlySmall.driftSeconds.toFixed(3)} s (Evidently), wall`,
      },
    ];
  },
};

if (isMain(import.meta.url))
  await runBenches([driftBench], ['--backend', 'sqlite', ...process.argv.slice(2)]);

/**
 * Vitest globalSetup: starts the services every test file may need, once per run, and hands them over with
 * `project.provide`. Test files read them with `inject('pgUrl')` / `inject('pythonBin')`.
 *   - pgUrl: one throw-away PostgreSQL cluster; call `createDatabase(inject('pgUrl'))` for a fresh DB.
 *   - pythonBin: a Python with the MLflow client (`.cache/venv`, or $MLOOP_TEST_PYTHON as is).
 * Anything that fails to start throws, so the run fails: nothing is silently skipped.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    pythonBin: string;
  }
}

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REQUIREMENTS = join(REPO_ROOT, 'test/python/requirements.txt');
const VENV = join(REPO_ROOT, '.cache/venv');
const MARKER = join(VENV, '.requirements.sha256');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [pgResult, pyResult] = await Promise.allSettled([timed(startPostgres), timed(ensurePython)]);
  if (pgResult.status === 'rejected' || pyResult.status === 'rejected') {
    if (pgResult.status === 'fulfilled') await pgResult.value.result.stop();
    const reasons = [pgResult, pyResult].flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    throw reasons.length === 1 ? reasons[0] : new AggregateError(reasons, 'test services failed to start');
  }
  const pg = pgResult.value;
  const py = pyResult.value;
  log(`postgres: ${pg.result.url} started in ${pg.seconds}s`);
  log(`python: ${py.result.bin} (mlflow ${py.result.mlflowVersion}; ${py.result.how}) in ${py.seconds}s`);

  project.provide('pgUrl', pg.result.url);
  project.provide('pythonBin', py.result.bin);
  return () => pg.result.stop();
}

interface PythonEnv {
  bin: string;
  mlflowVersion: string;
  how: string;
}

async function ensurePython(): Promise<PythonEnv> {
  const override = process.env.MLOOP_TEST_PYTHON;
  if (override) {
    return { bin: override, mlflowVersion: await mlflowVersion(override), how: 'from MLOOP_TEST_PYTHON' };
  }
  const bin = join(VENV, 'bin/python');
  const steps: string[] = [];
  if (!(await succeeds(bin, ['-c', '']))) {
    const { seconds } = await timed(async () => {
      await rm(VENV, { recursive: true, force: true });
      await run('python3', ['-m', 'venv', VENV], 'create the venv (on Debian: apt-get install python3-venv)');
    });
    steps.push(`venv created in ${seconds}s`);
  }
  const hash = createHash('sha256')
    .update(await readFile(REQUIREMENTS))
    .digest('hex');
  if ((await readFile(MARKER, 'utf8').catch(() => '')).trim() === hash) {
    steps.push('requirements unchanged, pip skipped');
  } else {
    const { seconds } = await timed(() =>
      run(
        bin,
        ['-m', 'pip', 'install', '--quiet', '-r', REQUIREMENTS],
        'install test/python/requirements.txt',
      ),
    );
    await writeFile(MARKER, `${hash}\n`);
    steps.push(`pip install in ${seconds}s`);
  }
  return { bin, mlflowVersion: await mlflowVersion(bin), how: steps.join(', ') };
}

async function mlflowVersion(python: string): Promise<string> {
  const out = await run(
    python,
    ['-c', 'import mlflow; print(mlflow.__version__)'],
    `import mlflow with ${python} (pip install -r test/python/requirements.txt)`,
  );
  return out.trim();
}

function succeeds(file: string, args: readonly string[]): Promise<boolean> {
  return run(file, args).then(
    () => true,
    () => false,
  );
}

function run(file: string, args: readonly string[], purpose?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const what = purpose ? `Could not ${purpose}` : 'Command failed';
        const output = `${stdout}${stderr}`.slice(-4000);
        reject(
          new Error(`${what}: \`${[file, ...args].join(' ')}\`: exit ${err.code ?? err.signal}\n${output}`),
        );
      },
    );
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; seconds: string }> {
  const start = performance.now();
  const result = await fn();
  return { result, seconds: ((performance.now() - start) / 1000).toFixed(2) };
}

function log(line: string): void {
  process.stdout.write(`[global-setup] ${line}\n`);
}

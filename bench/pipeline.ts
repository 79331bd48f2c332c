/**
 * Pipeline benchmarks (`node --import tsx bench/pipeline.ts`, also part of `npm run bench`):
 *
 * 1. A 100-stage pipeline (a chain of trivial `cat` stages, each also reading one shared input), fully cached:
 *    `mloop repro` wall time as a new process (best of 3; target < 1 s), against `dvc repro` on the same stages in
 *    a git repository, in the same run (best of 3; target ratio dvc / mloop >= 5).
 * 2. Per-stage overhead of a trivial stage: (first full repro − cached repro) / 100 with `-j 1`; target < 30 ms.
 *    Measured without tracking and with tracking to a local home (one run per stage). DVC's figure alongside.
 * 3. A diamond: one source, 4 independent 2-second stages, one join; `repro -f -j 4` against `-j 1` (target: close
 *    to 2 s plus overhead, not 8 s).
 *
 * DVC comes from PyPI into .cache/bench-venv (created when missing); without it the DVC rows say so and are skipped.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Bench, Log } from './lib/runner.js';
import { isMain, runBenches } from './lib/runner.js';
import type { ResultRow } from './lib/table.js';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/mloop.js');
const VENV = join(ROOT, '.cache/bench-venv');
const STAGES = 100;

function chainYaml(n: number): { mloop: string; dvc: string } {
  const stages = Array.from({ length: n }, (_, i) => {
    const dep = i === 0 ? 'input.txt' : `out/s${i - 1}.txt`;
    return {
      name: `s${i}`,
      cmd: `cat ${dep} shared.txt > out/s${i}.txt`,
      deps: [dep, 'shared.txt'],
      outs: [`out/s${i}.txt`],
    };
  });
  const body = stages
    .map(
      (s) =>
        `    ${s.name}:\n      cmd: ${s.cmd}\n      deps: [${s.deps.join(', ')}]\n      outs: [${s.outs.join(', ')}]\n`,
    )
    .join('');
  return { mloop: `pipeline:\n  stages:\n${body}`, dvc: `stages:\n${body.replace(/^ {2}/gm, '')}` };
}

function diamondYaml(): string {
  const mids = ['a', 'b', 'c', 'd']
    .map(
      (m) =>
        `    ${m}:\n      cmd: sleep 2 && cat src.txt > ${m}.txt\n      deps: [src.txt]\n      outs: [${m}.txt]\n`,
    )
    .join('');
  return `pipeline:\n  stages:\n    src:\n      cmd: echo go > src.txt\n      outs: [src.txt]\n${mids}    join:\n      cmd: cat a.txt b.txt c.txt d.txt > all.txt\n      deps: [a.txt, b.txt, c.txt, d.txt]\n      outs: [all.txt]\n`;
}

async function timed(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  const t = performance.now();
  await exec(cmd, args, { cwd, env, maxBuffer: 64 << 20 });
  return performance.now() - t;
}

/**
 * CPU time (user + system, ms) of a command and everything it started, from bash's `times`: a figure the load of
 * other processes on the machine does not inflate the way it inflates wall time.
 */
async function cpuOf(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  const quoted = [cmd, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const { stdout } = await exec('bash', ['-c', `${quoted} >/dev/null 2>&1; times`], { cwd, env });
  const line = stdout.trim().split('\n').at(-1)!;
  const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return (secs[0]! + secs[1]!) * 1000;
}

const best = async (n: number, f: () => Promise<number>) => {
  let b = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) b = Math.min(b, await f());
  return b;
};

async function ensureDvc(log: Log): Promise<string | undefined> {
  const dvc = join(VENV, 'bin/dvc');
  if (existsSync(dvc)) return dvc;
  try {
    log('installing dvc from PyPI into .cache/bench-venv (a few minutes the first time)');
    if (!existsSync(join(VENV, 'bin/python'))) await exec('python3', ['-m', 'venv', VENV]);
    await exec(join(VENV, 'bin/python'), ['-m', 'pip', 'install', '--quiet', 'dvc'], { maxBuffer: 64 << 20 });
    return dvc;
  } catch (err) {
    log(`dvc is not available: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

function projectDir(prefix: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

async function run(log: Log): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const env = (dir: string) => ({ ...process.env, NO_COLOR: '1', MLOOP_STATE_DIR: join(dir, '.state') });
  const mloop = (dir: string, ...args: string[]) => timed(process.execPath, [BIN, ...args], dir, env(dir));
  const shapes = chainYaml(STAGES);
  const files = { 'input.txt': 'input\n', 'shared.txt': 'shared\n' };

  // 1 + 2: mloop, without and with tracking.
  const plain = projectDir('mloop-bench-pipe-', { ...files, 'mloop.yaml': shapes.mloop });
  log(`mloop: first repro of ${STAGES} stages (-j 1, no tracking) …`);
  const fullPlain = await mloop(plain, 'repro', '-j', '1', '--no-track', '-q');
  const cached = await best(3, () => mloop(plain, 'repro', '--no-track', '-q'));
  const tracked = projectDir('mloop-bench-pipe-', { ...files, 'mloop.yaml': shapes.mloop });
  log(`mloop: first repro of ${STAGES} stages (-j 1, tracked to a local home) …`);
  const fullTracked = await mloop(tracked, 'repro', '-j', '1', '-q');
  const cachedTracked = await best(3, () => mloop(tracked, 'repro', '-q'));
  // The same again on fresh copies, measuring CPU time instead of wall time.
  const cpuDir = projectDir('mloop-bench-pipe-', { ...files, 'mloop.yaml': shapes.mloop });
  const cpuFull = await cpuOf(
    process.execPath,
    [BIN, 'repro', '-j', '1', '--no-track', '-q'],
    cpuDir,
    env(cpuDir),
  );
  const cpuCached = await cpuOf(process.execPath, [BIN, 'repro', '--no-track', '-q'], cpuDir, env(cpuDir));
  const perStageCpu = (cpuFull - cpuCached) / STAGES;
  const perStage = (fullPlain - cached) / STAGES;
  const perStageTracked = (fullTracked - cachedTracked) / STAGES;
  const version = await timed(process.execPath, [BIN, '--version'], plain, env(plain));

  let dvcCached: number | undefined;
  let dvcPerStage: number | undefined;
  const dvc = await ensureDvc(log);
  if (dvc) {
    const dir = projectDir('mloop-bench-dvc-', { ...files, 'dvc.yaml': shapes.dvc });
    const denv = { ...process.env, DVC_NO_ANALYTICS: '1' };
    await exec('mkdir', ['-p', join(dir, 'out')]);
    await exec('git', ['init', '-q'], { cwd: dir });
    await exec(dvc, ['init', '-q'], { cwd: dir, env: denv });
    log(`dvc: first repro of ${STAGES} stages …`);
    const full = await timed(dvc, ['repro', '-q'], dir, denv);
    dvcCached = await best(3, () => timed(dvc, ['repro', '-q'], dir, denv));
    dvcPerStage = (full - dvcCached) / STAGES;
  }
  rows.push({
    bench: 'pipeline',
    backend: 'local',
    metric: `repro, ${STAGES} stages fully cached (new process)`,
    value: cached,
    unit: 'ms',
    ...(dvcCached === undefined ? {} : { baseline: dvcCached, ratio: dvcCached / cached }),
    target: '< 1000 ms; dvc / mloop >= 5',
    pass: cached < 1000 && (dvcCached === undefined || dvcCached / cached >= 5),
    note: `${dvcCached === undefined ? 'dvc not available; ' : ''}node startup (mloop --version) ${version.toFixed(0)} ms; tracked project ${cachedTracked.toFixed(0)} ms`,
  });
  rows.push({
    bench: 'pipeline',
    backend: 'local',
    metric: 'per-stage overhead, trivial stage, -j 1, no tracking',
    value: perStage,
    unit: 'ms',
    ...(dvcPerStage === undefined ? {} : { baseline: dvcPerStage, ratio: dvcPerStage / perStage }),
    target: '< 30 ms',
    pass: perStage < 30,
    note: `CPU time (user + sys, mloop and the stage's sh and cat): ${perStageCpu.toFixed(1)} ms per stage; cached repro ${cpuCached.toFixed(0)} ms CPU`,
  });
  rows.push({
    bench: 'pipeline',
    backend: 'local',
    metric: 'per-stage overhead, trivial stage, -j 1, tracked runs',
    value: perStageTracked,
    unit: 'ms',
    target: '< 30 ms',
    pass: perStageTracked < 30,
  });

  // 3: diamond.
  const diamond = projectDir('mloop-bench-diamond-', { 'mloop.yaml': diamondYaml() });
  await mloop(diamond, 'repro', '-j', '4', '--no-track', '-q');
  log('diamond: repro -f -j 4, then -j 1 …');
  const par = await mloop(diamond, 'repro', '-f', '-j', '4', '--no-track', '-q');
  const seq = await mloop(diamond, 'repro', '-f', '-j', '1', '--no-track', '-q');
  const diamondCached = await best(3, () => mloop(diamond, 'repro', '--no-track', '-q'));
  // Expected: the 2 s sleep, plus what a cached repro of the same file costs (startup, planning), plus one stage
  // overhead per layer (source, the four in parallel, join).
  const allowance = 2000 + diamondCached + 3 * perStage;
  rows.push({
    bench: 'pipeline',
    backend: 'local',
    metric: 'diamond of 4 independent 2 s stages, -j 4 (baseline -j 1)',
    value: par,
    unit: 'ms',
    baseline: seq,
    ratio: seq / par,
    target: '~2 s + overhead, not 8 s',
    pass: par <= allowance,
    note: `allowance 2 s + cached repro ${diamondCached.toFixed(0)} ms + 3 × per-stage overhead = ${allowance.toFixed(0)} ms`,
  });
  return rows;
}

export const pipelineBench: Bench = {
  name: 'pipeline',
  title: 'Pipelines: cached repro, per-stage overhead, parallel stages (vs dvc in the same run)',
  // Pipelines do not use the metadata store's backend: measured once, on the first backend selected.
  run: (_backends, backend, args, log) => (backend === args.backends[0] ? run(log) : Promise.resolve([])),
};

if (isMain(import.meta.url)) await runBenches([pipelineBench], process.argv.slice(2));

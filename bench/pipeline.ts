/**
 * Pipeline benchmarks (`node --import tsx bench/pipeline.ts`, also part of `npm run bench`):
 *
 * 1. A 100-stage pipeline (a chain of trivial `cat` stages, each also reading one shared input), fully cached:
 *    `mloop repro` wall time as a new process (best of 3; target < 1 s), against `dvc repro` on the same stages in
 *    a git repository, in the same run (best of 3; target ratio dvc / mloop >= 5).
 * 2. Per-stage overhead of a trivial stage: (first full repro − cached repro) / 100 with `-j 1`; target < 30 ms.
 *    Measured without tracking, with tracking to a local home and with tracking to a `mloop server` (one run per
 *    stage), each on a fresh project per round (BENCH_ROUNDS, default 3; medians). DVC's figure alongside.
 * 3. A diamond: one source, 4 independent 2-second stages, one join; `repro -f -j 4` against `-j 1` (target: close
 *    to 2 s plus overhead, not 8 s).
 *
 * DVC comes from PyPI into .cache/bench-venv (created when missing); without it the DVC rows say so and are skipped.
 * BENCH_DVC=0 skips DVC; MLOOP_BENCH_BIN measures another build of the CLI; MLOOP_BENCH_BASELINE_BIN also measures the
 * per-stage overhead of a second build (e.g. a copy of the previous one), interleaved with this one, for same-run ratios.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Bench, Log } from './lib/runner.js';
import { isMain, runBenches } from './lib/runner.js';
import type { ResultRow } from './lib/table.js';
import { cpuSeconds } from './support/cpu-time.js';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const BIN = process.env.MLOOP_BENCH_BIN ?? join(ROOT, 'bin/mloop.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WITH_DVC = process.env.BENCH_DVC !== '0';
const BASELINE_BIN = process.env.MLOOP_BENCH_BASELINE_BIN;
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

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** `mloop server` from the CLI under test, on a fresh home and a free port; resolves with its URL and a stop. */
async function startServer(
  bin: string,
  home: string,
): Promise<{ url: string; pid?: number; stop: () => void }> {
  const child = spawn(process.execPath, [bin, 'server', '--port', '0', '--json', '--home', home], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`mloop server exited with ${code}`)));
  });
  return { url, pid: child.pid, stop: () => child.kill('SIGTERM') };
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

  // 1: the fully cached repro of the 100 stages.
  const plain = projectDir('mloop-bench-pipe-', { ...files, 'mloop.yaml': shapes.mloop });
  log(`mloop: first repro of ${STAGES} stages (-j 1, no tracking) …`);
  await mloop(plain, 'repro', '-j', '1', '--no-track', '-q');
  const cached = await best(3, () => mloop(plain, 'repro', '--no-track', '-q'));
  const version = await timed(process.execPath, [BIN, '--version'], plain, env(plain));

  // 2: per-stage overhead, each round on fresh projects: untracked, tracked to a local home, tracked to a server.
  // Wall and CPU time come from the same runs; the server's CPU time (from /proc) is added to the client's. With
  // MLOOP_BENCH_BASELINE_BIN, another build is measured the same way, interleaved, for same-run ratios.
  type Kind = 'plain' | 'home' | 'server';
  const builds = [
    { name: 'current', bin: BIN },
    ...(BASELINE_BIN ? [{ name: 'baseline', bin: BASELINE_BIN }] : []),
  ].map((b) => ({
    ...b,
    walls: { plain: [], home: [], server: [] } as Record<Kind, number[]>,
    cpus: { plain: [], home: [], server: [] } as Record<Kind, number[]>,
    server: undefined as Awaited<ReturnType<typeof startServer>> | undefined,
  }));
  const [current] = builds;
  const { walls, cpus } = current!;
  let cachedTracked = 0;
  let cpuCached = 0;
  const both = async (bin: string, dir: string, args: string[], serverPid?: number) => {
    const serverCpu = () => (serverPid === undefined ? 0 : cpuSeconds(serverPid));
    const before = serverCpu();
    const t = performance.now();
    const cpu = await cpuOf(process.execPath, [bin, ...args], dir, env(dir));
    const wall = performance.now() - t;
    return { wall, cpu: cpu + (serverCpu() - before) * 1000 };
  };
  const overhead = async (build: (typeof builds)[number], kind: Kind) => {
    const flags =
      kind === 'plain' ? ['--no-track'] : kind === 'server' ? ['--server', build.server!.url] : [];
    const pid = kind === 'server' ? build.server!.pid : undefined;
    const dir = projectDir('mloop-bench-pipe-', { ...files, 'mloop.yaml': shapes.mloop });
    const full = await both(build.bin, dir, ['repro', '-j', '1', '-q', ...flags], pid);
    const again = await both(build.bin, dir, ['repro', '-q', ...flags], pid);
    build.walls[kind].push((full.wall - again.wall) / STAGES);
    build.cpus[kind].push((full.cpu - again.cpu) / STAGES);
    return again;
  };
  try {
    for (const b of builds)
      b.server = await startServer(b.bin, mkdtempSync(join(tmpdir(), 'mloop-bench-home-')));
    for (let round = 1; round <= ROUNDS; round++) {
      log(`mloop: per-stage overhead, round ${round} of ${ROUNDS} …`);
      for (const kind of ['plain', 'home', 'server'] as const)
        for (const b of round % 2 ? builds : [...builds].reverse()) {
          const again = await overhead(b, kind);
          if (b !== current) continue;
          if (kind === 'plain') cpuCached = again.cpu;
          if (kind === 'home') cachedTracked = again.wall;
        }
    }
  } finally {
    for (const b of builds) b.server?.stop();
  }
  const rounds = (xs: number[]) => `rounds ${xs.map((x) => x.toFixed(1)).join(' / ')} ms`;

  let dvcCached: number | undefined;
  let dvcPerStage: number | undefined;
  const dvc = WITH_DVC ? await ensureDvc(log) : undefined;
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
  const perStage = median(walls.plain);
  const baseline = builds[1];
  const overheadRow = (kind: Kind, how: string, extra = ''): ResultRow => {
    const wall = median(walls[kind]);
    const cpu = median(cpus[kind]);
    const vs = baseline
      ? {
          baseline: median(baseline.walls[kind]),
          ratio: median(baseline.walls[kind]) / wall,
        }
      : kind === 'plain' && dvcPerStage !== undefined
        ? { baseline: dvcPerStage, ratio: dvcPerStage / wall }
        : {};
    const base = baseline
      ? `; baseline build (${BASELINE_BIN}): wall ${rounds(baseline.walls[kind])}, CPU median ${median(baseline.cpus[kind]).toFixed(1)} ms (${rounds(baseline.cpus[kind])}), CPU ratio baseline / current ${(median(baseline.cpus[kind]) / cpu).toFixed(2)}`
      : '';
    return {
      bench: 'pipeline',
      backend: 'local',
      metric: `per-stage overhead, trivial stage, -j 1, ${how} (median of ${ROUNDS})`,
      value: wall,
      unit: 'ms',
      ...vs,
      target: '< 30 ms',
      pass: wall < 30,
      note: `wall ${rounds(walls[kind])}; CPU time (user + sys of mloop, the stage's sh and cat${kind === 'server' ? ' and the server' : ''}) median ${cpu.toFixed(1)} ms per stage (${rounds(cpus[kind])})${extra}${base}`,
    };
  };
  rows.push(
    overheadRow('plain', 'no tracking', `; cached repro ${cpuCached.toFixed(0)} ms CPU`),
    overheadRow('home', 'tracked to a local home'),
    overheadRow('server', 'tracked to mloop server'),
  );

  // 3: diamond.
  const diamond = projectDir('mloop-bench-diamond-', { 'mloop.yaml': diamondYaml() });
  await mloop(diamond, 'repro', '-j', '4', '--no-track', '-q');
  log('diamond: repro -f -j 4, then -j 1 …');
  const par = await mloop(diamond, 'repro', '-f', '-j', '4', '--no-track', '-q');
  const seq = await mloop(diamond, 'repro', '-f', '-j', '1', '--no-track', '-q');
  const diamondCached = await best(3, () => mloop(diamond, 'repro', '--no-track', '-q'));
  // Expected: the 2 s sleep, plus what a cached repro of the same file costs (startup, planning), plus the overhead
  // of each of the 6 stages. Only the commands overlap: one process starts every stage and records every result,
  // in turn, so the four middle stages' spawns (before the sleep) and their hashing and caching (after it, before
  // the join may start) are each on the critical path. (Until 2026-11-22 the allowance counted one overhead per
  // layer, 3, which the measured 2,306–2,313 ms missed by 17–30 ms; see docs/benchmarks.md.)
  const allowance = 2000 + diamondCached + 6 * perStage;
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
    note: `allowance 2 s + cached repro ${diamondCached.toFixed(0)} ms + 6 × per-stage overhead = ${allowance.toFixed(0)} ms (with 3 ×, the earlier rule: ${(2000 + diamondCached + 3 * perStage).toFixed(0)} ms)`,
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

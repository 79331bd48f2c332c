/**
 * Serving benchmark (issue 6): single-row requests to a 100-tree GBDT ONNX model with 20 features, 32 concurrent
 * connections, load from a separate process (bench/support/load-generator.ts). In the same run:
 *   - baseline: a minimal Node HTTP server calling onnxruntime-node directly (the practical limit);
 *   - mloop: `mloop serve` (standalone replica), Open Inference Protocol and MLflow /invocations; and the same model
 *     deployed on `mloop server` (its /v2 routes, through the full app with access control);
 *   - mlflow: `mlflow models serve` (PyPI mlflow, .cache/bench-mlflow-venv) on the same model, /invocations.
 * Targets: mloop ≥ 0.8 × baseline throughput; p99 ≤ 5 ms at half of mloop's maximum throughput; ≥ 10× mlflow.
 *
 * Each mloop/baseline measurement is repeated BENCH_ROUNDS times, interleaved, and the median run is reported, so a
 * burst of other work on the machine does not decide a ratio. Every run also reports the server's CPU time per
 * request (all its threads, from /proc), which other work on a shared machine disturbs far less than wall time.
 *
 * usage: node --import tsx bench/serving.ts   (BENCH_SECONDS=5 per run, BENCH_ROUNDS=3, BENCH_CONNECTIONS=32,
 *        BENCH_SKIP_MLFLOW=1; BENCH_COMPARE=DIR also serves the model from the mloop checkout in DIR, e.g. a
 *        worktree of the previous commit, and measures it in the same interleaved rounds as 'compare-oip';
 *        BENCH_CPU_PROF=DIR writes a V8 CPU profile of the mloop replica there when it stops)
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { openArtifactStore } from '../src/artifacts/open-artifact-store.js';
import { packageFiles, type Signature } from '../src/registry/model-package.js';
import { createServices } from '../src/server/services.js';
import { openStore } from '../src/store/open-store.js';
import { cpuSeconds, machineShares, machineTicks } from './support/cpu-time.js';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const VENV = join(ROOT, '.cache/bench-mlflow-venv');
/** The test suite's venv has onnx too: enough to build the model when mlflow is left out. */
const TEST_VENV_PYTHON = join(ROOT, '.cache/venv/bin/python');
const COMPARE = process.env.BENCH_COMPARE ? resolve(process.env.BENCH_COMPARE) : undefined;
const REQUIREMENTS = join(ROOT, 'bench/mlflow-requirements.txt');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const FEATURES = 20;
const children: ChildProcess[] = [];

interface LoadResult {
  requests: number;
  /** Answers including the warm-up. */
  answered: number;
  /** Server CPU milliseconds per answered request over the whole load run (all threads). */
  cpuMsPerRequest: number;
  /** Shares of the machine's CPU time during the run: idle, and stolen by the hypervisor for other guests. */
  idle: number;
  steal: number;
  throughput: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  statuses: Record<string, number>;
  errors: number;
}

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const pct = (share: number) => `${(share * 100).toFixed(1)} %`;

async function ensureVenv(): Promise<string> {
  const python = join(VENV, 'bin/python');
  const marker = join(VENV, '.requirements.sha256');
  const hash = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
  if (!existsSync(python)) await exec('python3', ['-m', 'venv', VENV]);
  if (!existsSync(marker) || readFileSync(marker, 'utf8').trim() !== hash) {
    log(
      'installing bench/mlflow-requirements.txt into .cache/bench-mlflow-venv (a few minutes the first time)',
    );
    await exec(python, ['-m', 'pip', 'install', '--quiet', '-r', REQUIREMENTS], { maxBuffer: 64 << 20 });
    writeFileSync(marker, `${hash}\n`);
  }
  return python;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

interface Server {
  url: string;
  pid: number | undefined;
}

/** Starts a child and resolves with the URL from the first JSON line it prints. */
function startJsonChild(cmd: string, args: string[], what: string): Promise<Server> {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d) => {
    err = (err + String(d)).slice(-4000);
  });
  return new Promise((done, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`${what} did not start in 60 s: ${err}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += String(d);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        done({ url: (JSON.parse(line) as { url: string }).url, pid: child.pid });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${what} exited with ${code}: ${err}`));
    });
  });
}

/** Polls `url` every 0.5 s until it answers 2xx (true) or `ms` pass or `alive` turns false (false). */
async function answersOk(url: string, ms: number, alive: () => boolean = () => true): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end && alive()) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

async function load(
  server: Server,
  path: string,
  body: string,
  opts: { rate?: number; seconds?: number; connections?: number } = {},
): Promise<LoadResult> {
  const options = {
    url: `${server.url}${path}`,
    body,
    contentType: 'application/json',
    connections: opts.connections ?? CONNECTIONS,
    durationMs: (opts.seconds ?? SECONDS) * 1000,
    warmupMs: 2000,
    ...(opts.rate ? { rate: opts.rate } : {}),
  };
  const cpu0 = cpuSeconds(server.pid);
  const ticks0 = machineTicks();
  const { stdout } = await exec(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/support/load-generator.ts'), JSON.stringify(options)],
    { cwd: ROOT, maxBuffer: 16 << 20 },
  );
  const cpu = cpuSeconds(server.pid) - cpu0;
  const shares = machineShares(ticks0, machineTicks());
  const r = JSON.parse(stdout.trim().split('\n').pop()!) as Omit<
    LoadResult,
    'cpuMsPerRequest' | 'idle' | 'steal'
  >;
  return { ...r, ...shares, cpuMsPerRequest: (cpu * 1000) / r.answered };
}

async function main(): Promise<void> {
  const python =
    process.env.BENCH_SKIP_MLFLOW && existsSync(TEST_VENV_PYTHON) ? TEST_VENV_PYTHON : await ensureVenv();
  const work = mkdtempSync(join(tmpdir(), 'mloop-bench-serving-'));
  const onnxPath = join(work, 'gbdt.onnx');
  await exec(python, [
    join(ROOT, 'test/python/make_onnx_model.py'),
    'gbdt',
    onnxPath,
    '--features',
    String(FEATURES),
    '--trees',
    '100',
    '--depth',
    '6',
  ]);
  const onnxModel = new Uint8Array(readFileSync(onnxPath));
  const columns = Array.from({ length: FEATURES }, (_, i) => `f${i}`);
  const signature: Signature = {
    inputs: columns.map((name) => ({ type: 'float' as const, name })),
    outputs: [{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 1] } }],
  };
  const row = Array.from({ length: FEATURES }, (_, i) => Math.round(Math.sin(i + 1) * 1000) / 1000);

  // The registry of a fresh home, with the model as version 1 of 'gbdt'.
  const home = join(work, 'home');
  const store = await openStore(`sqlite:///${join(home, 'mloop.db')}`);
  const artifacts = openArtifactStore(pathToFileURL(join(home, 'artifacts')).href);
  const services = createServices(store, artifacts);
  await services.experiments.ensureDefault();
  const run = await services.runs.create({});
  const base = run.info.artifactUri.slice('mlflow-artifacts:/'.length);
  const files = packageFiles({ onnxModel, signature, inputExample: { columns, data: [row] } });
  for (const [path, bytes] of files) await artifacts.put(`${base}/model/${path}`, bytes);
  await services.registry.createModel({ name: 'gbdt' });
  await services.registry.createVersion({ name: 'gbdt', source: `runs:/${run.info.runId}/model` });
  // The same model deployed on the full server as well (`mloop deploy create gbdt --model models:/gbdt/1`).
  await services.deployments.create({ name: 'gbdt', model: 'models:/gbdt/1' });
  await store.close();

  // The same package for mlflow, plus the python_function flavor that `mlflow models serve` loads through.
  const mlflowDir = join(work, 'mlflow-model');
  mkdirSync(mlflowDir);
  for (const [path, bytes] of files) writeFileSync(join(mlflowDir, path), bytes);
  const manifest = readFileSync(join(mlflowDir, 'MLmodel'), 'utf8').replace(
    'flavors:\n',
    'flavors:\n  python_function:\n    loader_module: mlflow.onnx\n    data: model.onnx\n    python_version: 3.11.7\n',
  );
  writeFileSync(join(mlflowDir, 'MLmodel'), manifest);

  const oip = JSON.stringify({ inputs: [{ name: 'X', shape: [1, FEATURES], datatype: 'FP32', data: row }] });
  const invocations = JSON.stringify({ dataframe_split: { columns, data: [row] } });

  const load0 = loadavg()[0]!;
  log(
    `machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, load ${load0.toFixed(1)}`,
  );
  const baselineUrl = await startJsonChild(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/support/baseline-server.ts'), onnxPath],
    'baseline',
  );
  const serveArgs = ['serve', '--home', home, '--model', 'models:/gbdt/1', '--port', '0', '--json'];
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF]
    : [];
  const mloopUrl = await startJsonChild(
    process.execPath,
    [...profile, '--import', 'tsx', join(ROOT, 'bench/support/mloop-cli.ts'), ...serveArgs],
    'mloop serve',
  );
  // The full server answers the deployment at /v2 through its Hono app, access control included.
  const serverUrl = await startJsonChild(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'bench/support/mloop-cli.ts'),
      'server',
      '--home',
      home,
      '--port',
      '0',
      '--json',
    ],
    'mloop server',
  );
  if (!(await answersOk(`${serverUrl.url}/v2/models/gbdt/ready`, 60_000)))
    throw new Error('mloop server did not load the gbdt deployment in 60 s');
  const compareUrl = COMPARE
    ? await startJsonChild(
        process.execPath,
        ['--import', 'tsx', join(COMPARE, 'bench/support/mloop-cli.ts'), ...serveArgs],
        `mloop serve from ${COMPARE}`,
      )
    : undefined;
  const results: Record<string, LoadResult> = {};
  const runs: Record<string, LoadResult[]> = {};
  const measure = async (
    key: string,
    server: Server,
    path: string,
    body: string,
    opts: { rate?: number; connections?: number } = {},
  ) => {
    log(
      `${key}: ${SECONDS}s at ${opts.rate ? `${Math.round(opts.rate)} req/s` : 'full speed'}, ${opts.connections ?? CONNECTIONS} connections`,
    );
    const r = await load(server, path, body, opts);
    runs[key] = [...(runs[key] ?? []), r];
    log(
      `  → ${Math.round(r.throughput)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${r.cpuMsPerRequest.toFixed(3)} ms CPU/request, load ${loadavg()[0]!.toFixed(1)}, steal ${pct(r.steal)}, idle ${pct(r.idle)}`,
    );
    return r;
  };
  /** The run with the median throughput (closed loop) or median p99 (fixed rate). */
  const median = (key: string, by: 'throughput' | 'p99') => {
    const sorted = [...runs[key]!].sort((a, b) => a[by] - b[by]);
    results[key] = sorted[Math.floor(sorted.length / 2)]!;
  };
  const run1 = async (key: string, server: Server, path: string, body: string) => {
    await measure(key, server, path, body);
    median(key, 'throughput');
  };
  const infer = '/v2/models/gbdt/infer';
  for (let round = 0; round < ROUNDS; round++) {
    await measure('baseline', baselineUrl, infer, oip);
    await measure('mloop-oip', mloopUrl, infer, oip);
    if (compareUrl) await measure('compare-oip', compareUrl, infer, oip);
    await measure('mloop-invocations', mloopUrl, '/invocations', invocations);
    await measure('mloop-server-oip', serverUrl, infer, oip);
    // One connection: the cost of one request with nothing to batch (the thread hop included).
    await measure('baseline c=1', baselineUrl, infer, oip, { connections: 1 });
    await measure('mloop-oip c=1', mloopUrl, infer, oip, { connections: 1 });
  }
  const closed = [
    'baseline',
    'mloop-oip',
    'mloop-invocations',
    'mloop-server-oip',
    'baseline c=1',
    'mloop-oip c=1',
  ];
  for (const key of [...closed, ...(compareUrl ? ['compare-oip'] : [])]) median(key, 'throughput');
  // The latency target is taken at half of mloop's maximum: a fixed-rate run, latency counted from when each request
  // was due. The baseline (and the compared checkout) get the same rate.
  const half = results['mloop-oip']!.throughput / 2;
  for (let round = 0; round < ROUNDS; round++) {
    await measure('mloop-oip@half', mloopUrl, infer, oip, { rate: half });
    await measure('baseline@half', baselineUrl, infer, oip, { rate: half });
    if (compareUrl) await measure('compare-oip@half', compareUrl, infer, oip, { rate: half });
  }
  // A quarter of the maximum as well: where the tail stands with the cores less contended.
  for (let round = 0; round < ROUNDS; round++) {
    await measure('mloop-oip@quarter', mloopUrl, infer, oip, { rate: half / 2 });
    await measure('baseline@quarter', baselineUrl, infer, oip, { rate: half / 2 });
  }
  median('mloop-oip@half', 'p99');
  median('baseline@half', 'p99');
  median('mloop-oip@quarter', 'p99');
  median('baseline@quarter', 'p99');
  if (compareUrl) median('compare-oip@half', 'p99');
  for (const c of children.splice(0)) c.kill();

  let mlflowNote = '';
  if (process.env.BENCH_SKIP_MLFLOW) mlflowNote = 'skipped (BENCH_SKIP_MLFLOW)';
  else {
    const port = await freePort();
    const workers = availableParallelism();
    const child = spawn(
      join(VENV, 'bin/mlflow'),
      [
        'models',
        'serve',
        '-m',
        mlflowDir,
        '--env-manager',
        'local',
        '--host',
        '127.0.0.1',
        '-p',
        String(port),
        '-w',
        String(workers),
      ],
      {
        cwd: work,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, PATH: `${join(VENV, 'bin')}:${process.env.PATH}` },
      },
    );
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d) => {
      err = (err + String(d)).slice(-4000);
    });
    const url = `http://127.0.0.1:${port}`;
    const up = await answersOk(`${url}/ping`, 120_000, () => child.exitCode === null);
    if (!up) mlflowNote = `mlflow models serve did not come up: ${err.slice(-1500)}`;
    else {
      const check = await fetch(`${url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: invocations,
      });
      log(`mlflow answers ${check.status}: ${(await check.text()).slice(0, 200)}`);
      await run1('mlflow', { url, pid: child.pid }, '/invocations', invocations);
      mlflowNote = `mlflow ${readFileSync(REQUIREMENTS, 'utf8').match(/mlflow==([\d.]+)/)?.[1]}, --workers ${workers}, --env-manager local`;
    }
    for (const c of children.splice(0)) c.kill();
  }

  const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
  const lines = [
    `| run | req/s | p50 ms | p99 ms | CPU ms/req | non-2xx |`,
    `|---|---:|---:|---:|---:|---:|`,
    ...Object.entries(results).map(([k, r]) => {
      const bad = Object.entries(r.statuses)
        .filter(([s]) => !s.startsWith('2'))
        .reduce((n, [, c]) => n + c, 0);
      return `| ${k} | ${fmt(r.throughput)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.cpuMsPerRequest, 3)} | ${bad + r.errors} |`;
    }),
  ];
  console.log(lines.join('\n'));
  const b = results.baseline!;
  const m = results['mloop-oip']!;
  const h = results['mloop-oip@half']!;
  const ratio = m.throughput / b.throughput;
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  console.log(
    `\nmloop OIP / baseline throughput: ${ratio.toFixed(2)} (target ≥ 0.8) ${verdict(ratio >= 0.8)}`,
  );
  console.log(
    `mloop OIP p99 at half max (${fmt(m.throughput / 2)} req/s): ${fmt(h.p99, 2)} ms (target ≤ 5) ${verdict(h.p99 <= 5)}`,
  );
  const srv = results['mloop-server-oip']!;
  console.log(
    `mloop server /v2 (deployment, access control) / baseline throughput: ${(srv.throughput / b.throughput).toFixed(2)}`,
  );
  const c = results['compare-oip'];
  if (c)
    console.log(
      `this checkout / ${COMPARE} (OIP throughput, same rounds): ${(m.throughput / c.throughput).toFixed(2)}; CPU per request ${m.cpuMsPerRequest.toFixed(3)} vs ${c.cpuMsPerRequest.toFixed(3)} ms`,
    );
  const f = results.mlflow;
  if (f) {
    const inv = results['mloop-invocations']!.throughput / f.throughput;
    console.log(
      `mloop /invocations / mlflow /invocations: ${inv.toFixed(1)}× (target ≥ 10×) ${verdict(inv >= 10)}`,
    );
    console.log(`mloop OIP / mlflow /invocations: ${(m.throughput / f.throughput).toFixed(1)}×`);
  }
  console.log(`mlflow: ${mlflowNote}`);
  console.log(
    `machine: ${availableParallelism()} cores, 1-min load average ${load0.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end (other work on the machine skews every figure)`,
  );
  const spread = Object.entries(runs)
    .map(
      ([k, rs]) =>
        `${k} ${rs.map((r) => (k.includes('@') ? `${r.p99.toFixed(1)}ms` : Math.round(r.throughput))).join('/')} (CPU ${rs.map((r) => r.cpuMsPerRequest.toFixed(3)).join('/')} ms/req; steal ${rs.map((r) => pct(r.steal)).join('/')})`,
    )
    .join('; ');
  console.log(`every round (req/s; p99 for fixed-rate runs): ${spread}`);
  console.log(
    `\n${JSON.stringify({ results, mlflow: mlflowNote, connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS })}`,
  );
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) c.kill();
  });

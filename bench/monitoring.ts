/**
 * Monitoring overhead (monitoring issue, item 7): serving throughput of the same model with live monitoring on and
 * off, measured in the same run. Two `mloop serve` replicas of one 20-feature logistic classifier (built-in learner)
 * on one store; one with MLOOP_MONITORING=off. Single-row OIP requests, closed loop, from a separate load-generator
 * process (bench/support/load-generator.ts). Rounds are interleaved (off, on, off, on, …) and the median of each is
 * reported, so a burst of other work on the machine does not decide the ratio. Target: on / off ≥ 0.9.
 *
 * With monitoring on, every answered request is profiled into its window (inputs, outputs, latency), its prediction
 * is stored for ground truth, and the windows are written to the store every 2 s.
 *
 * Besides throughput and p99 it reports each replica's CPU time per request (all threads, from /proc), which other
 * work on a shared machine disturbs far less than wall-clock figures.
 *
 * usage: npm run bench -- [--backend sqlite|postgres|all] [--seconds N]   or   node --import tsx bench/monitoring.ts
 *        (BENCH_ROUNDS=3, BENCH_CONNECTIONS=32, BENCH_SAMPLE_RATE=0 share of requests kept raw,
 *        BENCH_CPU_PROF=DIR writes a V8 CPU profile of each replica there when it stops, BENCH_COMPARE=DIR adds a
 *        third replica with monitoring on, served from the mloop checkout in DIR, measured in the same rounds)
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { openArtifactStore } from '../src/artifacts/open-artifact-store.js';
import { fitModel } from '../src/learn/fit.js';
import { categorical, frameFrom, numeric } from '../src/learn/frame.js';
import { learnPackageFiles } from '../src/learn/model-package.js';
import { Random } from '../src/learn/random.js';
import { createServices } from '../src/server/services.js';
import { openStore } from '../src/store/open-store.js';
import type { BackendName, BenchArgs } from './lib/args.js';
import type { Backends } from './lib/backends.js';
import { type Bench, isMain, type Log, runBenches } from './lib/runner.js';
import type { ResultRow } from './lib/table.js';
import { cpuSeconds } from './support/cpu-time.js';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const FEATURES = 20;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

interface LoadResult {
  requests: number;
  /** Answers including the warm-up. */
  answered: number;
  /** Server CPU milliseconds per answered request over the whole load run (all threads). */
  cpuMsPerRequest: number;
  throughput: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
}

/** Registers a logistic classifier over FEATURES numeric columns as models:/clf/1 in the given stores. */
async function setup(storeUri: string, artifactsUri: string): Promise<number[]> {
  const r = new Random(1);
  const n = 2000;
  const cols: Record<string, Float64Array> = {};
  for (let f = 0; f < FEATURES; f++) cols[`f${f}`] = Float64Array.from({ length: n }, () => r.next() * 2 - 1);
  const y = Array.from({ length: n }, (_, i) => (cols.f0![i]! + cols.f1![i]! > 0 ? 'yes' : 'no'));
  const frame = frameFrom({
    ...Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, numeric(v)])),
    y: categorical(y),
  });
  const model = fitModel(frame, { learner: 'logistic', target: 'y' });
  const store = await openStore(storeUri);
  const artifacts = openArtifactStore(artifactsUri);
  try {
    const services = createServices(store, artifacts);
    await services.experiments.ensureDefault();
    const run = await services.runs.create({});
    const base = run.info.artifactUri.slice('mlflow-artifacts:/'.length);
    for (const [path, bytes] of learnPackageFiles(model, { runId: run.info.runId }))
      await artifacts.put(`${base}/model/${path}`, bytes);
    await services.registry.createModel({ name: 'clf' });
    await services.registry.createVersion({ name: 'clf', source: `runs:/${run.info.runId}/model` });
    const rate = Number(process.env.BENCH_SAMPLE_RATE ?? 0);
    if (rate > 0) await services.monitoring.updateConfig('clf', { sampleRate: rate });
  } finally {
    await store.close();
  }
  return Array.from({ length: FEATURES }, (_, i) => Math.round(Math.sin(i + 1) * 1000) / 1000);
}

interface Replica {
  url: string;
  pid: number | undefined;
}

function startReplica(
  args: string[],
  env: NodeJS.ProcessEnv,
  children: ChildProcess[],
  root = ROOT,
): Promise<Replica> {
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF]
    : [];
  const child = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', join(root, 'bench/support/mloop-cli.ts'), ...args],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    },
  );
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d) => {
    err = (err + String(d)).slice(-4000);
  });
  return new Promise((done, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`mloop serve did not start in 120 s: ${err}`)), 120_000);
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
      fail(new Error(`mloop serve exited with ${code}: ${err}`));
    });
  });
}

async function load(replica: Replica, path: string, body: string, seconds: number): Promise<LoadResult> {
  const options = {
    url: `${replica.url}${path}`,
    body,
    contentType: 'application/json',
    connections: CONNECTIONS,
    durationMs: seconds * 1000,
    warmupMs: 2000,
  };
  const cpu0 = cpuSeconds(replica.pid);
  const { stdout } = await exec(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/support/load-generator.ts'), JSON.stringify(options)],
    { cwd: ROOT, maxBuffer: 16 << 20 },
  );
  const cpu = cpuSeconds(replica.pid) - cpu0;
  const r = JSON.parse(stdout.trim().split('\n').pop()!) as Omit<LoadResult, 'cpuMsPerRequest'>;
  return { ...r, cpuMsPerRequest: (cpu * 1000) / r.answered };
}

async function run(
  backends: Backends,
  backend: BackendName,
  args: BenchArgs,
  log: Log,
): Promise<ResultRow[]> {
  const work = mkdtempSync(join(tmpdir(), 'mloop-bench-monitoring-'));
  const storeUri = await backends.freshUri(backend);
  const artifactsUri = pathToFileURL(join(work, 'artifacts')).href;
  const row = await setup(storeUri, artifactsUri);
  const children: ChildProcess[] = [];
  const seconds = Math.min(args.seconds, 10);
  const load0 = loadavg()[0]!;
  try {
    const common = ['serve', '--model', 'models:/clf/1', '--port', '0', '--json', '--home', work];
    const flags = ['--store', storeUri, '--artifacts', artifactsUri];
    const off = await startReplica(
      [...common, ...flags, '--name', 'clf'],
      { MLOOP_MONITORING: 'off' },
      children,
    );
    const on = await startReplica(
      [...common, ...flags, '--name', 'clf'],
      { MLOOP_MONITORING: 'on' },
      children,
    );
    const compareRoot = process.env.BENCH_COMPARE ? resolve(process.env.BENCH_COMPARE) : undefined;
    const compare = compareRoot
      ? await startReplica(
          [...common, ...flags, '--name', 'clf'],
          { MLOOP_MONITORING: 'on' },
          children,
          compareRoot,
        )
      : undefined;
    const body = JSON.stringify({
      inputs: row.map((v, i) => ({ name: `f${i}`, shape: [1, 1], datatype: 'FP32', data: [v] })),
    });
    const runs: Record<'off' | 'on' | 'compare', LoadResult[]> = { off: [], on: [], compare: [] };
    const replicas: ['off' | 'on' | 'compare', Replica][] = [
      ['off', off],
      ['on', on],
      ...(compare ? [['compare', compare] as ['compare', Replica]] : []),
    ];
    for (let round = 0; round < ROUNDS; round++) {
      for (const [key, replica] of replicas) {
        log(`monitoring ${key}, round ${round + 1}/${ROUNDS}: ${seconds}s, ${CONNECTIONS} connections`);
        const r = await load(replica, '/v2/models/clf/infer', body, seconds);
        const bad = Object.entries(r.statuses).filter(([s]) => !s.startsWith('2'));
        if (bad.length) throw new Error(`monitoring ${key}: non-2xx answers ${JSON.stringify(r.statuses)}`);
        runs[key].push(r);
        log(
          `  → ${Math.round(r.throughput)} req/s, p99 ${r.p99.toFixed(1)} ms, ${r.cpuMsPerRequest.toFixed(3)} ms CPU/request, load ${loadavg()[0]!.toFixed(1)}`,
        );
      }
    }
    const median = (list: LoadResult[]) =>
      [...list].sort((a, b) => a.throughput - b.throughput)[Math.floor(list.length / 2)]!;
    const offR = median(runs.off);
    const onR = median(runs.on);
    const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const cpuOff = medianOf(runs.off.map((x) => x.cpuMsPerRequest));
    const cpuOn = medianOf(runs.on.map((x) => x.cpuMsPerRequest));
    const metrics = await (await fetch(`${on.url}/metrics`)).text();
    const dropped = Number(/^mloop_monitor_dropped_total (\d+)$/m.exec(metrics)?.[1] ?? Number.NaN);
    const processed = Number(/^mloop_monitor_processed_total (\d+)$/m.exec(metrics)?.[1] ?? Number.NaN);
    const ratio = onR.throughput / offR.throughput;
    const each = (k: 'off' | 'on' | 'compare') => runs[k].map((x) => Math.round(x.throughput)).join('/');
    const note = `median of ${ROUNDS} interleaved ${seconds}s runs (off ${each('off')}, on ${each('on')} req/s); records processed ${processed}, dropped ${dropped}; load average ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`;
    return [
      {
        bench: 'monitoring',
        backend,
        metric: 'serving throughput, monitoring on vs off',
        value: onR.throughput,
        unit: 'req/s',
        baseline: offR.throughput,
        ratio,
        target: '≥ 0.9',
        pass: ratio >= 0.9,
        note,
      },
      {
        bench: 'monitoring',
        backend,
        metric: 'p99 latency, monitoring on vs off',
        value: onR.p99,
        unit: 'ms',
        baseline: offR.p99,
        ratio: onR.p99 / offR.p99,
      },
      {
        bench: 'monitoring',
        backend,
        metric: 'server CPU time per request, monitoring on vs off (median of rounds)',
        value: cpuOn,
        unit: 'ms',
        baseline: cpuOff,
        ratio: cpuOn / cpuOff,
        note: `off ${runs.off.map((x) => x.cpuMsPerRequest.toFixed(3)).join('/')}, on ${runs.on.map((x) => x.cpuMsPerRequest.toFixed(3)).join('/')} ms`,
      },
      ...(compare
        ? [
            {
              bench: 'monitoring',
              backend,
              metric: `throughput with monitoring on, ${compareRoot} vs off`,
              value: median(runs.compare).throughput,
              unit: 'req/s',
              baseline: offR.throughput,
              ratio: median(runs.compare).throughput / offR.throughput,
              note: `rounds ${each('compare')} req/s; p99 ${median(runs.compare).p99.toFixed(1)} ms; CPU ${runs.compare.map((x) => x.cpuMsPerRequest.toFixed(3)).join('/')} ms/request`,
            },
          ]
        : []),
    ];
  } finally {
    // Wait for the replicas to stop, so that a CPU profile (BENCH_CPU_PROF) is written before the bench exits.
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((done) => {
            if (c.exitCode !== null) return done();
            c.once('exit', () => done());
            c.kill();
          }),
      ),
    );
  }
}

export const monitoringBench: Bench = {
  name: 'monitoring',
  title: 'Live monitoring: serving throughput with monitoring on / off (same run, same store)',
  run,
};

if (isMain(import.meta.url)) await runBenches([monitoringBench], process.argv.slice(2));

/**
 * Ingest: 8 concurrent MLflow clients POST /api/2.0/mlflow/runs/log-batch with 1000 metric points each, against a
 * real `mloop server` process; the figure is metric points per second. Baseline, same database, same run: the same
 * shape of rows bulk-inserted straight into the `metric_points` table through the driver (SQLite: multi-row INSERTs
 * of 200 rows, a transaction per 1000 rows; PostgreSQL: one INSERT … SELECT unnest per 1000 rows, 8 connections).
 */
import type { BackendName, BenchArgs } from './lib/args.js';
import type { Backends } from './lib/backends.js';
import { type Column, openRawDb, type RawDb } from './lib/raw-db.js';
import { type Bench, isMain, type Log, runBenches } from './lib/runner.js';
import { cpuSeconds, post, startMloop } from './lib/server.js';
import { hexId, now, summarize } from './lib/stats.js';
import type { ResultRow } from './lib/table.js';

const CLIENTS = 8;
const BATCH = 1000;
/** A training loop's metrics: 10 keys × 100 steps make one batch of 1000 points. */
const KEYS = [
  'train/loss',
  'train/accuracy',
  'val/loss',
  'val/accuracy',
  'learning_rate',
  'grad_norm',
  'throughput',
  'gpu_utilization',
  'epoch_time',
  'f1',
];
const STEPS = BATCH / KEYS.length;
const T0 = Date.UTC(2025, 0, 1);
const WARMUP_SECONDS = 2;
/** Raw-insert baseline size: 512 batches of 1000 rows. */
const BASELINE_BATCHES = 512;

const PREFIXES = KEYS.map((k) => `{"key":${JSON.stringify(k)},"value":`);

/** Batch `seq` of a run as the MLflow client sends it: steps seq*100 … seq*100+99 of every key. */
function batchBody(runId: string, seq: number): string {
  const parts: string[] = [];
  for (let s = 0; s < STEPS; s++) {
    const step = seq * STEPS + s;
    const tail = `,"timestamp":${T0 + step * 10},"step":${step}}`;
    for (const prefix of PREFIXES) parts.push(prefix + Math.random() + tail);
  }
  return `{"run_id":"${runId}","metrics":[${parts.join(',')}]}`;
}

const POINT_COLUMNS: Column[] = [
  ['series_id', 'int4'],
  ['step', 'int8'],
  ['timestamp', 'int8'],
  ['value', 'float8'],
  ['is_nan', 'int4'],
];

/** The same batch as rows of the `metric_points` table: `seriesIds` holds the run's series, in KEYS order. */
function batchRows(seriesIds: readonly number[], seq: number): unknown[][] {
  const rows: unknown[][] = [];
  for (let s = 0; s < STEPS; s++) {
    const step = seq * STEPS + s;
    for (const id of seriesIds) rows.push([id, step, T0 + step * 10, Math.random(), 0]);
  }
  return rows;
}

/**
 * Points per second of the raw bulk insert of BASELINE_BATCHES batches into runs unknown to mloop. Their series
 * (run, key → id) are created before the clock starts; mloop resolves its own inside every request.
 */
async function rawInsertRate(raw: RawDb): Promise<{ rate: number; cpuSeconds: number }> {
  const perClient = BASELINE_BATCHES / CLIENTS;
  const runIds = Array.from({ length: CLIENTS }, () => hexId(Math.random));
  await raw.insert(
    'metric_series',
    [
      ['run_id', 'text'],
      ['key', 'text'],
    ],
    runIds.flatMap((runId) => KEYS.map((key) => [runId, key])),
  );
  const work = await Promise.all(
    runIds.map(async (runId) => {
      const series = await raw.query<{ series_id: number; key: string }>(
        'SELECT series_id, key FROM metric_series WHERE run_id = ?',
        [runId],
      );
      const ids = KEYS.map((key) => Number(series.find((s) => s.key === key)!.series_id));
      return Array.from({ length: perClient }, (_, seq) => batchRows(ids, seq));
    }),
  );
  const started = now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    work.map(async (batches) => {
      for (const rows of batches) await raw.insert('metric_points', POINT_COLUMNS, rows);
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return {
    rate: (BASELINE_BATCHES * BATCH) / ((now() - started) / 1000),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

interface Drive {
  points: number;
  seconds: number;
  latencies: number[];
}

/** Each client loops log-batch requests on its own run until the deadline; in-flight requests are waited for. */
async function drive(
  api: string,
  runIds: readonly string[],
  seqs: number[],
  seconds: number,
): Promise<Drive> {
  const latencies: number[] = [];
  let points = 0;
  const started = now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    runIds.map(async (runId, c) => {
      while (now() < deadline) {
        const body = batchBody(runId, seqs[c]!++);
        const t = now();
        await post(`${api}/runs/log-batch`, body);
        latencies.push(now() - t);
        points += BATCH;
      }
    }),
  );
  return { points, seconds: (now() - started) / 1000, latencies };
}

async function run(
  backends: Backends,
  backend: BackendName,
  args: BenchArgs,
  log: Log,
): Promise<ResultRow[]> {
  const uri = await backends.freshUri(backend);
  const server = await startMloop(uri);
  const raw = openRawDb(uri);
  try {
    const api = `${server.url}/api/2.0/mlflow`;
    const { experiment_id } = await post<{ experiment_id: string }>(
      `${api}/experiments/create`,
      JSON.stringify({ name: 'bench-ingest' }),
    );
    const runIds: string[] = [];
    for (let c = 0; c < CLIENTS; c++) {
      const { run } = await post<{ run: { info: { run_id: string } } }>(
        `${api}/runs/create`,
        JSON.stringify({ experiment_id, run_name: `client-${c}`, start_time: Date.now() }),
      );
      runIds.push(run.info.run_id);
    }

    log(`  raw insert baseline (${BASELINE_BATCHES * BATCH} rows) …`);
    const { rate: rawRate, cpuSeconds: rawCpu } = await rawInsertRate(raw);
    // SQLite's raw insert runs in this process, so its CPU per row compares with the server's CPU per point.
    const rawCpuPerRow = backend === 'sqlite' ? (rawCpu * 1e6) / (BASELINE_BATCHES * BATCH) : undefined;

    const seqs = runIds.map(() => 0);
    log(`  warm-up ${WARMUP_SECONDS}s, then ${args.seconds}s measured, ${CLIENTS} clients …`);
    const warm = await drive(api, runIds, seqs, WARMUP_SECONDS);
    const cpu0 = cpuSeconds(server.child.pid);
    const client0 = process.cpuUsage();
    const measured = await drive(api, runIds, seqs, args.seconds);
    const serverCpu = (cpuSeconds(server.child.pid) ?? Number.NaN) - (cpu0 ?? Number.NaN);
    const clientUsage = process.cpuUsage(client0);
    const clientCpu = (clientUsage.user + clientUsage.system) / 1e6;

    await server.stop();
    await verify(raw, runIds, seqs, warm.points + measured.points);

    const rate = measured.points / measured.seconds;
    const ratio = rate / rawRate;
    const latency = summarize(measured.latencies);
    const targeted = backend === 'sqlite';
    const cores = (cpu: number) => (cpu / measured.seconds).toFixed(2);
    return [
      {
        bench: 'ingest',
        backend,
        metric: 'log-batch points/s',
        value: rate,
        unit: 'pts/s',
        baseline: rawRate,
        ratio,
        ...(targeted
          ? { target: '≥ 200,000/s and ratio ≥ 0.30', pass: rate >= 200_000 && ratio >= 0.3 }
          : {}),
        note: `${measured.points.toLocaleString('en-US')} points in ${measured.seconds.toFixed(1)}s; server process ${cores(serverCpu)} cores, bench (clients) ${cores(clientCpu)} cores`,
      },
      {
        bench: 'ingest',
        backend,
        metric: 'server CPU per point',
        value: (serverCpu * 1e6) / measured.points,
        unit: 'µs',
        ...(rawCpuPerRow === undefined
          ? {}
          : { baseline: rawCpuPerRow, ratio: rawCpuPerRow / ((serverCpu * 1e6) / measured.points) }),
        note:
          backend === 'sqlite'
            ? 'user+system time of the mloop process (SQLite runs in it), /proc; less sensitive than wall time to other load on the machine. Baseline: CPU time of the raw insert per row (this process); ratio = baseline ÷ mloop, the throughput ratio both would reach with a core each to themselves'
            : 'user+system time of the mloop process only; PostgreSQL backends work in their own processes',
      },
      { bench: 'ingest', backend, metric: 'log-batch request p50', value: latency.p50, unit: 'ms' },
      { bench: 'ingest', backend, metric: 'log-batch request p99', value: latency.p99, unit: 'ms' },
    ];
  } finally {
    await server.stop();
    await raw.close();
  }
}

/** Every point sent is stored once, and latest_metrics holds each key's last step: the figure counts real writes. */
async function verify(raw: RawDb, runIds: readonly string[], seqs: readonly number[], sent: number) {
  const marks = runIds.map(() => '?').join(', ');
  const [count] = await raw.query<{ n: number }>(
    `SELECT count(*) AS n FROM metric_points p JOIN metric_series s ON s.series_id = p.series_id
     WHERE s.run_id IN (${marks})`,
    runIds,
  );
  if (Number(count?.n) !== sent)
    throw new Error(`ingest: sent ${sent} points, found ${count?.n} in metric_points`);
  const latest = await raw.query<{ run_id: string; step: number }>(
    `SELECT run_id, step FROM latest_metrics WHERE run_id IN (${marks})`,
    runIds,
  );
  const expected = new Map(runIds.map((id, c) => [id, seqs[c]! * STEPS - 1]));
  if (
    latest.length !== runIds.length * KEYS.length ||
    latest.some((l) => expected.get(l.run_id) !== Number(l.step))
  )
    throw new Error('ingest: latest_metrics does not hold the last step of every key');
}

export const ingestBench: Bench = {
  name: 'ingest',
  title: `Ingest: ${CLIENTS} clients × log-batch of ${BATCH} metrics (baseline: raw bulk INSERT into metric_points)`,
  run,
};

if (isMain(import.meta.url)) await runBenches([ingestBench], process.argv.slice(2));

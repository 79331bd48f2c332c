/**
 * Ingest: 8 concurrent MLflow clients POST /api/2.0/mlflow/runs/log-batch with 1000 metric points each, against a
 * real `mloop server` process; the figure is metric points per second. Baseline, same database, same run: the same
 * points bulk-inserted through the driver as one row each into a plain points table (`bench_raw_points`, the
 * layout mloop used before its chunks, MLflow's too): SQLite: multi-row INSERTs of 200 rows, a transaction per
 * 1000 rows; PostgreSQL: one INSERT … SELECT unnest per 1000 rows, 8 connections. Also reported: the same points
 * inserted raw in mloop's own layout (chunks), i.e. the database's share of mloop's time.
 */

import { encodeChunks } from '../src/store/metric-chunks.js';
import type { BackendName, BenchArgs } from './lib/args.js';
import type { Backends } from './lib/backends.js';
import { type Column, insertRawChunks, openRawDb, type RawDb } from './lib/raw-db.js';
import { type Bench, isMain, type Log, runBenches } from './lib/runner.js';
import { post, startMloop } from './lib/server.js';
import { hexId, now, summarize } from './lib/stats.js';
import type { ResultRow } from './lib/table.js';
import { cpuSeconds } from './support/cpu-time.js';

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

/**
 * Random values as JSON text, made before the clock starts and used in turn: formatting a double is most of what
 * building a body costs, and the clients share the 2 cores with the server. Points stay distinct by their steps.
 */
const VALUES = Array.from({ length: 1 << 16 }, () => String(Math.random()));
let nextValue = 0;

/** Batch `seq` of a run as the MLflow client sends it: steps seq*100 … seq*100+99 of every key. */
function batchBody(runId: string, seq: number): string {
  let body = `{"run_id":"${runId}","metrics":[`;
  for (let s = 0; s < STEPS; s++) {
    const step = seq * STEPS + s;
    const tail = `,"timestamp":${T0 + step * 10},"step":${step}}`;
    for (let k = 0; k < PREFIXES.length; k++) {
      if (s > 0 || k > 0) body += ',';
      body += PREFIXES[k]! + VALUES[nextValue++ & 0xffff] + tail;
    }
  }
  return `${body}]}`;
}

const POINT_COLUMNS: Column[] = [
  ['series_id', 'int4'],
  ['step', 'int8'],
  ['timestamp', 'int8'],
  ['value', 'float8'],
  ['is_nan', 'int4'],
];

/** A point per row, keyed as MLflow keys its metrics table: the primary key is the duplicate rule. */
function rawPointsTable(backend: BackendName): string {
  return `CREATE TABLE bench_raw_points (series_id integer NOT NULL, step bigint NOT NULL, "timestamp" bigint NOT NULL,
    value double precision NOT NULL, is_nan integer NOT NULL,
    PRIMARY KEY (series_id, step, "timestamp", value, is_nan))${backend === 'sqlite' ? ' WITHOUT ROWID' : ''}`;
}

/** The same batch as point rows: `seriesIds` holds the run's series, in KEYS order. */
function batchRows(seriesIds: readonly number[], seq: number): unknown[][] {
  const rows: unknown[][] = [];
  for (let s = 0; s < STEPS; s++) {
    const step = seq * STEPS + s;
    for (const id of seriesIds) rows.push([id, step, T0 + step * 10, Math.random(), 0]);
  }
  return rows;
}

/** Rows per second of a raw bulk insert of BASELINE_BATCHES batches of BATCH points, and its CPU time. */
interface RawRate {
  rate: number;
  cpuSeconds: number;
}

/**
 * The raw baselines, with 8 writers as the server has 8 clients. Rows: every point a row of `bench_raw_points`
 * (the issue's baseline). Chunks: the same points encoded as mloop encodes them, inserted into `metric_chunks`
 * under series of runs unknown to mloop; their series rows are created before the clock starts, while mloop
 * resolves its own inside every request.
 */
async function rawInsertRates(raw: RawDb, backend: BackendName): Promise<{ rows: RawRate; chunks: RawRate }> {
  const perClient = BASELINE_BATCHES / CLIENTS;
  await raw.query(rawPointsTable(backend));
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
  const rows = await timed(work, (batch) => raw.insert('bench_raw_points', POINT_COLUMNS, batch));
  const chunks = await timed(work, (batch) => {
    const encoded = encodeChunks(
      batch.map(([series_id, step, timestamp, value, is_nan]) => ({
        series_id: series_id as number,
        step: step as number,
        timestamp: timestamp as number,
        value: value as number,
        is_nan: is_nan as number,
      })),
      (p) => p.series_id,
    );
    return insertRawChunks(raw, encoded);
  });
  return { rows, chunks };
}

/** Runs every writer's batches, the writers concurrently, and measures rows per second and CPU time. */
async function timed(work: unknown[][][][], insert: (batch: unknown[][]) => Promise<void>): Promise<RawRate> {
  const started = now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    work.map(async (batches) => {
      for (const batch of batches) await insert(batch);
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

    log(`  raw insert baselines (${BASELINE_BATCHES * BATCH} points as rows, then as chunks) …`);
    const baselines = await rawInsertRates(raw, backend);
    const rawRate = baselines.rows.rate;
    // SQLite's raw insert runs in this process, so its CPU per row compares with the server's CPU per point.
    const perPoint = (cpu: number) => (cpu * 1e6) / (BASELINE_BATCHES * BATCH);
    const rawCpuPerRow = backend === 'sqlite' ? perPoint(baselines.rows.cpuSeconds) : undefined;
    const rawCpuPerChunkedPoint = backend === 'sqlite' ? perPoint(baselines.chunks.cpuSeconds) : undefined;

    const seqs = runIds.map(() => 0);
    log(`  warm-up ${WARMUP_SECONDS}s, then ${args.seconds}s measured, ${CLIENTS} clients …`);
    const warm = await drive(api, runIds, seqs, WARMUP_SECONDS);
    const cpu0 = cpuSeconds(server.child.pid);
    const client0 = process.cpuUsage();
    const measured = await drive(api, runIds, seqs, args.seconds);
    const serverCpu = cpuSeconds(server.child.pid) - cpu0;
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
      {
        bench: 'ingest',
        backend,
        metric: 'points/s vs raw chunk insert',
        value: rate,
        unit: 'pts/s',
        baseline: baselines.chunks.rate,
        ratio: rate / baselines.chunks.rate,
        note: `the same points encoded as mloop's chunks and inserted raw into metric_chunks (8 writers): the database's share of the work${rawCpuPerChunkedPoint === undefined ? '' : `; raw CPU ${rawCpuPerChunkedPoint.toFixed(2)} µs per point`}`,
      },
      { bench: 'ingest', backend, metric: 'log-batch request p50', value: latency.p50, unit: 'ms' },
      { bench: 'ingest', backend, metric: 'log-batch request p99', value: latency.p99, unit: 'ms' },
    ];
  } finally {
    await server.stop();
    await raw.close();
  }
}

/** Every point sent is stored (none repeats, so none is a duplicate), and latest_metrics holds each key's last step: the figure counts real writes. */
async function verify(raw: RawDb, runIds: readonly string[], seqs: readonly number[], sent: number) {
  const marks = runIds.map(() => '?').join(', ');
  const [count] = await raw.query<{ n: number }>(
    `SELECT sum(c.points) AS n FROM metric_chunks c JOIN metric_series s ON s.series_id = c.series_id
     WHERE s.run_id IN (${marks})`,
    runIds,
  );
  if (Number(count?.n) !== sent)
    throw new Error(`ingest: sent ${sent} points, found ${count?.n} in metric_chunks`);
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
  title: `Ingest: ${CLIENTS} clients × log-batch of ${BATCH} metrics (baseline: raw bulk INSERT of a row per point)`,
  run,
};

if (isMain(import.meta.url)) await runBenches([ingestBench], process.argv.slice(2));

/**
 * Search: `metrics.m1 > 0.5 and params.p1 = 'a'` ordered by `metrics.m2 DESC`, 100 results, via MLflow's
 * POST /api/2.0/mlflow/runs/search against a real `mloop server` process, over `--runs` seeded runs (10 metrics,
 * 10 params each). Baseline, same database, same run: the same logical query written by hand as one SQL statement,
 * run through the driver in the benchmark process.
 */
import type { RootOperationNode } from 'kysely';
import { openStore } from '../src/store/open-store.js';
import { searchRunIds } from '../src/tracking/search/run-sql.js';
import type { BackendName, BenchArgs } from './lib/args.js';
import type { Backends } from './lib/backends.js';
import { openRawDb } from './lib/raw-db.js';
import { type Bench, isMain, type Log, runBenches } from './lib/runner.js';
import { seedSearchRuns } from './lib/seed.js';
import { post, startMloop } from './lib/server.js';
import { now, summarize, timeSamples } from './lib/stats.js';
import type { ResultRow } from './lib/table.js';
import { cpuSeconds } from './support/cpu-time.js';

const FILTER = "metrics.m1 > 0.5 and params.p1 = 'a'";
const ORDER_BY = 'metrics.m2 DESC';
const MAX_RESULTS = 100;
const WARMUP = 20;
const SEQUENTIAL = 200;
const CLIENTS = 8;
const PER_CLIENT = 25;

const WHERE = `r.experiment_id = ? AND r.lifecycle_stage = 'active'
    AND m1.is_nan = 0 AND m1.value > 0.5 AND p1.value = 'a' AND o.is_nan = 0`;
const ORDER = `ORDER BY o.value DESC, r.start_time DESC, r.run_id ASC LIMIT ${MAX_RESULTS}`;

/**
 * The baseline, written by hand as one statement: the same filter, order (ties by start_time DESC, run_id) and limit,
 * and the runs' own columns. CROSS JOIN makes SQLite walk the (key, value) index of the order-by metric and stop after
 * 100 matches (PostgreSQL reorders joins freely and plans from its statistics).
 */
const BASELINE_SQL = `
  SELECT r.* FROM latest_metrics o CROSS JOIN runs r
  JOIN latest_metrics m1 ON m1.run_id = r.run_id AND m1.key = 'm1'
  JOIN params p1 ON p1.run_id = r.run_id AND p1.key = 'p1'
  WHERE o.key = 'm2' AND r.run_id = o.run_id AND ${WHERE}
  ${ORDER}`;

/** The same statement as a plain inner join, leaving the join order to the planner: reported, not a baseline. */
const PLAIN_JOIN_SQL = `
  SELECT r.* FROM runs r
  JOIN latest_metrics o ON o.run_id = r.run_id AND o.key = 'm2'
  JOIN latest_metrics m1 ON m1.run_id = r.run_id AND m1.key = 'm1'
  JOIN params p1 ON p1.run_id = r.run_id AND p1.key = 'p1'
  WHERE ${WHERE}
  ${ORDER}`;
const PLAIN_JOIN_SAMPLES = 3;

/** A selective variant (about 0.03% of runs match): reported, no target. */
const SELECTIVE_FILTER = "metrics.m1 > 0.999 and params.p1 = 'a'";
const SELECTIVE_SAMPLES = 3;

interface SearchResponse {
  runs?: { info: { run_id: string } }[];
}

async function run(
  backends: Backends,
  backend: BackendName,
  args: BenchArgs,
  log: Log,
): Promise<ResultRow[]> {
  const uri = await backends.freshUri(backend);
  log(`  seeding ${args.runs} runs …`);
  const seed = await seedSearchRuns(uri, args.runs);
  log(`  seeded in ${seed.seconds.toFixed(1)}s`);
  if (args.explain) await explain(uri, seed.experimentId, log);

  const server = await startMloop(uri);
  const raw = openRawDb(uri);
  try {
    const url = `${server.url}/api/2.0/mlflow/runs/search`;
    const body = JSON.stringify({
      experiment_ids: [seed.experimentId],
      filter: FILTER,
      order_by: [ORDER_BY],
      max_results: MAX_RESULTS,
    });
    const search = () => post<SearchResponse>(url, body);
    const baseline = () => raw.query<{ run_id: string }>(BASELINE_SQL, [Number(seed.experimentId)]);
    const plainJoin = () => raw.query<{ run_id: string }>(PLAIN_JOIN_SQL, [Number(seed.experimentId)]);

    // Both answer the same question: the same run ids in the same order.
    const got = (await search()).runs?.map((r) => r.info.run_id) ?? [];
    const want = (await baseline()).map((r) => r.run_id);
    if (got.length !== Math.min(MAX_RESULTS, want.length) || got.some((id, i) => id !== want[i]))
      throw new Error(
        `search: mloop returned ${got.length} runs that differ from the baseline's ${want.length}`,
      );

    log(`  ${WARMUP} warm-up, ${SEQUENTIAL} sequential, ${CLIENTS}×${PER_CLIENT} concurrent queries …`);
    await timeSamples(WARMUP, search);
    await timeSamples(WARMUP, baseline);
    const cpu0 = cpuSeconds(server.child.pid);
    const mloop = summarize(await timeSamples(SEQUENTIAL, search));
    const cpuPerQuery = ((cpuSeconds(server.child.pid) - cpu0) * 1000) / SEQUENTIAL;
    const rawLatency = summarize(await timeSamples(SEQUENTIAL, baseline));
    const started = now();
    const concurrent = (
      await Promise.all(Array.from({ length: CLIENTS }, () => timeSamples(PER_CLIENT, search)))
    ).flat();
    const qps = concurrent.length / ((now() - started) / 1000);
    const loaded = summarize(concurrent);
    const plain = summarize(await timeSamples(PLAIN_JOIN_SAMPLES, plainJoin));
    const selectiveBody = JSON.stringify({ ...JSON.parse(body), filter: SELECTIVE_FILTER });
    let selectiveCount = 0;
    const selective = summarize(
      await timeSamples(SELECTIVE_SAMPLES, async () => {
        selectiveCount = (await post<SearchResponse>(url, selectiveBody)).runs?.length ?? 0;
      }),
    );

    const row = (metric: string, value: number, base: number, target: string, limit: number): ResultRow => ({
      bench: 'search',
      backend,
      metric,
      value,
      unit: 'ms',
      baseline: base,
      ratio: value / base,
      target,
      pass: value <= limit,
    });
    const info = (metric: string, value: number, unit: string): ResultRow => ({
      bench: 'search',
      backend,
      metric,
      value,
      unit,
    });
    return [
      {
        ...row('runs/search p50, 1 client', mloop.p50, rawLatency.p50, '≤ 50 ms', 50),
        note: `${args.runs.toLocaleString('en-US')} runs seeded in ${seed.seconds.toFixed(1)}s; ${got.length} runs per answer, identical to the baseline's`,
      },
      row('runs/search p99, 1 client', mloop.p99, rawLatency.p99, '≤ 150 ms', 150),
      {
        ...info('server CPU per query, 1 client', cpuPerQuery, 'ms'),
        note:
          backend === 'sqlite'
            ? 'user+system time of the mloop process (SQLite runs in it), /proc; less sensitive than wall time to other load on the machine'
            : 'user+system time of the mloop process only; PostgreSQL backends work in their own processes',
      },
      info(`runs/search p50, ${CLIENTS} clients`, loaded.p50, 'ms'),
      info(`runs/search p99, ${CLIENTS} clients`, loaded.p99, 'ms'),
      info(`runs/search throughput, ${CLIENTS} clients`, qps, 'q/s'),
      {
        ...info('plain-join SQL p50 (not the baseline)', plain.p50, 'ms'),
        note: `the same query as a plain inner join, join order left to the planner; median of ${PLAIN_JOIN_SAMPLES}`,
      },
      {
        ...info('runs/search p50, selective filter', selective.p50, 'ms'),
        note: `${SELECTIVE_FILTER} (${selectiveCount} runs match), same order; median of ${SELECTIVE_SAMPLES}`,
      },
    ];
  } finally {
    await server.stop();
    await raw.close();
  }
}

/** Prints the plans of the statements mloop's search runs (captured in-process) and of the baseline. */
async function explain(uri: string, experimentId: string, log: Log): Promise<void> {
  const store = await openStore(uri);
  const raw = openRawDb(uri);
  try {
    const captured: RootOperationNode[] = [];
    const db = store.db.withPlugin({
      transformQuery: (a) => {
        captured.push(a.node);
        return a.node;
      },
      transformResult: async (a) => a.result,
    });
    await searchRunIds(db, store.dialect, {
      experimentIds: [Number(experimentId)],
      filter: FILTER,
      orderBy: [ORDER_BY],
      maxResults: MAX_RESULTS,
    });
    const statements = captured.map((node) =>
      store.db.getExecutor().compileQuery(node, { queryId: 'explain' }),
    );
    const labels = statements.map((_, i) => `mloop statement ${i + 1}`);
    for (const [label, sql] of [
      ['baseline', BASELINE_SQL],
      ['plain join', PLAIN_JOIN_SQL],
    ] as const) {
      statements.push({ sql, parameters: [Number(experimentId)] } as never);
      labels.push(label);
    }
    for (const [i, s] of statements.entries()) {
      const label = labels[i];
      const prefix = raw.name === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN (ANALYZE, BUFFERS) ';
      const text = raw.name === 'sqlite' ? s.sql : toQuestionMarks(s.sql);
      const plan = await raw.query<Record<string, unknown>>(prefix + text, s.parameters as unknown[]);
      log(`${label}: ${s.sql.replace(/\s+/g, ' ').trim()}`);
      for (const line of plan) log(`    ${raw.name === 'sqlite' ? line.detail : line['QUERY PLAN']}`);
    }
  } finally {
    await raw.close();
    await store.close();
  }
}

/** Kysely's PostgreSQL compiler emits $n; RawDb.query takes `?`. */
const toQuestionMarks = (sql: string) => sql.replace(/\$\d+/g, '?');

export const searchBench: Bench = {
  name: 'search',
  title: `Search: ${FILTER} ORDER BY ${ORDER_BY}, ${MAX_RESULTS} results (baseline: one hand-written SQL statement)`,
  run,
};

if (isMain(import.meta.url)) await runBenches([searchBench], process.argv.slice(2));

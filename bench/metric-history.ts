/**
 * Reading a metric logged a point per call (`mlflow.log_metric(key, value, step)` in a training loop) against
 * reading the same points logged in batches of 1,000, in the same store and run: get-history and
 * get-history-bulk-interval (500 points, what the UI's chart asks for). In process, through the tracking services,
 * so the figures are the store's and not HTTP's. Also reports what a per-call `log_metric` costs.
 *
 *   node --import tsx bench/metric-history.ts [--backend sqlite|postgres|all]
 *
 * The series has 10,000 steps (STEPS); the shared `--runs` flag does not apply.
 */
import { openStore } from '../src/store/open-store.js';
import { ExperimentService } from '../src/tracking/experiment-service.js';
import { MetricHistoryService } from '../src/tracking/metric-history.js';
import { RunService } from '../src/tracking/run-service.js';
import type { BackendName, BenchArgs } from './lib/args.js';
import type { Backends } from './lib/backends.js';
import { type Bench, isMain, type Log, runBenches } from './lib/runner.js';
import { now, summarize, timeSamples } from './lib/stats.js';
import type { ResultRow } from './lib/table.js';

const SAMPLES = 15;
/** The series' length: a training run's per-step metric. */
const STEPS = 10_000;
const BATCH = 1_000;

async function run(
  backends: Backends,
  backend: BackendName,
  _args: BenchArgs,
  log: Log,
): Promise<ResultRow[]> {
  const store = await openStore(await backends.freshUri(backend));
  try {
    const experiments = new ExperimentService(store);
    await experiments.ensureDefault();
    const runs = new RunService(store, experiments);
    const history = new MetricHistoryService(store, runs);
    const point = (step: number) => ({ key: 'loss', value: Math.sin(step), timestamp: 1_000 + step, step });

    log(`  logging ${STEPS} points one call at a time, and the same in batches of ${BATCH} …`);
    const perCall = (await runs.create({ experimentId: '0' })).info.runId;
    const t = now();
    for (let step = 0; step < STEPS; step++) await runs.logMetric(perCall, point(step));
    const perCallUs = ((now() - t) * 1000) / STEPS;
    const batched = (await runs.create({ experimentId: '0' })).info.runId;
    for (let from = 0; from < STEPS; from += BATCH) {
      const metrics = Array.from({ length: Math.min(BATCH, STEPS - from) }, (_, i) => point(from + i));
      await runs.logBatch(batched, { metrics });
    }

    const time = async (fn: () => Promise<unknown>) => {
      await fn();
      return summarize(await timeSamples(SAMPLES, fn)).p50;
    };
    const full = (runId: string) => () => history.history({ runId, key: 'loss' });
    const sampled = (runId: string) => () =>
      history.bulkInterval({ runIds: [runId], key: 'loss', maxResults: 500 });
    const got = (await history.history({ runId: perCall, key: 'loss' })).metrics.length;
    if (got !== STEPS) throw new Error(`get-history returned ${got} points, logged ${STEPS}`);

    const row = (metric: string, value: number, baseline: number): ResultRow => ({
      bench: 'metric-history',
      backend,
      metric,
      value,
      unit: 'ms',
      baseline,
      ratio: value / baseline,
      note: `${STEPS.toLocaleString('en-US')} steps; baseline: the same points logged in batches of ${BATCH}; median of ${SAMPLES}`,
    });
    return [
      row('get-history, logged a point per call', await time(full(perCall)), await time(full(batched))),
      row(
        'bulk-interval (500), logged a point per call',
        await time(sampled(perCall)),
        await time(sampled(batched)),
      ),
      {
        bench: 'metric-history',
        backend,
        metric: 'log_metric, per call (in process)',
        value: perCallUs,
        unit: 'µs',
        note: 'validation, run check, series lookup and the chunk append, without HTTP',
      },
    ];
  } finally {
    await store.close();
  }
}

export const metricHistoryBench: Bench = {
  name: 'metric-history',
  title: 'Reading a metric logged a point per call (baseline: the same points logged in batches)',
  run,
};

if (isMain(import.meta.url)) await runBenches([metricHistoryBench], process.argv.slice(2));

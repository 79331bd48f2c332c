/**
 * Reading a metric logged a point per call (`mlflow.log_metric(key, value, step)` in a training loop) against
 * reading the same points logged in batches of 1,000, in the same store and run: get-history and
 * get-history-bulk-interval (500 points, what the UI's chart asks for). In process, through the tracking services,
 * so the figures are the store's and not HTTP's. Also reports what a per-call `log_metric` costs.
 *
 *   node --import tsx bench/metric-history.ts [--backend sqlite|postgres|all] [--runs N]
 *
 * `--runs` is the number of steps of the series (default 10,000 here).
 */
import { openStore } from '../src/store/open-store.js';
import { ExperimentService } from '../src/tracking/experiment-service.js';
import { MetricHistoryService } from '../src/tracking/metric-history.js';
import { RunService } from '../src/tracking/run-service.js';
import type { BackendName, BenchArgs } from './lib/args.js';
import type { Backends } from './lib/backends.js';
import { type Bench, isMain, type Log, runBenches } from './lib/runner.js';
import { now, summarize } from './lib/stats.js';
import type { ResultRow } from './lib/table.js';

const SAMPLES = 15;
const BATCH = 1_000;

async function run(
  backends: Backends,
  backend: BackendName,
  args: BenchArgs,
  log: Log,
): Promise<ResultRow[]> {
  // The shared --runs flag defaults to the search benchmark's 100,000; a series of 10,000 steps is the case here.
  const steps = args.runs === 100_000 ? 10_000 : args.runs;
  const store = await openStore(await backends.freshUri(backend));
  try {
    const experiments = new ExperimentService(store);
    await experiments.ensureDefault();
    const runs = new RunService(store, experiments);
    const history = new MetricHistoryService(store, runs);
    const point = (step: number) => ({ key: 'loss', value: Math.sin(step), timestamp: 1_000 + step, step });

    log(`  logging ${steps} points one call at a time, and the same in batches of ${BATCH} …`);
    const perCall = (await runs.create({ experimentId: '0' })).info.runId;
    let t = now();
    for (let step = 0; step < steps; step++) await runs.logMetric(perCall, point(step));
    const perCallUs = ((now() - t) * 1000) / steps;
    const batched = (await runs.create({ experimentId: '0' })).info.runId;
    for (let from = 0; from < steps; from += BATCH) {
      const metrics = Array.from({ length: Math.min(BATCH, steps - from) }, (_, i) => point(from + i));
      await runs.logBatch(batched, { metrics });
    }

    const time = async (fn: () => Promise<unknown>) => {
      await fn();
      const samples: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        t = now();
        await fn();
        samples.push(now() - t);
      }
      return summarize(samples).p50;
    };
    const full = (runId: string) => () => history.history({ runId, key: 'loss' });
    const sampled = (runId: string) => () =>
      history.bulkInterval({ runIds: [runId], key: 'loss', maxResults: 500 });
    const got = (await history.history({ runId: perCall, key: 'loss' })).metrics.length;
    if (got !== steps) throw new Error(`get-history returned ${got} points, logged ${steps}`);

    const row = (metric: string, value: number, baseline: number): ResultRow => ({
      bench: 'metric-history',
      backend,
      metric,
      value,
      unit: 'ms',
      baseline,
      ratio: value / baseline,
      note: `${steps.toLocaleString('en-US')} steps; baseline: the same points logged in batches of ${BATCH}; median of ${SAMPLES}`,
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

/** All benchmarks (bench/serving.ts runs on its own): `npm run bench -- [--backend sqlite|postgres|all] [--seconds N] [--runs N] [--json]`. */
import { driftBench } from './drift.js';
import { ingestBench } from './ingest.js';
import { runBenches } from './lib/runner.js';
import { metricHistoryBench } from './metric-history.js';
import { monitoringBench } from './monitoring.js';
import { pipelineBench } from './pipeline.js';
import { searchBench } from './search.js';

await runBenches(
  [ingestBench, searchBench, metricHistoryBench, driftBench, pipelineBench, monitoringBench],
  process.argv.slice(2),
);

/** All benchmarks: `npm run bench -- [--backend sqlite|postgres|all] [--seconds N] [--runs N] [--json]`. */
import { driftBench } from './drift.js';
import { ingestBench } from './ingest.js';
import { runBenches } from './lib/runner.js';
import { pipelineBench } from './pipeline.js';
import { searchBench } from './search.js';

await runBenches([ingestBench, searchBench, driftBench, pipelineBench], process.argv.slice(2));

import type { StatCache } from '../data/hash/stat-cache.js';
import { type Progress, SILENT } from '../data/progress.js';
import type { EvaluateResult } from '../training/evaluate-run.js';
import type { TrainResult } from '../training/train-run.js';
import { fields, formatNumber, note, printJson, table } from './output.js';
import { terminalProgress, trainingProgress } from './progress-bar.js';

export { printJson, trainingProgress };

/** How `mloop train` and `mloop evaluate` print for people; `--json` prints the result objects instead. */

export const progress = (): Progress => terminalProgress() ?? SILENT;

/** Opens the local stat cache (so tracked data is not rehashed) for the duration of `action`. */
export async function withStatCache<T>(action: (cache: StatCache) => Promise<T>): Promise<T> {
  const { StatCache } = await import('../data/hash/stat-cache.js');
  const cache = new StatCache();
  try {
    return await action(cache);
  } finally {
    cache.close();
  }
}

const MAIN_METRICS = [
  'accuracy',
  'roc_auc',
  'pr_auc',
  'f1',
  'f1_macro',
  'log_loss',
  'rmse',
  'mae',
  'mape',
  'r2',
  'demographic_parity_difference',
  'equalized_odds_difference',
];

function metricRows(metrics: Record<string, number>, prefix = ''): string[][] {
  return MAIN_METRICS.filter((m) => metrics[prefix + m] !== undefined).map((m) => [
    m,
    formatNumber(metrics[prefix + m]!),
  ]);
}

export function printTrain(r: TrainResult): void {
  if (r.data.untracked) note(`note: ${r.data.untracked}.`);
  console.log(
    `Trained ${r.learner} (${r.task}) on ${r.data.rows.toLocaleString('en-US')} rows of ${r.data.label}: ${r.features.length} features, ${r.iterations} iterations, ${r.seconds.toFixed(2)} s.`,
  );
  console.log(
    fields([
      ['run', r.runId],
      ['model', r.modelUri],
      ...(r.registered ? ([['registered', r.registered.uri]] as [string, string][]) : []),
      ...(r.out ? ([['package', r.out]] as [string, string][]) : []),
      [
        'data',
        r.data.version
          ? `${r.data.version} (logged as the run's input)`
          : `${r.data.label} (sha256 ${r.data.hash.slice(0, 12)})`,
      ],
    ]),
  );
  const rows = metricRows(r.metrics, 'training_');
  if (rows.length) console.log(`\n${table(['training metric', 'value'], rows, { alignRight: [1] })}`);
}

export function printEvaluate(r: EvaluateResult): void {
  if (r.championNote) note(r.championNote);
  console.log(
    `Evaluated ${r.model} on ${r.data.rows.toLocaleString('en-US')} rows of ${r.data.label} (run ${r.runId}).`,
  );
  console.log(table(['metric', 'value'], metricRows(r.metrics), { alignRight: [1] }));
  if (r.out) console.log(`Metrics written to ${r.out}.`);
  const b = r.blessing;
  if (!b) return;
  console.log('');
  const rows = b.checks.map((c) => [
    c.metric,
    c.kind,
    formatNumber(c.challenger),
    c.champion === undefined ? '-' : formatNumber(c.champion),
    formatNumber(c.threshold),
    c.note ?? (c.passed ? 'pass' : 'FAIL'),
  ]);
  console.log(table(['metric', 'check', 'challenger', 'champion', 'needed', 'result'], rows));
  if (b.blessed)
    console.log(`BLESSED: ${b.challenger_model} passed every check (recorded on run ${r.runId}).`);
  else {
    console.log(`NOT BLESSED: ${b.challenger_model} (recorded on run ${r.runId}):`);
    for (const reason of b.reasons) console.log(`  - ${reason}`);
  }
}

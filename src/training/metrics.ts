import { invalid, show } from '../core/errors.js';
import type { EvaluationReport, GateRule, Task } from '../learn/index.js';

const FAIRNESS_KEYS = [
  'demographic_parity_difference',
  'demographic_parity_ratio',
  'equalized_odds_difference',
  'equalized_odds_ratio',
  'equal_opportunity_difference',
  'equal_opportunity_ratio',
] as const;

/**
 * An evaluation report as flat `metric → number` (what runs log and pipelines read as a metrics file): the overall
 * metrics under their names (`accuracy`, `roc_auc`, `rmse`…) and, with a sensitive column, the fairness summary
 * (`demographic_parity_difference`…). The confusion matrix, calibration curve and per-group rates stay in the
 * report. `prefix` names metrics logged during training (`training_accuracy`).
 */
export function flatMetrics(report: EvaluationReport, prefix = ''): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(report.metrics))
    if (typeof value === 'number') out[`${prefix}${key}`] = value;
  if (report.fairness) for (const key of FAIRNESS_KEYS) out[`${prefix}${key}`] = report.fairness[key];
  return out;
}

/** The metric a champion comparison uses unless `--metric` says otherwise. */
export function defaultMetric(task: Task): string {
  return task === 'regression' ? 'rmse' : task === 'binary' ? 'roc_auc' : 'accuracy';
}

/** `metric>=value` or `metric<=value` (a bound on the challenger) → a gate rule. */
export function parseBound(text: string): GateRule {
  const m = /^\s*([A-Za-z0-9_./-]+)\s*(>=|<=)\s*(\S+)\s*$/.exec(text);
  const value = m ? Number(m[3]) : Number.NaN;
  if (!m || !Number.isFinite(value))
    throw invalid(
      `Bound ${show(text)} is not valid; write METRIC>=VALUE or METRIC<=VALUE with a finite number, e.g. roc_auc>=0.8 or rmse<=12.5.`,
    );
  return m[2] === '>=' ? { metric: m[1]!, min: value } : { metric: m[1]!, max: value };
}

/**
 * The gate rules of `mloop evaluate`: each `--bound`, and with a champion, "the challenger's METRIC is at least
 * `minImprovement` better than the champion's" (0: no worse), in the metric's better direction.
 */
export function gateRules(opts: {
  bounds: readonly string[];
  champion: boolean;
  metric: string;
  minImprovement?: number;
}): GateRule[] {
  const rules = opts.bounds.map(parseBound);
  if (opts.champion) rules.push({ metric: opts.metric, minAbsoluteChange: opts.minImprovement ?? 0 });
  return rules;
}

import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { joinStorePath, storePathOf } from '../artifacts/artifact-uri.js';
import { invalid, show } from '../core/errors.js';
import type { RunService } from '../tracking/run-service.js';

/**
 * The promotion gate: a challenger's metrics against the champion's on the same evaluation data. Rules follow
 * TFX's GenericValueThreshold / GenericChangeThreshold and MLflow's MetricThreshold (reference/monitoring.md §6):
 * absolute bounds on the challenger, and a minimum change over the champion in the metric's better direction.
 * `decide` is pure; `recordBlessing` stores its outcome.
 */
export interface GateRule {
  metric: string;
  /** Default: false for rmse, mae, mape, log_loss and *_difference metrics, true otherwise. */
  higherIsBetter?: boolean;
  /** The challenger's value must be >= min. */
  min?: number;
  /** The challenger's value must be <= max. */
  max?: number;
  /** Challenger − champion, in the better direction, must be >= this (0 = no worse than the champion). */
  minAbsoluteChange?: number;
  /** (Challenger − champion) / |champion|, in the better direction, must be >= this (MLflow: 1e-10 if champion is 0). */
  minRelativeChange?: number;
}

export interface GateCheck {
  metric: string;
  kind: 'min' | 'max' | 'absolute_change' | 'relative_change';
  challenger: number;
  champion?: number;
  threshold: number;
  /** The compared quantity: the value, or the change in the better direction. */
  value: number;
  passed: boolean;
  /** 'no champion': change checks are skipped (passed) when there is nothing to compare with. */
  note?: string;
}

export interface GateDecision {
  blessed: boolean;
  /** One human sentence per failed check (empty when blessed). */
  reasons: string[];
  checks: GateCheck[];
  numbers: { challenger: Record<string, number>; champion: Record<string, number> | null };
}

const LOWER_IS_BETTER = new Set(['rmse', 'mae', 'mape', 'log_loss', 'mse']);

export const higherIsBetter = (rule: GateRule): boolean =>
  rule.higherIsBetter ??
  !(LOWER_IS_BETTER.has(rule.metric) || rule.metric.endsWith('_difference') || rule.metric.endsWith('_loss'));

export function decide(
  champion: Record<string, number> | null,
  challenger: Record<string, number>,
  rules: GateRule[],
): GateDecision {
  if (rules.length === 0) throw invalid('A gate needs at least one rule (metric with a bound or a change).');
  const checks: GateCheck[] = [];
  const reasons: string[] = [];
  for (const rule of rules) {
    const value = challenger[rule.metric];
    if (value === undefined || !Number.isFinite(value)) {
      reasons.push(`challenger has no finite ${rule.metric} (got ${show(value ?? null)})`);
      checks.push({
        metric: rule.metric,
        kind: 'min',
        challenger: Number.NaN,
        threshold: Number.NaN,
        value: Number.NaN,
        passed: false,
      });
      continue;
    }
    const up = higherIsBetter(rule);
    if (rule.min !== undefined) {
      const passed = value >= rule.min;
      checks.push({
        metric: rule.metric,
        kind: 'min',
        challenger: value,
        threshold: rule.min,
        value,
        passed,
      });
      if (!passed) reasons.push(`${rule.metric} ${value} is below the minimum ${rule.min}`);
    }
    if (rule.max !== undefined) {
      const passed = value <= rule.max;
      checks.push({
        metric: rule.metric,
        kind: 'max',
        challenger: value,
        threshold: rule.max,
        value,
        passed,
      });
      if (!passed) reasons.push(`${rule.metric} ${value} is above the maximum ${rule.max}`);
    }
    for (const kind of ['absolute_change', 'relative_change'] as const) {
      const threshold = kind === 'absolute_change' ? rule.minAbsoluteChange : rule.minRelativeChange;
      if (threshold === undefined) continue;
      const base = champion?.[rule.metric];
      if (champion === null) {
        checks.push({
          metric: rule.metric,
          kind,
          challenger: value,
          threshold,
          value: Number.NaN,
          passed: true,
          note: 'no champion',
        });
        continue;
      }
      if (base === undefined || !Number.isFinite(base)) {
        reasons.push(`champion has no finite ${rule.metric} to compare with (got ${show(base ?? null)})`);
        checks.push({
          metric: rule.metric,
          kind,
          challenger: value,
          threshold,
          value: Number.NaN,
          passed: false,
        });
        continue;
      }
      const better = up ? value - base : base - value;
      let change = better;
      let needed = threshold;
      if (kind === 'relative_change') {
        if (base === 0) {
          change = better;
          needed = 1e-10;
        } else change = better / Math.abs(base);
      }
      const passed = change >= needed;
      checks.push({
        metric: rule.metric,
        kind,
        challenger: value,
        champion: base,
        threshold: needed,
        value: change,
        passed,
      });
      if (!passed) {
        const what = kind === 'absolute_change' ? 'improvement' : 'relative improvement';
        reasons.push(
          `${rule.metric} ${what} over the champion is ${change} (challenger ${value}, champion ${base}; ${up ? 'higher' : 'lower'} is better), below the required ${needed}`,
        );
      }
    }
  }
  return { blessed: reasons.length === 0, reasons, checks, numbers: { challenger, champion } };
}

/** What was decided, about which models, on which data: stored as the run's `blessing/blessing.json`. */
export interface BlessingRecord extends GateDecision {
  schema: 'mloop.blessing/1';
  decided_at: string;
  challenger_model: string;
  champion_model: string | null;
  /** The evaluation data both were scored on (e.g. a dataset version reference or a file hash). */
  evaluation_data: string;
  rules: GateRule[];
}

export const BLESSING_ARTIFACT = 'blessing/blessing.json';
export const BLESSING_TAGS = { blessed: 'mloop.gate.blessed', record: 'mloop.gate.record' } as const;

export function blessingRecord(
  decision: GateDecision,
  context: {
    challengerModel: string;
    championModel: string | null;
    evaluationData: string;
    rules: GateRule[];
    now?: Date;
  },
): BlessingRecord {
  return {
    schema: 'mloop.blessing/1',
    decided_at: (context.now ?? new Date()).toISOString(),
    challenger_model: context.challengerModel,
    champion_model: context.championModel,
    evaluation_data: context.evaluationData,
    rules: context.rules,
    ...decision,
  };
}

/**
 * Stores a blessing record on a run (the run that evaluated the challenger): the JSON as an artifact, plus the tags
 * `mloop.gate.blessed` (true/false) and `mloop.gate.record` (its artifact path), so runs can be searched by outcome.
 * No table of its own: the record is an immutable document that belongs to the evaluating run (docs/learners.md).
 */
export async function recordBlessing(
  services: { runs: RunService; artifacts: ArtifactStore },
  runId: string,
  record: BlessingRecord,
): Promise<void> {
  const info = await services.runs.getActiveInfo(runId);
  const path = joinStorePath(storePathOf(info.artifactUri), BLESSING_ARTIFACT);
  const json = JSON.stringify(
    record,
    (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v),
    2,
  );
  await services.artifacts.put(path, new TextEncoder().encode(`${json}\n`));
  await services.runs.setTag(runId, BLESSING_TAGS.blessed, String(record.blessed));
  await services.runs.setTag(runId, BLESSING_TAGS.record, BLESSING_ARTIFACT);
}

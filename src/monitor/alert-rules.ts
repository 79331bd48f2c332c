import type { AlertRule } from './config.js';

/** What a closed window showed; absent fields are not known (no reference, no labels, no traffic). */
export interface WindowEvidence {
  driftShare?: number;
  /** Per column: its drift score and whether its test flagged it. */
  columns?: Record<string, { score: number; drifted: boolean }>;
  performance?: Record<string, number | null>;
  estimated?: Record<string, number | null>;
  bias?: Record<string, number | null>;
  errorRate?: number;
  latencyP99?: number;
}

export interface Firing {
  rule: AlertRule;
  value: number;
  bound: number;
  message: string;
}

/**
 * The rules a window breaks: a pure function (STYLE: plan purely, then apply). `above` fires when the value is above
 * the bound (drift share: at or above it, as Evidently's dataset drift), `below` when it is under it; feature drift
 * without a bound fires when the column's own test flags it.
 */
export function breachedRules(rules: readonly AlertRule[], e: WindowEvidence): Firing[] {
  const out: Firing[] = [];
  for (const rule of rules) {
    const found = observed(rule, e);
    if (!found) continue;
    const { value, label } = found;
    if (rule.kind === 'feature_drift' && rule.above === undefined && rule.below === undefined) {
      if (e.columns?.[rule.feature!]?.drifted)
        out.push({ rule, value, bound: Number.NaN, message: `${label} drifted (score ${fmt(value)}).` });
      continue;
    }
    if (rule.above !== undefined && (rule.kind === 'drift_share' ? value >= rule.above : value > rule.above))
      out.push({
        rule,
        value,
        bound: rule.above,
        message: `${label} is ${fmt(value)}, ${rule.kind === 'drift_share' ? 'at or above' : 'above'} ${fmt(rule.above)}.`,
      });
    else if (rule.below !== undefined && value < rule.below)
      out.push({
        rule,
        value,
        bound: rule.below,
        message: `${label} is ${fmt(value)}, below ${fmt(rule.below)}.`,
      });
  }
  return out;
}

function observed(rule: AlertRule, e: WindowEvidence): { value: number; label: string } | undefined {
  const num = (v: number | null | undefined, label: string) =>
    typeof v === 'number' && Number.isFinite(v) ? { value: v, label } : undefined;
  switch (rule.kind) {
    case 'drift_share':
      return num(e.driftShare, 'The share of drifted columns');
    case 'feature_drift':
      return num(e.columns?.[rule.feature!]?.score, `Column '${rule.feature}'`);
    case 'performance': {
      const real = num(e.performance?.[rule.metric!], rule.metric!);
      if (real) return real;
      return rule.estimated
        ? num(e.estimated?.[rule.metric!], `Estimated ${rule.metric} (CBPE, no labels yet)`)
        : undefined;
    }
    case 'bias':
      return num(e.bias?.[rule.metric!], rule.metric!);
    case 'error_rate':
      return num(e.errorRate, 'The error rate');
    case 'latency_p99':
      return num(e.latencyP99, 'p99 latency (ms)');
  }
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))));

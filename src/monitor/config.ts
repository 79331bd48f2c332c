import { invalid, show } from '../core/errors.js';
import { optionalArray, optionalString, requireObject, requireString } from '../core/validate.js';

/** Live monitoring of one deployment. Input (`MonitorConfigInput`, all optional) and resolved config differ. */
export const ALERT_KINDS = [
  'drift_share',
  'feature_drift',
  'performance',
  'bias',
  'error_rate',
  'latency_p99',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface AlertRule {
  /** Unique within the deployment; alerts and the cool-down are per rule. */
  name: string;
  kind: AlertKind;
  /** feature_drift: the column. */
  feature?: string;
  /** performance: accuracy, f1, roc_auc, mae, rmse, r2, …; bias: a fairness metric such as demographic_parity_difference. */
  metric?: string;
  /** Fires when the value is above this (drift_share: at or above, Evidently's `>=`). */
  above?: number;
  /** Fires when the value is below this. */
  below?: number;
  /** performance: also fire on the CBPE estimate while no labels arrived (classifiers). */
  estimated?: boolean;
}

export interface Webhook {
  url: string;
  /** HMAC-SHA256 key of the X-MLflow-Signature header; never returned by the API. */
  secret: string;
}

export interface MonitorConfig {
  windowMs: number;
  /** Share of requests whose raw inputs and outputs are kept in the artifact store (0 … 1). */
  sampleRate: number;
  /** How long predictions are kept for ground truth to join them. */
  retentionMs: number;
  /** null: read from the model package (`mloop.task`), else inferred from the outputs. */
  task: 'classification' | 'regression' | null;
  /** The output tensor holding the predicted label / value; null: `label`, `variable`, or the first output. */
  predictionOutput: string | null;
  /** The output tensor of class probabilities; null: `probabilities` when present. */
  probabilityOutput: string | null;
  /** The positive class of a binary classifier (CBPE, fairness); null: the second class. */
  positiveClass: string | null;
  /** The input column whose groups fairness compares; null: no bias metrics. */
  sensitiveColumn: string | null;
  /** `name@version` used as the reference instead of the training data found through lineage. */
  referenceDataset: string | null;
  /** Performance and bias rules wait for at least this many labeled rows in a window (realized metrics only). */
  minLabeledRows: number;
  /** A rule that fired is quiet for this long (per rule), unless it fires on a later window after that. */
  cooldownMs: number;
  alerts: AlertRule[];
  webhooks: Webhook[];
}

export const DEFAULT_CONFIG: Readonly<MonitorConfig> = Object.freeze({
  windowMs: 60_000,
  sampleRate: 0,
  retentionMs: 7 * 24 * 3_600_000,
  task: null,
  predictionOutput: null,
  probabilityOutput: null,
  positiveClass: null,
  sensitiveColumn: null,
  referenceDataset: null,
  minLabeledRows: 10,
  cooldownMs: 3_600_000,
  alerts: [],
  webhooks: [],
});

const FIELDS = Object.keys(DEFAULT_CONFIG) as (keyof MonitorConfig)[];
const MIN_WINDOW = 1_000;
const MAX_WINDOW = 24 * 3_600_000;
const MAX_RETENTION = 365 * 24 * 3_600_000;

/** A config without its webhook secrets, as the API returns it. */
export type PublicMonitorConfig = Omit<MonitorConfig, 'webhooks'> & { webhooks: { url: string }[] };

export function publicConfig(config: MonitorConfig): PublicMonitorConfig {
  return { ...config, webhooks: config.webhooks.map((w) => ({ url: w.url })) };
}

/**
 * Applies a partial update to a config: fields not given keep their value. A webhook given without a secret keeps
 * the secret of the existing webhook with the same URL. Every error names the field, the value and what is valid.
 */
export function applyConfig(current: MonitorConfig, input: unknown): MonitorConfig {
  const body = requireObject(input, 'config');
  const unknown = Object.keys(body).find((k) => !(FIELDS as string[]).includes(k));
  if (unknown !== undefined)
    throw invalid(`Unknown monitoring setting ${show(unknown)}: expected ${FIELDS.join(', ')}.`);
  const next: MonitorConfig = { ...current };
  if ('windowMs' in body) next.windowMs = integer(body.windowMs, 'windowMs', MIN_WINDOW, MAX_WINDOW);
  if ('sampleRate' in body) next.sampleRate = fraction(body.sampleRate, 'sampleRate');
  if ('retentionMs' in body)
    next.retentionMs = integer(body.retentionMs, 'retentionMs', 60_000, MAX_RETENTION);
  if ('minLabeledRows' in body)
    next.minLabeledRows = integer(body.minLabeledRows, 'minLabeledRows', 1, 1_000_000_000);
  if ('cooldownMs' in body) next.cooldownMs = integer(body.cooldownMs, 'cooldownMs', 0, MAX_RETENTION);
  if ('task' in body) {
    if (body.task !== null && body.task !== 'classification' && body.task !== 'regression')
      throw invalid(`Invalid task ${show(body.task)}: expected 'classification', 'regression' or null.`);
    next.task = body.task as MonitorConfig['task'];
  }
  for (const key of [
    'predictionOutput',
    'probabilityOutput',
    'positiveClass',
    'sensitiveColumn',
    'referenceDataset',
  ] as const) {
    if (key in body) next[key] = optionalString(body[key], key, { max: 256 }) || null;
  }
  if (next.referenceDataset !== null && !/^[^@]+@[^@]+$/.test(next.referenceDataset))
    throw invalid(
      `Invalid referenceDataset ${show(next.referenceDataset)}: expected name@version, e.g. flights@3.`,
    );
  if ('alerts' in body) next.alerts = optionalArray(body.alerts, 'alerts', { max: 100 }).map(alertRule);
  const names = new Set<string>();
  for (const r of next.alerts) {
    if (names.has(r.name)) throw invalid(`Two alert rules are named ${show(r.name)}; names must be unique.`);
    names.add(r.name);
  }
  if ('webhooks' in body)
    next.webhooks = optionalArray(body.webhooks, 'webhooks', { max: 20 }).map((w, i) =>
      webhook(w, i, current.webhooks),
    );
  return next;
}

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)
    throw invalid(`Invalid ${field} ${show(value)}: expected an integer between ${min} and ${max}.`);
  return value;
}

function fraction(value: unknown, field: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1))
    throw invalid(`Invalid ${field} ${show(value)}: expected a number between 0 and 1.`);
  return value;
}

function bound(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw invalid(`Invalid ${field} ${show(value)}: expected a finite number.`);
  return value;
}

const PERFORMANCE_METRICS = [
  'accuracy',
  'precision',
  'recall',
  'f1',
  'roc_auc',
  'f1_macro',
  'mae',
  'rmse',
  'mape',
  'r2',
];
const BIAS_METRICS = [
  'demographic_parity_difference',
  'demographic_parity_ratio',
  'equalized_odds_difference',
  'equalized_odds_ratio',
  'equal_opportunity_difference',
  'equal_opportunity_ratio',
];

function alertRule(value: unknown, i: number): AlertRule {
  const field = `alerts[${i}]`;
  const o = requireObject(value, field);
  const allowed = ['name', 'kind', 'feature', 'metric', 'above', 'below', 'estimated'];
  const extra = Object.keys(o).find((k) => !allowed.includes(k));
  if (extra !== undefined)
    throw invalid(`Unknown field ${show(extra)} in ${field}: expected ${allowed.join(', ')}.`);
  const name = requireString(o.name, `${field}.name`, { max: 128 });
  if (!ALERT_KINDS.includes(o.kind as AlertKind))
    throw invalid(`Invalid ${field}.kind ${show(o.kind)}: expected one of ${ALERT_KINDS.join(', ')}.`);
  const kind = o.kind as AlertKind;
  const above = bound(o.above, `${field}.above`);
  const below = bound(o.below, `${field}.below`);
  if (above === undefined && below === undefined && kind !== 'feature_drift')
    throw invalid(`${field} (${kind}) needs a bound: 'above' or 'below'.`);
  const rule: AlertRule = { name, kind };
  if (above !== undefined) rule.above = above;
  if (below !== undefined) rule.below = below;
  if (kind === 'feature_drift') rule.feature = requireString(o.feature, `${field}.feature`, { max: 256 });
  if (kind === 'performance' || kind === 'bias') {
    const allowedMetrics = kind === 'performance' ? PERFORMANCE_METRICS : BIAS_METRICS;
    if (!allowedMetrics.includes(o.metric as string))
      throw invalid(
        `Invalid ${field}.metric ${show(o.metric)}: expected one of ${allowedMetrics.join(', ')}.`,
      );
    rule.metric = o.metric as string;
  }
  if (o.estimated !== undefined) {
    if (typeof o.estimated !== 'boolean')
      throw invalid(`Invalid ${field}.estimated ${show(o.estimated)}: expected true or false.`);
    rule.estimated = o.estimated;
  }
  return rule;
}

function webhook(value: unknown, i: number, existing: readonly Webhook[]): Webhook {
  const field = `webhooks[${i}]`;
  const o = requireObject(value, field);
  const extra = Object.keys(o).find((k) => k !== 'url' && k !== 'secret');
  if (extra !== undefined) throw invalid(`Unknown field ${show(extra)} in ${field}: expected url, secret.`);
  const url = requireString(o.url, `${field}.url`, { max: 2048 });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(`Invalid ${field}.url ${show(url)}: expected an absolute http:// or https:// URL.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw invalid(`Invalid ${field}.url ${show(url)}: only http:// and https:// are delivered to.`);
  if (parsed.username || parsed.password)
    throw invalid(`Invalid ${field}.url: credentials in the URL are refused; sign with 'secret' instead.`);
  const secret =
    optionalString(o.secret, `${field}.secret`, { max: 256 }) ?? existing.find((w) => w.url === url)?.secret;
  if (!secret || secret.length < 16)
    throw invalid(
      `${field}.secret is required (at least 16 characters) for the HMAC-SHA256 signature; it is kept only for a webhook already configured with the same URL.`,
    );
  return { url, secret };
}

import { invalid, show } from '../core/errors.js';
import { type DataProfile, mergeProfiles } from '../data/profile/profile.js';
import type { Store } from '../store/open-store.js';
import type { MonitorConfig } from './config.js';
import {
  type Calibrator,
  cbpe,
  fitCalibrator,
  type LabeledPrediction,
  type MetricValues,
  type PerformanceReport,
  performanceOf,
} from './performance.js';
import type { StoredOutput } from './prediction-output.js';

/** One window of one model version, merged over every replica that served it. */
export interface MergedWindow {
  start: number;
  end: number;
  model: string;
  modelVersion: string;
  shadow: boolean;
  replicas: number;
  /** Answered requests, and requests the version failed to answer. */
  requests: number;
  errors: number;
  errorRate: number;
  rows: number;
  latencyMs: { mean: number; p50: number; p99: number } | null;
  inputs: DataProfile;
  outputs: DataProfile;
}

export interface WindowRange {
  from: number;
  to: number;
  modelVersion?: string;
}

/** `from`/`to` query values: ISO-8601 or Unix milliseconds; default the last 24 hours. */
export function parseRange(from: unknown, to: unknown, now = Date.now()): { from: number; to: number } {
  const time = (v: unknown, field: string, fallback: number): number => {
    if (v === undefined || v === null || v === '') return fallback;
    const s = String(v);
    const t = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
    if (!Number.isFinite(t))
      throw invalid(
        `Invalid ${field} ${show(v)}: expected an ISO-8601 time (2026-01-31T12:00:00Z) or Unix milliseconds.`,
      );
    return t;
  };
  const range = { from: time(from, 'from', now - 86_400_000), to: time(to, 'to', now) };
  if (range.from >= range.to)
    throw invalid(
      `Invalid range: 'from' (${new Date(range.from).toISOString()}) must be before 'to' (${new Date(range.to).toISOString()}).`,
    );
  return range;
}

/** Windows that start in [from, to), oldest first; rows of several replicas are merged. */
export async function readWindows(
  store: Store,
  deployment: string,
  range: WindowRange,
): Promise<MergedWindow[]> {
  let q = store.db
    .selectFrom('monitor_windows')
    .selectAll()
    .where('deployment', '=', deployment)
    .where('window_start', '>=', range.from)
    .where('window_start', '<', range.to);
  if (range.modelVersion !== undefined) q = q.where('model_version', '=', range.modelVersion);
  const rows = await q.orderBy('window_start').execute();
  const merged = new Map<string, MergedWindow & { latency: DataProfile | null }>();
  for (const r of rows) {
    const start = Number(r.window_start);
    const key = `${start}\u0000${r.model_version}\u0000${r.shadow}`;
    const inputs = JSON.parse(r.inputs) as DataProfile;
    const outputs = JSON.parse(r.outputs) as DataProfile;
    const latency = r.latency ? (JSON.parse(r.latency) as DataProfile) : null;
    const w = merged.get(key);
    if (!w) {
      merged.set(key, {
        start,
        end: start + Number(r.window_ms),
        model: r.model,
        modelVersion: r.model_version,
        shadow: Number(r.shadow) === 1,
        replicas: 1,
        requests: Number(r.requests),
        errors: Number(r.errors),
        errorRate: 0,
        rows: 0,
        latencyMs: null,
        inputs,
        outputs,
        latency,
      });
      continue;
    }
    w.replicas++;
    w.requests += Number(r.requests);
    w.errors += Number(r.errors);
    w.inputs = mergeProfiles(w.inputs, inputs);
    w.outputs = mergeProfiles(w.outputs, outputs);
    w.latency = w.latency && latency ? mergeProfiles(w.latency, latency) : (w.latency ?? latency);
  }
  return [...merged.values()].map(({ latency, ...w }) => {
    const total = w.requests + w.errors;
    const col = latency?.columns[0];
    const q = (p: number) => col?.summary.quantiles.find((x) => x.q === p)?.value ?? Number.NaN;
    return {
      ...w,
      errorRate: total > 0 ? w.errors / total : 0,
      rows: w.inputs.rows,
      latencyMs: col?.numeric ? { mean: col.numeric.mean, p50: q(0.5), p99: q(0.99) } : null,
    };
  });
}

/** Labeled predictions per window (key `start/version/shadow`) and a CBPE calibrator per model version. */
export interface LabeledWindows {
  windows: Map<string, LabeledPrediction[]>;
  calibrators: Map<string, Calibrator>;
}

/**
 * The predictions of a range whose ground truth arrived (only those: the rest of the traffic is in the profiles), and
 * per model version an isotonic calibrator of the positive-class score fitted on them (binary classifiers).
 */
export async function readLabeled(
  store: Store,
  deployment: string,
  range: WindowRange,
  config: MonitorConfig,
): Promise<LabeledWindows> {
  let q = store.db
    .selectFrom('monitor_predictions')
    .select(['window_start', 'model_version', 'shadow', 'output', 'groups', 'label'])
    .where('deployment', '=', deployment)
    .where('window_start', '>=', range.from)
    .where('window_start', '<', range.to)
    .where('label', 'is not', null);
  if (range.modelVersion !== undefined) q = q.where('model_version', '=', range.modelVersion);
  const rows = await q.execute();
  const windows = new Map<string, LabeledPrediction[]>();
  const calibrationData = new Map<string, { scores: number[]; positives: number[] }>();
  for (const r of rows) {
    const key = windowKey(Number(r.window_start), r.model_version, Number(r.shadow) === 1);
    const p: LabeledPrediction = {
      output: JSON.parse(r.output) as StoredOutput,
      label: JSON.parse(r.label!),
    };
    if (r.groups) p.groups = JSON.parse(r.groups);
    let list = windows.get(key);
    if (!list) {
      list = [];
      windows.set(key, list);
    }
    list.push(p);
    const o = p.output;
    if (o.p && o.classes?.length === 2) {
      const positive = positiveOf(o.classes, config.positiveClass);
      const cal = calibrationData.get(r.model_version) ?? { scores: [], positives: [] };
      calibrationData.set(r.model_version, cal);
      o.p.forEach((row, i) => {
        const truth = p.label![i];
        if (truth === undefined) return;
        cal.scores.push(row[positive]!);
        cal.positives.push(String(truth) === String(o.classes![positive]) ? 1 : 0);
      });
    }
  }
  const calibrators = new Map<string, Calibrator>();
  for (const [version, d] of calibrationData) calibrators.set(version, fitCalibrator(d.scores, d.positives));
  return { windows, calibrators };
}

/**
 * CBPE of a window from its output profile: the KLL sketch of the positive class's probability column
 * (`probabilities[<class>]`, two such columns: a binary classifier). Null when the outputs have no such pair.
 */
export function estimateFromProfile(
  outputs: DataProfile,
  config: MonitorConfig,
  calibration?: Calibrator,
): MetricValues | null {
  const prefix = `${config.probabilityOutput ?? 'probabilities'}[`;
  const columns = outputs.columns.filter((c) => c.name.startsWith(prefix) && c.name.endsWith(']'));
  if (columns.length !== 2) return null;
  const classes = columns.map((c) => c.name.slice(prefix.length, -1));
  const positive = positiveOf(classes, config.positiveClass);
  const state = columns[positive]!.quantiles;
  if (!state) return null;
  const scores: number[] = [];
  const weights: number[] = [];
  state.levels.forEach((items, h) => {
    for (const v of items) {
      scores.push(v);
      weights.push(2 ** h);
    }
  });
  return cbpe(scores, weights, positive === 0, calibration);
}

/** The performance report of one window from its labeled predictions and its CBPE estimate. */
export function windowPerformance(
  window: MergedWindow,
  labeled: LabeledWindows,
  config: MonitorConfig,
): PerformanceReport | null {
  const estimated = estimateFromProfile(window.outputs, config, labeled.calibrators.get(window.modelVersion));
  const list = labeled.windows.get(windowKey(window.start, window.modelVersion, window.shadow));
  if (list?.length)
    return performanceOf(list, {
      positiveClass: config.positiveClass,
      sensitiveColumn: config.sensitiveColumn,
      rows: window.rows,
      estimated,
    });
  if (!estimated) return null;
  return { task: 'classification', rows: window.rows, labeledRows: 0, metrics: null, estimated, bias: null };
}

export const windowKey = (start: number, version: string, shadow: boolean): string =>
  `${start}/${version}/${shadow ? 1 : 0}`;

function positiveOf(classes: readonly (string | number)[], positive: string | null): number {
  // The second class by default, as the learners' binary metrics.
  const i = positive === null ? -1 : classes.findIndex((c) => String(c) === positive);
  return i >= 0 ? i : 1;
}

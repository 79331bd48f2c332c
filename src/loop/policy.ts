import { isAbsolute } from 'node:path';
import { invalid, show } from '../core/errors.js';
import type { GateRule } from '../learn/gate.js';
import { validateModelName } from '../registry/validation.js';
import { validateDeploymentName } from '../serving/deployment-service.js';
import { parseCron } from './cron.js';

/**
 * The loop policy: the `loop:` key of mloop.yaml as written (snake_case, durations like "10m"), and the resolved
 * form the server stores and the controller reads. Every error names the key, the value and what is valid.
 */
export type LoopTrigger =
  | { kind: 'drift'; share: number; minRows: number }
  | { kind: 'feature_drift'; column: string; minRows: number }
  | { kind: 'performance'; metric: string; below: number; minLabels: number }
  | { kind: 'schedule'; cron: string }
  | { kind: 'new_data'; dataset: string };

export type TriggerKind = LoopTrigger['kind'] | 'manual';

export interface GatePolicy {
  /** evaluate: `mloop evaluate` on fresh data; run_metrics: the metrics the versions' runs logged; command: yours. */
  using: 'evaluate' | 'run_metrics' | 'command';
  command?: string;
  /** `metric>=value` / `metric<=value`, as `mloop evaluate --bound` takes them. */
  bounds: string[];
  metric?: string;
  minImprovement?: number;
  data?: string;
  target?: string;
  timeoutMs: number;
  /** The bounds and the minimum improvement as rules of src/learn/gate.ts. */
  rules: GateRule[];
}

export interface RolloutPolicy {
  /** Percent of traffic the challenger takes while baking; 0 skips the canary. */
  canary: number;
  bakeRequests?: number;
  bakeMs?: number;
  /** A bake that has not finished by then rolls back. */
  bakeTimeoutMs: number;
  /** Rollback conditions are judged only once the challenger answered this many requests. */
  minRequests: number;
  rollbackOn: { errorRate?: number; p99Ms?: number; performance?: { metric: string; below: number } };
}

export interface LoopPolicy {
  model: string;
  deployment?: string;
  /** Absolute directory the commands run in (where mloop.yaml is). */
  workdir: string;
  train: { command: string; timeoutMs: number };
  data?: { dataset?: string; path?: string };
  triggers: LoopTrigger[];
  cooldownMs: number;
  gate: GatePolicy;
  rollout: RolloutPolicy;
  approval: 'auto' | 'manual';
}

const MINUTE = 60_000;
const KEYS = [
  'model',
  'deployment',
  'train',
  'data',
  'triggers',
  'cooldown',
  'gate',
  'rollout',
  'approval',
] as const;

type Obj = Record<string, unknown>;

function object(value: unknown, key: string, known: readonly string[]): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(`'${key}' must be a mapping, got ${show(value)}.`);
  const extra = Object.keys(value).find((k) => !known.includes(k));
  if (extra)
    throw invalid(`Unknown key '${key}.${extra}' in the loop policy: expected one of ${known.join(', ')}.`);
  return value as Obj;
}

function string(value: unknown, key: string, required: true): string;
function string(value: unknown, key: string, required?: false): string | undefined;
function string(value: unknown, key: string, required = false): string | undefined {
  if (value === undefined || value === null) {
    if (required) throw invalid(`Missing key '${key}' in the loop policy.`);
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '')
    throw invalid(`'${key}' must be a non-empty string, got ${show(value)}.`);
  return value;
}

/**
 * Drift triggers read only windows with at least this many rows (default 100): a window holding a handful of rows,
 * such as the tail of a quiet hour, gives distance-based tests (Wasserstein, PSI) large values by chance.
 */
export const DEFAULT_DRIFT_MIN_ROWS = 100;

const minRows = (value: unknown, key: string): number =>
  number(value, key, { min: 1, int: true }) ?? DEFAULT_DRIFT_MIN_ROWS;

function number(value: unknown, key: string, opts: { min?: number; max?: number; int?: boolean } = {}) {
  if (value === undefined || value === null) return undefined;
  const range = `${opts.int ? 'an integer' : 'a number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}${opts.max !== undefined ? ` and <= ${opts.max}` : ''}`;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (opts.int && !Number.isInteger(value)) ||
    (opts.min !== undefined && value < opts.min) ||
    (opts.max !== undefined && value > opts.max)
  )
    throw invalid(`'${key}' must be ${range}, got ${show(value)}.`);
  return value;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: MINUTE, h: 60 * MINUTE, d: 24 * 60 * MINUTE };

/** "250ms", "30s", "10m", "2h", "1d", or a number of seconds. */
export function parseDuration(value: unknown, key: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value * 1000);
  const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(value) : null;
  if (!m)
    throw invalid(
      `'${key}' must be a duration such as "30s", "10m", "2h" or "1d" (or a number of seconds), got ${show(value)}.`,
    );
  return Math.round(Number(m[1]) * UNITS[m[2]!]!);
}

const BOUND = /^\s*([A-Za-z0-9_.-]+)\s*(>=|<=)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/;

/** `accuracy>=0.8` → a gate rule. */
export function parseBound(text: unknown, key: string): GateRule {
  const m = typeof text === 'string' ? BOUND.exec(text) : null;
  if (!m)
    throw invalid(
      `'${key}' must be a bound such as "accuracy>=0.8" or "rmse<=3.5" (metric, >= or <=, number), got ${show(text)}.`,
    );
  return m[2] === '>=' ? { metric: m[1]!, min: Number(m[3]) } : { metric: m[1]!, max: Number(m[3]) };
}

function parseTrigger(value: unknown, i: number, data: LoopPolicy['data']): LoopTrigger {
  const key = `triggers[${i}]`;
  const kinds = ['drift', 'feature_drift', 'performance', 'schedule', 'new_data'];
  const t = object(value, key, kinds);
  const names = Object.keys(t);
  if (names.length !== 1)
    throw invalid(`'${key}' must have exactly one of ${kinds.join(', ')}, got ${show(value)}.`);
  const kind = names[0]!;
  const body = t[kind];
  switch (kind) {
    case 'drift': {
      const d = object(body, `${key}.drift`, ['share', 'min_rows']);
      return {
        kind,
        share: number(d.share, `${key}.drift.share`, { min: 0, max: 1 }) ?? 0.5,
        minRows: minRows(d.min_rows, `${key}.drift.min_rows`),
      };
    }
    case 'feature_drift': {
      const d = object(body, `${key}.feature_drift`, ['column', 'min_rows']);
      return {
        kind,
        column: string(d.column, `${key}.feature_drift.column`, true),
        minRows: minRows(d.min_rows, `${key}.feature_drift.min_rows`),
      };
    }
    case 'performance': {
      const d = object(body, `${key}.performance`, ['metric', 'below', 'min_labels']);
      const below = number(d.below, `${key}.performance.below`);
      if (below === undefined) throw invalid(`Missing key '${key}.performance.below' in the loop policy.`);
      return {
        kind,
        metric: string(d.metric, `${key}.performance.metric`, true),
        below,
        minLabels: number(d.min_labels, `${key}.performance.min_labels`, { min: 1, int: true }) ?? 100,
      };
    }
    case 'schedule': {
      const cron = string(body, `${key}.schedule`, true);
      parseCron(cron, `${key}.schedule`);
      return { kind, cron };
    }
    default: {
      const dataset =
        body === true
          ? data?.dataset
          : string(object(body, `${key}.new_data`, ['dataset']).dataset, `${key}.new_data.dataset`);
      if (!dataset)
        throw invalid(
          `'${key}.new_data' needs a dataset: write new_data: { dataset: NAME }, or new_data: true with data.dataset set.`,
        );
      return { kind: 'new_data', dataset };
    }
  }
}

function parseGate(value: unknown): GatePolicy {
  const g = object(value ?? {}, 'gate', [
    'using',
    'command',
    'bounds',
    'metric',
    'min_improvement',
    'data',
    'target',
    'timeout',
  ]);
  const boundsRaw = g.bounds ?? [];
  if (!Array.isArray(boundsRaw))
    throw invalid(`'gate.bounds' must be a list such as ["accuracy>=0.8"], got ${show(boundsRaw)}.`);
  const rules = boundsRaw.map((b, i) => parseBound(b, `gate.bounds[${i}]`));
  const metric = string(g.metric, 'gate.metric') ?? rules[0]?.metric;
  const minImprovement = number(g.min_improvement, 'gate.min_improvement');
  if (minImprovement !== undefined) {
    if (!metric)
      throw invalid(
        `'gate.min_improvement' needs 'gate.metric' (or a bound) to say which metric must improve.`,
      );
    rules.push({ metric, minAbsoluteChange: minImprovement });
  }
  const data = string(g.data, 'gate.data');
  const target = string(g.target, 'gate.target');
  const command = string(g.command, 'gate.command');
  const usingRaw = g.using ?? (command ? 'command' : data ? 'evaluate' : 'run_metrics');
  if (usingRaw !== 'evaluate' && usingRaw !== 'run_metrics' && usingRaw !== 'command')
    throw invalid(`'gate.using' must be evaluate, run_metrics or command, got ${show(usingRaw)}.`);
  const using = usingRaw;
  if (using === 'command' && !command) throw invalid(`'gate.using: command' needs 'gate.command'.`);
  if (using === 'evaluate' && !data)
    throw invalid(
      `'gate.using: evaluate' needs 'gate.data': the fresh evaluation data both versions are scored on (gate.target names its label column; default: the model's target).`,
    );
  if (using !== 'command' && rules.length === 0)
    throw invalid(
      `The gate needs at least one rule: 'gate.bounds' (e.g. ["accuracy>=0.8"]) or 'gate.min_improvement'.`,
    );
  return {
    using,
    ...(command ? { command } : {}),
    bounds: boundsRaw as string[],
    ...(metric ? { metric } : {}),
    ...(minImprovement !== undefined ? { minImprovement } : {}),
    ...(data ? { data } : {}),
    ...(target ? { target } : {}),
    timeoutMs: parseDuration(g.timeout, 'gate.timeout') ?? 30 * MINUTE,
    rules,
  };
}

function parseRollout(value: unknown): RolloutPolicy {
  const r = object(value ?? {}, 'rollout', ['canary', 'bake', 'min_requests', 'rollback_on']);
  const bake = object(r.bake ?? {}, 'rollout.bake', ['requests', 'time', 'timeout']);
  const on = object(r.rollback_on ?? {}, 'rollout.rollback_on', ['error_rate', 'p99_ms', 'performance']);
  const canary = number(r.canary, 'rollout.canary', { min: 0, max: 100, int: true }) ?? 0;
  const bakeRequests = number(bake.requests, 'rollout.bake.requests', { min: 1, int: true });
  const bakeMs = parseDuration(bake.time, 'rollout.bake.time');
  if (canary > 0 && bakeRequests === undefined && bakeMs === undefined)
    throw invalid(
      `'rollout.canary' is ${canary}%, so 'rollout.bake' needs requests and/or time (e.g. bake: { requests: 1000, time: 10m }).`,
    );
  let performance: RolloutPolicy['rollbackOn']['performance'];
  if (on.performance !== undefined) {
    const p = object(on.performance, 'rollout.rollback_on.performance', ['metric', 'below']);
    const below = number(p.below, 'rollout.rollback_on.performance.below');
    if (below === undefined) throw invalid(`Missing key 'rollout.rollback_on.performance.below'.`);
    performance = { metric: string(p.metric, 'rollout.rollback_on.performance.metric', true), below };
  }
  const errorRate = number(on.error_rate, 'rollout.rollback_on.error_rate', { min: 0, max: 1 });
  const p99Ms = number(on.p99_ms, 'rollout.rollback_on.p99_ms', { min: 0 });
  return {
    canary,
    ...(bakeRequests !== undefined ? { bakeRequests } : {}),
    ...(bakeMs !== undefined ? { bakeMs } : {}),
    bakeTimeoutMs: parseDuration(bake.timeout, 'rollout.bake.timeout') ?? 24 * 60 * MINUTE,
    minRequests: number(r.min_requests, 'rollout.min_requests', { min: 1, int: true }) ?? 20,
    rollbackOn: {
      ...(errorRate !== undefined ? { errorRate } : {}),
      ...(p99Ms !== undefined ? { p99Ms } : {}),
      ...(performance ? { performance } : {}),
    },
  };
}

/** Validates the `loop:` object of mloop.yaml; `workdir` is the absolute directory the commands run in. */
export function parsePolicy(value: unknown, workdir: unknown): LoopPolicy {
  const p = object(value, 'loop', KEYS);
  if (typeof workdir !== 'string' || !isAbsolute(workdir))
    throw invalid(`'workdir' must be an absolute directory path, got ${show(workdir)}.`);
  const model = validateModelName(string(p.model, 'model', true));
  const deployment =
    p.deployment === undefined ? undefined : validateDeploymentName(p.deployment, 'deployment');
  const train = object(p.train, 'train', ['command', 'stages', 'timeout']);
  let command = string(train.command, 'train.command');
  if (train.stages !== undefined) {
    if (command) throw invalid(`'train' takes either 'command' or 'stages', not both.`);
    if (
      !Array.isArray(train.stages) ||
      !train.stages.every((s) => typeof s === 'string' && /^[A-Za-z0-9_.-]+$/.test(s))
    )
      throw invalid(
        `'train.stages' must be a list of pipeline stage names (letters, digits, '_', '.', '-'), got ${show(train.stages)}.`,
      );
    command = ['mloop', 'repro', ...(train.stages as string[])].join(' ');
  }
  if (!command)
    throw invalid(
      `Missing key 'train.command' (or 'train.stages'): the command that trains and registers a new version of '${model}'.`,
    );
  const dataObj = p.data === undefined ? undefined : object(p.data, 'data', ['dataset', 'path']);
  const dataset = string(dataObj?.dataset, 'data.dataset');
  const path = string(dataObj?.path, 'data.path');
  const data = dataObj ? { ...(dataset ? { dataset } : {}), ...(path ? { path } : {}) } : undefined;
  const triggersRaw = p.triggers ?? [];
  if (!Array.isArray(triggersRaw))
    throw invalid(`'triggers' must be a list such as [{ drift: { share: 0.5 } }], got ${show(triggersRaw)}.`);
  const approval = p.approval ?? 'auto';
  if (approval !== 'auto' && approval !== 'manual')
    throw invalid(`'approval' must be auto or manual, got ${show(approval)}.`);
  const rollout = parseRollout(p.rollout);
  if (rollout.canary > 0 && !deployment)
    throw invalid(
      `'rollout.canary' is ${rollout.canary}% but the policy names no 'deployment' to shift traffic on.`,
    );
  return {
    model,
    ...(deployment ? { deployment } : {}),
    workdir,
    train: { command, timeoutMs: parseDuration(train.timeout, 'train.timeout') ?? 60 * MINUTE },
    ...(data ? { data } : {}),
    triggers: triggersRaw.map((t, i) => parseTrigger(t, i, data)),
    cooldownMs: parseDuration(p.cooldown, 'cooldown') ?? 0,
    gate: parseGate(p.gate),
    rollout,
    approval,
  };
}

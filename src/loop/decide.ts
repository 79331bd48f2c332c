import type { LoopPolicy, RolloutPolicy } from './policy.js';
import type { CanaryState, HealthSnapshot, Route, RunState } from './types.js';

/**
 * The controller's decisions as pure functions (STYLE §5: plan purely, then apply): which state follows which
 * evidence, and which routes a state wants. The controller persists the state first, then applies its routes.
 */

export const championUri = (model: string): string => `models:/${model}@champion`;
export const challengerUri = (model: string): string => `models:/${model}@challenger`;

/** After a blessed gate: bake a canary, wait for a person, or promote. */
export function afterGate(policy: LoopPolicy): RunState {
  if (policy.deployment && policy.rollout.canary > 0) return 'canary';
  return policy.approval === 'manual' ? 'awaiting_approval' : 'promoting';
}

/** After a bake that passed. */
export const afterBake = (policy: LoopPolicy): RunState =>
  policy.approval === 'manual' ? 'awaiting_approval' : 'promoting';

/**
 * The canary's routes: the routes before the canary, scaled to (100 − p)% of the traffic, plus the challenger at
 * p%. Integer weights keep the ratio exact: each old weight w becomes w·(100 − p), the challenger p·Σw.
 */
export function canaryRoutes(model: string, before: Route[], percent: number): Route[] {
  const kept = before.filter((r) => r.model !== challengerUri(model) && r.weight > 0);
  const base = kept.length ? kept : [{ model: championUri(model), weight: 1 }];
  const total = base.reduce((s, r) => s + r.weight, 0);
  const routes = [
    ...base.map((r) => ({ model: r.model, weight: r.weight * (100 - percent) })),
    { model: challengerUri(model), weight: total * percent },
  ];
  // Reduced by what they share with the old total, so [100] at 10% reads [90, 10], not [9000, 1000].
  const g = routes.reduce((acc, r) => gcd(acc, r.weight), total);
  return routes.map((r) => ({ model: r.model, weight: r.weight / g }));
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** After promotion every request goes to the (moved) champion. */
export const promotedRoutes = (model: string): Route[] => [{ model: championUri(model), weight: 100 }];

export function sameRoutes(a: Route[], b: Route[]): boolean {
  const key = (rs: Route[]) =>
    JSON.stringify(
      rs
        .filter((r) => r.weight > 0)
        .map((r) => [r.model, r.weight])
        .sort(),
    );
  // Weights are ratios: [90, 10] and [900, 100] route the same.
  const norm = (rs: Route[]) => {
    const total = rs.reduce((s, r) => s + r.weight, 0) || 1;
    return rs.map((r) => ({ model: r.model, weight: Math.round((r.weight / total) * 1e6) }));
  };
  return key(norm(a)) === key(norm(b));
}

/** The challenger's counters since the canary began, across server restarts. */
export function canaryTotals(canary: CanaryState, now: HealthSnapshot): HealthSnapshot {
  // Counters are per process; a snapshot below the baseline means they were reset, so count it whole.
  const reset = now.requests < canary.baseline.requests || now.errors < canary.baseline.errors;
  const base = reset ? { requests: 0, errors: 0 } : canary.baseline;
  return {
    requests: canary.carried.requests + now.requests - base.requests,
    errors: canary.carried.errors + now.errors - base.errors,
    ...(now.p99Ms !== undefined ? { p99Ms: now.p99Ms } : {}),
    ...(now.performance ? { performance: now.performance } : {}),
  };
}

export type BakeVerdict =
  | { kind: 'wait'; numbers: BakeNumbers }
  | { kind: 'passed'; numbers: BakeNumbers }
  | { kind: 'rollback'; reasons: string[]; numbers: BakeNumbers };

export interface BakeNumbers {
  requests: number;
  errors: number;
  errorRate: number | null;
  p99Ms: number | null;
  performance: Record<string, number> | null;
  elapsedMs: number;
}

/**
 * Judges a bake (Argo Rollouts' analysis, SageMaker's baking period): any rollback condition breached once the
 * challenger answered `minRequests` → rollback; the bake's requests and time both reached → passed; past the bake
 * timeout → rollback; else wait.
 */
export function judgeBake(rollout: RolloutPolicy, totals: HealthSnapshot, elapsedMs: number): BakeVerdict {
  const errorRate = totals.requests > 0 ? totals.errors / totals.requests : null;
  const numbers: BakeNumbers = {
    requests: totals.requests,
    errors: totals.errors,
    errorRate,
    p99Ms: totals.p99Ms ?? null,
    performance: totals.performance ?? null,
    elapsedMs,
  };
  const reasons: string[] = [];
  const on = rollout.rollbackOn;
  if (totals.requests >= rollout.minRequests) {
    if (on.errorRate !== undefined && errorRate !== null && errorRate > on.errorRate)
      reasons.push(
        `error rate ${fmt(errorRate)} (${totals.errors} of ${totals.requests} requests) is above ${on.errorRate}`,
      );
    if (on.p99Ms !== undefined && totals.p99Ms !== undefined && totals.p99Ms > on.p99Ms)
      reasons.push(`p99 latency ${fmt(totals.p99Ms)} ms is above ${on.p99Ms} ms`);
    const perf = on.performance;
    const live = perf ? totals.performance?.[perf.metric] : undefined;
    if (perf && live !== undefined && live < perf.below)
      reasons.push(`live ${perf.metric} ${fmt(live)} is below ${perf.below}`);
  }
  if (reasons.length) return { kind: 'rollback', reasons, numbers };
  const requestsDone = rollout.bakeRequests === undefined || totals.requests >= rollout.bakeRequests;
  const timeDone = rollout.bakeMs === undefined || elapsedMs >= rollout.bakeMs;
  if (requestsDone && timeDone) return { kind: 'passed', numbers };
  if (elapsedMs >= rollout.bakeTimeoutMs) {
    const missing = !requestsDone
      ? `only ${totals.requests} of ${rollout.bakeRequests} requests`
      : 'the bake time not reached';
    return {
      kind: 'rollback',
      reasons: [`the bake timed out after ${Math.round(elapsedMs / 1000)} s with ${missing}`],
      numbers,
    };
  }
  return { kind: 'wait', numbers };
}

const fmt = (n: number) => String(Number(n.toPrecision(4)));

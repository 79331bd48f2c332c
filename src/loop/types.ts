import type { LoopPolicy, TriggerKind } from './policy.js';

/**
 * A loop run's states. Active: pending → training → gating → canary → awaiting_approval → promoting, or
 * rolling_back after a failed bake or a rejection. Terminal: succeeded, rejected (the gate said no), rolled_back,
 * failed. Queued runs wait for the model's active run to finish.
 */
export const ACTIVE_STATES = [
  'pending',
  'training',
  'gating',
  'canary',
  'awaiting_approval',
  'promoting',
  'rolling_back',
] as const;
export const TERMINAL_STATES = ['succeeded', 'rejected', 'rolled_back', 'failed'] as const;
export type ActiveState = (typeof ACTIVE_STATES)[number];
export type TerminalState = (typeof TERMINAL_STATES)[number];
export type RunState = 'queued' | ActiveState | TerminalState;

export const isTerminal = (s: RunState): s is TerminalState =>
  (TERMINAL_STATES as readonly string[]).includes(s);

export interface Route {
  model: string;
  weight: number;
}

/** Canary bookkeeping: counters carried across server restarts plus the process-local baseline. */
export interface CanaryState {
  startedAt: number;
  /** Requests and errors counted by earlier server processes. */
  carried: { requests: number; errors: number };
  /** The process the baseline belongs to, and the counters it read when it started watching. */
  epoch: string;
  baseline: { requests: number; errors: number };
  last?: HealthSnapshot & { at: number };
}

export interface HealthSnapshot {
  requests: number;
  errors: number;
  p99Ms?: number;
  performance?: Record<string, number>;
  /** Failed attempts to load the version (it cannot take traffic). */
  loadFailures?: number;
}

export interface LoopRun {
  id: string;
  model: string;
  state: RunState;
  trigger: { kind: TriggerKind; evidence: unknown };
  policy: LoopPolicy;
  dataVersion?: number;
  championVersion?: string;
  challengerVersion?: string;
  routesBefore?: Route[];
  canary?: CanaryState;
  stepStartedAt?: number;
  reason?: string;
  actor: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  finishedTimestamp?: number;
}

export interface LoopEvent {
  runId: string;
  seq: number;
  model: string;
  kind: string;
  /** The run's state after the event. */
  state: RunState;
  message: string;
  evidence?: unknown;
  actor: string;
  timestamp: number;
}

export interface StoredPolicy {
  model: string;
  source: unknown;
  policy: LoopPolicy;
  revision: number;
  dataVersion?: number;
  actor: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
}

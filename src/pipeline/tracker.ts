import type { HashedPath } from './lock.js';
import type { PipelineRunRecord } from './run-record.js';
import type { Stage } from './spec.js';

export interface StageRunStart {
  stage: Stage;
  key: string;
  deps: HashedPath[];
  attempt: number;
  /** Producing stage and its run for deps that are upstream outputs. */
  upstream: Map<string, { stage: string; run?: string }>;
}

export interface StageRunEnd {
  ok: boolean;
  outs: HashedPath[];
  /** 'ran' for an execution, 'restored' for outputs taken from the run-cache. */
  how: 'ran' | 'restored' | 'failed' | 'interrupted';
  message?: string;
}

/** Records stage executions as tracked runs (the implementation over the SDK is in tracking.ts). */
export interface Tracker {
  /** Returns the run id, so the command can see it as MLOOP_RUN_ID. */
  start(info: StageRunStart): Promise<string | undefined>;
  end(runId: string | undefined, stage: Stage, end: StageRunEnd): Promise<void>;
  /** Ends the parent run; `record` (the graph and every stage's outcome) is stored with it. */
  close(ok: boolean, record?: PipelineRunRecord): Promise<void>;
}

import type { Tensor } from './datatypes.js';

/** One answered request, handed to monitoring: what came in, what went out, which version answered. */
export interface PredictionRecord {
  predictionId: string;
  /** The deployment (or the standalone server's model name). */
  deployment: string;
  model: string;
  modelVersion: string;
  /** True for a shadow route's result: recorded, never returned to the caller. */
  shadow: boolean;
  timestamp: number;
  latencyMs: number;
  inputs: Tensor[];
  outputs: Tensor[];
  /** What the model package says about its columns and task (computed once per loaded version). */
  meta?: ModelMeta;
}

/** From the model package: signature column names, and the task and classes when mloop's learners wrote them. */
export interface ModelMeta {
  columns?: string[];
  task?: 'classification' | 'regression';
  classes?: (string | number)[];
}

/**
 * Where every prediction goes after it is answered. It runs after the response is on its way and must not throw;
 * a slow hook should queue its work. The monitoring issue plugs its profile ingestion in here.
 */
export interface PayloadHook {
  onPrediction(record: PredictionRecord): void;
  /** A request a version failed to answer (runtime error, rejected, invalid input): for error rates. */
  onFailure?(deployment: string, model: string, modelVersion: string, timestamp: number): void;
}

export const NOOP_PAYLOAD_HOOK: PayloadHook = { onPrediction: () => undefined };

/** One hook that hands every record to each of `hooks` (undefined entries skipped); undefined when none is left. */
export function fanOut(hooks: readonly (PayloadHook | undefined)[]): PayloadHook | undefined {
  const list = hooks.filter((h): h is PayloadHook => h !== undefined);
  if (list.length <= 1) return list[0];
  return {
    onPrediction: (record) => {
      for (const h of list) h.onPrediction(record);
    },
    onFailure: (deployment, model, version, timestamp) => {
      for (const h of list) h.onFailure?.(deployment, model, version, timestamp);
    },
  };
}

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
}

/**
 * Where every prediction goes after it is answered. It runs after the response is on its way and must not throw;
 * a slow hook should queue its work. The monitoring issue plugs its profile ingestion in here.
 */
export interface PayloadHook {
  onPrediction(record: PredictionRecord): void;
}

export const NOOP_PAYLOAD_HOOK: PayloadHook = { onPrediction: () => undefined };

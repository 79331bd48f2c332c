import type { ServingMetrics } from '../serving/metrics.js';
import type { HealthSnapshot } from './types.js';

/** How a model version is doing on a deployment: counters since the serving process started. */
export interface CanaryHealth {
  snapshot(deployment: string, model: string, version: string): Promise<HealthSnapshot>;
}

/**
 * Canary health from the in-process serving metrics: the embedded server serves its deployments itself, labelled
 * by deployment name and version. Live performance needs labels, which monitoring has; this source has none.
 */
export function servingHealth(metrics: ServingMetrics): CanaryHealth {
  return {
    snapshot: async (deployment, _model, version) => metrics.snapshot(deployment, version),
  };
}

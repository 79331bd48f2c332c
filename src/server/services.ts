import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { LoopController } from '../loop/controller.js';
import { type MonitoringOptions, MonitoringService } from '../monitor/monitoring-service.js';
import { PipelineRunService } from '../pipeline/pipeline-runs.js';
import { DeploymentService } from '../serving/deployment-service.js';
import type { ServingMetrics } from '../serving/metrics.js';
import type { ServingManager } from '../serving/serving-manager.js';
import type { Store } from '../store/open-store.js';
import { createTrackingServices, type TrackingServices } from './tracking-services.js';

/** Every domain service, wired to one metadata store and one artifact store. */
export interface Services extends TrackingServices {
  deployments: DeploymentService;
  /** Present when this process serves the deployments (the server does; `--home` CLI clients do not). */
  serving?: ServingManager;
  servingMetrics?: ServingMetrics;
  /** Present when this process runs the continuous-training controller (the server does). */
  loopController?: LoopController;
  /** Live monitoring: queries and configuration always; ingest and evaluation once started (the server). */
  monitoring: MonitoringService;
  /** What `mloop repro` recorded: pipeline runs, their graphs and stage executions (read only). */
  pipelineRuns: PipelineRunService;
}

export function createServices(
  store: Store,
  artifacts: ArtifactStore,
  opts: { monitoring?: MonitoringOptions } = {},
): Services {
  const tracking = createTrackingServices(store, artifacts);
  const { runs, registry, datasets } = tracking;
  return {
    ...tracking,
    deployments: new DeploymentService(store, registry),
    monitoring: new MonitoringService({ store, artifacts, registry, runs, datasets }, opts.monitoring),
    pipelineRuns: new PipelineRunService(store, runs, artifacts),
  };
}

import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { AuditService } from '../audit/audit-service.js';
import { PermissionService } from '../auth/permission-service.js';
import { UserService } from '../auth/user-service.js';
import { DatasetService } from '../data/dataset-service.js';
import type { LoopController } from '../loop/controller.js';
import { LoopService } from '../loop/loop-service.js';
import { type MonitoringOptions, MonitoringService } from '../monitor/monitoring-service.js';
import { PipelineRunService } from '../pipeline/pipeline-runs.js';
import { RegistryService } from '../registry/registry-service.js';
import { DeploymentService } from '../serving/deployment-service.js';
import type { ServingMetrics } from '../serving/metrics.js';
import type { ServingManager } from '../serving/serving-manager.js';
import type { Store } from '../store/open-store.js';
import { ExperimentService } from '../tracking/experiment-service.js';
import { LoggedModelService } from '../tracking/logged-model-service.js';
import { MetricHistoryService } from '../tracking/metric-history.js';
import { RunService } from '../tracking/run-service.js';

/** Every domain service, wired to one metadata store and one artifact store. */
export interface Services {
  store: Store;
  artifacts: ArtifactStore;
  experiments: ExperimentService;
  runs: RunService;
  metrics: MetricHistoryService;
  loggedModels: LoggedModelService;
  registry: RegistryService;
  users: UserService;
  permissions: PermissionService;
  audit: AuditService;
  deployments: DeploymentService;
  /** Present when this process serves the deployments (the server does; `--home` CLI clients do not). */
  serving?: ServingManager;
  servingMetrics?: ServingMetrics;
  datasets: DatasetService;
  /** Loop policies, runs and their events. */
  loops: LoopService;
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
  const experiments = new ExperimentService(store);
  const runs = new RunService(store, experiments);
  const loggedModels = new LoggedModelService(store, experiments);
  const registry = new RegistryService(store, runs, loggedModels);
  const datasets = new DatasetService(store, artifacts);
  return {
    store,
    artifacts,
    experiments,
    runs,
    metrics: new MetricHistoryService(store, runs),
    loggedModels,
    users: new UserService(store),
    permissions: new PermissionService(store),
    audit: new AuditService(store),
    registry,
    deployments: new DeploymentService(store, registry),
    datasets,
    loops: new LoopService(store, registry, datasets),
    monitoring: new MonitoringService({ store, artifacts, registry, runs, datasets }, opts.monitoring),
    pipelineRuns: new PipelineRunService(store, runs, artifacts),
  };
}

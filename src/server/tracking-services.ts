import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { AuditService } from '../audit/audit-service.js';
import { PermissionService } from '../auth/permission-service.js';
import { UserService } from '../auth/user-service.js';
import { DatasetService } from '../data/dataset-service.js';
import { LoopService } from '../loop/loop-service.js';
import { RegistryService } from '../registry/registry-service.js';
import type { Store } from '../store/open-store.js';
import { ExperimentService } from '../tracking/experiment-service.js';
import { LoggedModelService } from '../tracking/logged-model-service.js';
import { MetricHistoryService } from '../tracking/metric-history.js';
import { RunService } from '../tracking/run-service.js';

/**
 * The services behind tracking, datasets and access control: everything but serving, monitoring and the pipeline
 * views, whose modules are a fifth of a local home's start-up. A tracked `repro` records with these alone
 * (`tracking-app.ts`); `createServices` adds the rest for the server.
 */
export interface TrackingServices {
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
  datasets: DatasetService;
  /** Loop policies, runs and their events. */
  loops: LoopService;
}

export function createTrackingServices(store: Store, artifacts: ArtifactStore): TrackingServices {
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
    datasets,
    loops: new LoopService(store, registry, datasets),
  };
}

import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { DatasetService } from '../data/dataset-service.js';
import { RegistryService } from '../registry/registry-service.js';
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
  datasets: DatasetService;
}

export function createServices(store: Store, artifacts: ArtifactStore): Services {
  const experiments = new ExperimentService(store);
  const runs = new RunService(store, experiments);
  const loggedModels = new LoggedModelService(store, experiments);
  return {
    store,
    artifacts,
    experiments,
    runs,
    metrics: new MetricHistoryService(store, runs),
    loggedModels,
    registry: new RegistryService(store, runs, loggedModels),
    datasets: new DatasetService(store, artifacts),
  };
}

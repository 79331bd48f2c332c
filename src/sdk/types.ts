import type { Dataset, RunStatus, Tag, ViewType } from '../tracking/types.js';

export type { ArtifactEntry } from '../artifacts/artifact-store.js';
export type { BatchingOptions } from '../serving/batching.js';
export type {
  Deployment,
  DeploymentEvent,
  DeploymentSpec,
  DeploymentStatus,
  Route,
  RouteStatus,
  ShadowRoute,
} from '../serving/deployment-types.js';
export type { DeploymentView } from '../serving/routes.js';
export type { RunArtifactListing as ArtifactListing } from '../tracking/run-artifacts.js';

export type {
  Dataset,
  DatasetInput,
  Experiment,
  LifecycleStage,
  Metric,
  Page,
  Run,
  RunInfo,
  RunStatus,
  Tag,
  ViewType,
} from '../tracking/types.js';

export interface ClientOptions {
  /** The server, e.g. http://127.0.0.1:5000; the native API lives under `<baseUrl>/api/v1`. */
  baseUrl: string;
  /** A fetch implementation; the global fetch by default. `openLocalClient` passes the in-process app's. */
  fetch?: typeof fetch;
  /** Sent with every request, e.g. { authorization: 'Bearer …' }. */
  headers?: Record<string, string>;
  /** Whether `createRun` records the git commit of the working directory (default true). */
  git?: boolean;
  /** Who is acting, recorded with alias moves (header x-mloop-actor) until authentication provides it. */
  actor?: string;
}

export interface ListExperimentsOptions {
  viewType?: ViewType;
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

export interface CreateExperimentInput {
  name: string;
  artifactLocation?: string;
  tags?: Tag[];
}

export interface CreateRunInput {
  experimentId?: string;
  runName?: string;
  startTime?: number;
  userId?: string;
  tags?: Tag[];
  /** Dataset and model inputs, recorded with the run in the same request. */
  inputs?: LogInputsInput;
}

export interface CreateRunOptions {
  /** Record git commit, dirty flag, branch and source tags; the client's `git` option by default. */
  git?: boolean;
  /** Directory whose repository is recorded; the process's working directory by default. */
  cwd?: string;
}

/** With metrics, params or tags, they are logged first (as by `logBatch`), then the run is updated: one request. */
export interface UpdateRunInput extends LogBatchInput {
  status?: RunStatus;
  endTime?: number;
  runName?: string;
}

export interface MetricInput {
  key: string;
  value: number;
  /** Milliseconds since the epoch; now by default. */
  timestamp?: number;
  step?: number;
}

export interface LogBatchInput {
  metrics?: MetricInput[];
  params?: Tag[];
  tags?: Tag[];
}

export interface LogInputsInput {
  datasets?: { tags?: Tag[]; dataset: Dataset }[];
  models?: { modelId: string }[];
}

export interface SearchRunsInput {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  viewType?: ViewType;
}

export interface PageOptions {
  maxResults?: number;
  pageToken?: string;
}

export type { LineageGraph } from '../registry/lineage.js';
export type { AliasEvent, ModelVersion, RegisteredModel } from '../registry/types.js';

export interface CreateRegisteredModelInput {
  name: string;
  description?: string;
  tags?: Tag[];
}

export interface CreateModelVersionInput {
  /** runs:/<run_id>/<path>, models:/<model_id>, models:/<name>/<version>, models:/<name>@<alias> or mlflow-artifacts:/<path>. */
  source: string;
  runId?: string;
  description?: string;
  tags?: Tag[];
}

export type { AuditEntry } from '../audit/audit-service.js';
export type { Role, TokenInfo, User } from '../auth/types.js';
export interface CreateDeploymentInput {
  name: string;
  /** models:/name/3, models:/name@champion or models:/name/latest. */
  model: string;
  stickyHeader?: string;
  batching?: Partial<import('../serving/batching.js').BatchingOptions>;
}

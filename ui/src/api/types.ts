/** MLflow's protobuf-JSON shapes as the server sends them; repeated fields may be absent when empty. */
export interface KeyValue {
  key: string;
  value: string;
}

/** NaN and ±Infinity arrive as strings. */
export type WireNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export interface WireMetric {
  key: string;
  value: WireNumber;
  timestamp: number;
  step: number;
}

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time?: number;
  last_update_time?: number;
  tags?: KeyValue[];
}

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface RunInfo {
  run_id: string;
  run_name?: string;
  experiment_id: string;
  user_id?: string;
  status: RunStatus;
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: string;
}

export interface DatasetInput {
  tags?: KeyValue[];
  dataset: { name: string; digest: string; source_type: string; source: string; schema?: string };
}

export interface Run {
  info: RunInfo;
  data: { metrics?: WireMetric[]; params?: KeyValue[]; tags?: KeyValue[] };
  inputs?: { dataset_inputs?: DatasetInput[]; model_inputs?: { model_id: string }[] };
  outputs?: { model_outputs?: { model_id: string; step: number }[] };
}

export interface ArtifactFile {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp?: number;
  user_id?: string;
  current_stage?: string;
  description?: string;
  source: string;
  run_id?: string;
  run_link?: string;
  model_id?: string;
  status?: string;
  status_message?: string;
  tags?: KeyValue[];
  aliases?: string[];
}

export interface RegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp?: number;
  description?: string;
  latest_versions?: ModelVersion[];
  tags?: KeyValue[];
  aliases?: { alias: string; version: string }[];
}

/** Native API (`/api/v1`) shapes: camelCase. */
export interface AliasEvent {
  name: string;
  alias: string;
  seq: number;
  fromVersion?: string;
  toVersion?: string;
  actor: string;
  timestamp: number;
}

export type LineageKind =
  | 'model_version'
  | 'registered_model'
  | 'logged_model'
  | 'run'
  | 'experiment'
  | 'dataset'
  | 'commit'
  | 'loop_run'
  | 'trigger';

export interface LineageNode {
  id: string;
  kind: LineageKind;
  label: string;
  attributes: Record<string, string>;
}

export interface LineageEdge {
  from: string;
  to: string;
  relation: string;
}

export interface LineageGraph {
  root: string;
  nodes: LineageNode[];
  edges: LineageEdge[];
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

/** `/api/v1/datasets` items. */
export interface DatasetSummary {
  name: string;
  latestVersion: number;
  versions: number;
  creationTime: number;
  lastUpdateTime: number;
}

export interface DatasetVersionInfo {
  name: string;
  version: number;
  hash: string;
  kind: 'file' | 'dir';
  size: number;
  files: number;
  rows: number | null;
  format: string | null;
  sourcePath: string;
  userId: string | null;
  creationTime: number;
}

export interface ColumnSchema {
  name: string;
  type: string;
  nullable: boolean;
  maxMissingRate: number;
  domain?: (string | boolean)[];
  min?: number;
  max?: number;
}

export interface ColumnProfileView {
  name: string;
  type: string;
  count: number;
  missing: number;
  numeric: { count: number; mean: number; min: number; max: number } | null;
  summary: {
    stddev: number | null;
    quantiles: { q: number; value: number }[];
    histogram: { edges: number[]; counts: number[] } | null;
    distinct: number;
    topK: { value: string | number | boolean; count: number }[];
  };
}

export interface DatasetVersion extends DatasetVersionInfo {
  schema: { columns: ColumnSchema[] } | null;
  profile: { rows: number; columns: ColumnProfileView[] } | null;
  runs: { runId: string; experimentId: string; context: string | null }[];
}

export interface DeploymentRoute {
  model: string;
  weight: number;
}

export interface DeploymentShadow {
  model: string;
  percent: number;
}

export interface RouteStatus {
  model: string;
  shadow: boolean;
  version?: string;
  state: 'loading' | 'ready' | 'failed';
  message?: string;
}

export interface Deployment {
  name: string;
  model: string;
  routes: DeploymentRoute[];
  shadows: DeploymentShadow[];
  stickyHeader?: string;
  batching: { maxBatchSize: number; maxQueueDelayMs: number; maxQueueSize: number; timeoutMs: number };
  revision: number;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  status: { state: 'loading' | 'ready' | 'degraded' | 'failed' | 'not_served'; routes: RouteStatus[] };
}

export interface DeploymentEvent {
  name: string;
  seq: number;
  kind: 'created' | 'routes' | 'rollback';
  routes: DeploymentRoute[];
  shadows: DeploymentShadow[];
  previousSeq?: number;
  actor: string;
  timestamp: number;
}

import type { Generated, Selectable } from 'kysely';

/** Row types of the metadata store; times are Unix milliseconds, ids of runs are 32-hex strings. */
export interface ExperimentTable {
  experiment_id: Generated<number>;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
  deleted_time: number | null;
}

export interface KeyValueTable {
  key: string;
  value: string;
}

export interface ExperimentTagTable extends KeyValueTable {
  experiment_id: number;
}

export interface RunTable {
  run_id: string;
  experiment_id: number;
  name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  lifecycle_stage: string;
  artifact_uri: string;
  deleted_time: number | null;
}

export interface RunKeyValueTable extends KeyValueTable {
  run_id: string;
}

/** A `latest_metrics` row, and a metric point as the ingest path receives it (before its series id is known). */
export interface MetricTable {
  run_id: string;
  key: string;
  value: number;
  timestamp: number;
  step: number;
  is_nan: number;
}

/** One metric of one run; its points live in `metric_chunks` under this integer id. */
export interface MetricSeriesTable {
  series_id: Generated<number>;
  run_id: string;
  key: string;
}

/** Points of one series logged together, encoded by `store/metric-chunks.ts`. */
export interface MetricChunkTable {
  chunk_id: Generated<number>;
  series_id: number;
  min_step: number;
  max_step: number;
  points: number;
  data: Uint8Array;
}

export interface DatasetTable {
  dataset_uuid: string;
  experiment_id: number;
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema: string | null;
  profile: string | null;
}

export interface RunInputTable {
  run_id: string;
  dataset_uuid: string;
  tags: string;
  /** The `mlflow.data.context` input tag (training, eval, ...), kept as a column for search. */
  context: string | null;
}

export interface RunModelTable {
  run_id: string;
  model_id: string;
  direction: string;
  step: number;
}

export interface LoggedModelTable {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_location: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  status: string;
  status_message: string | null;
  lifecycle_stage: string;
  model_type: string | null;
  source_run_id: string | null;
}

export interface LoggedModelKeyValueTable extends KeyValueTable {
  model_id: string;
}

export interface LoggedModelMetricTable {
  model_id: string;
  key: string;
  value: number;
  timestamp: number;
  step: number;
  run_id: string | null;
  dataset_name: string | null;
  dataset_digest: string | null;
}

export interface RegisteredModelTable {
  name: string;
  description: string | null;
  user_id: string | null;
  creation_timestamp: number;
  last_updated_timestamp: number;
  next_version: number;
}

export interface RegisteredModelTagTable extends KeyValueTable {
  name: string;
}

export interface ModelVersionTable {
  name: string;
  version: number;
  description: string | null;
  user_id: string | null;
  creation_timestamp: number;
  last_updated_timestamp: number;
  current_stage: string;
  /** The source as the client gave it (runs:/…, models:/m-…, mlflow-artifacts:/…). */
  source: string;
  /** Where the files are: always a proxied mlflow-artifacts:/ URI inside the artifact store. */
  storage_location: string;
  run_id: string | null;
  run_link: string | null;
  model_id: string | null;
  status: string;
  status_message: string | null;
}

export interface ModelVersionTagTable extends KeyValueTable {
  name: string;
  version: number;
}

export interface ModelAliasTable {
  name: string;
  alias: string;
  version: number;
}

export interface ModelAliasEventTable {
  name: string;
  alias: string;
  seq: number;
  from_version: number | null;
  to_version: number | null;
  actor: string;
  timestamp: number;
}

export interface UserTable {
  name: string;
  password_hash: string | null;
  role: string;
  created_at: number;
  updated_at: number;
}

export interface TokenTable {
  id: string;
  user_name: string;
  name: string;
  /** sha256 of the secret: tokens are shown once and stored hashed. */
  secret_hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface PermissionTable {
  resource_type: string;
  resource_id: string;
  user_name: string;
  permission: string;
}

export interface AuditTable {
  id: Generated<number>;
  timestamp: number;
  actor: string;
  method: string;
  path: string;
  status: number;
  resource: string | null;
  ip: string | null;
}

export interface DeploymentTable {
  name: string;
  model_name: string;
  spec: string;
  revision: number;
  creation_timestamp: number;
  last_updated_timestamp: number;
}

export interface DeploymentEventTable {
  name: string;
  seq: number;
  kind: string;
  spec: string;
  previous_seq: number | null;
  actor: string;
  timestamp: number;
}

export interface DatasetNameTable {
  name: string;
  next_version: number;
  creation_time: number;
  last_update_time: number;
}

/** One version of a dataset; `schema` and `profile` are JSON text. */
export interface DatasetVersionTable {
  name: string;
  version: number;
  hash: string;
  kind: string;
  size: number;
  files: number;
  rows: number | null;
  format: string | null;
  schema: string | null;
  profile: string | null;
  source_path: string;
  user_id: string | null;
  creation_time: number;
}

/** Live monitoring (migration 006); JSON columns are text. */
export interface MonitorConfigTable {
  deployment: string;
  config: string;
  updated_at: number;
}

export interface MonitorWindowTable {
  deployment: string;
  model_version: string;
  shadow: number;
  window_start: number;
  replica: string;
  model: string;
  window_ms: number;
  requests: number;
  errors: number;
  inputs: string;
  outputs: string;
  latency: string | null;
  updated_at: number;
}

export interface MonitorPredictionTable {
  prediction_id: string;
  shadow: number;
  deployment: string;
  model_version: string;
  timestamp: number;
  window_start: number;
  output: string;
  groups: string | null;
  label: string | null;
  label_time: number | null;
}

export interface MonitorEvaluationTable {
  deployment: string;
  window_start: number;
  window_ms: number;
  evaluator: string;
  result: string | null;
  evaluated_at: number;
}

export interface MonitorAlertTable {
  id: string;
  deployment: string;
  rule: string;
  kind: string;
  window_start: number;
  window_end: number;
  value: number;
  bound: number | null;
  message: string;
  deliveries: string;
  created_at: number;
}

export interface Database {
  monitor_configs: MonitorConfigTable;
  monitor_windows: MonitorWindowTable;
  monitor_predictions: MonitorPredictionTable;
  monitor_evaluations: MonitorEvaluationTable;
  monitor_alerts: MonitorAlertTable;
  dataset_names: DatasetNameTable;
  dataset_versions: DatasetVersionTable;
  deployments: DeploymentTable;
  deployment_events: DeploymentEventTable;
  users: UserTable;
  tokens: TokenTable;
  permissions: PermissionTable;
  audit_log: AuditTable;
  registered_models: RegisteredModelTable;
  registered_model_tags: RegisteredModelTagTable;
  model_versions: ModelVersionTable;
  model_version_tags: ModelVersionTagTable;
  model_aliases: ModelAliasTable;
  model_alias_events: ModelAliasEventTable;
  experiments: ExperimentTable;
  experiment_tags: ExperimentTagTable;
  runs: RunTable;
  params: RunKeyValueTable;
  tags: RunKeyValueTable;
  metric_series: MetricSeriesTable;
  metric_chunks: MetricChunkTable;
  latest_metrics: MetricTable;
  datasets: DatasetTable;
  run_inputs: RunInputTable;
  run_models: RunModelTable;
  logged_models: LoggedModelTable;
  logged_model_tags: LoggedModelKeyValueTable;
  logged_model_params: LoggedModelKeyValueTable;
  logged_model_metrics: LoggedModelMetricTable;
}

export type ExperimentRow = Selectable<ExperimentTable>;

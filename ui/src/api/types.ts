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

/** A version's profile checked against an earlier version's schema (`GET …/versions/{ref}/validation`). */
export interface DatasetValidation {
  version: number;
  against: number | null;
  rows: number | null;
  anomalies: {
    rule: string;
    column: string;
    count: number;
    approximate?: string;
    expected: string;
    found: string;
    message: string;
  }[];
  note?: string;
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

/** A pipeline run as `mloop repro` recorded it (GET /api/v1/pipeline-runs). */
export interface PipelineRunSummary {
  runId: string;
  experimentId: string;
  status: 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
  startTime: number;
  endTime?: number;
  userId: string;
  gitCommit?: string;
  gitBranch?: string;
  /** Stages by outcome: ran, restored, up-to-date, failed, blocked, interrupted, not-run, not-selected, running. */
  counts: Record<string, number>;
}

export type StageStatus =
  | 'up-to-date'
  | 'restored'
  | 'ran'
  | 'failed'
  | 'blocked'
  | 'interrupted'
  | 'not-run'
  | 'not-selected'
  | 'running';

export interface PipelineStage {
  name: string;
  upstream: string[];
  status: StageStatus;
  durationMs: number;
  attempts: number;
  cmd: string;
  key?: string;
  run?: string;
  error?: string;
  log?: string[];
  attemptRuns: {
    runId: string;
    attempt: number;
    status: string;
    how?: string;
    startTime: number;
    endTime?: number;
    error?: string;
  }[];
  metrics: Record<string, number>;
  outs: { path: string; hash: string }[];
}

export interface PipelineRunDetail extends PipelineRunSummary {
  recorded: boolean;
  stages: PipelineStage[];
}

export interface ColumnDriftView {
  method: string;
  score: number;
  statistic: number;
  threshold: number;
  drifted: boolean;
}

export type MetricValues = Record<string, number | null>;

export interface FairnessView {
  column: string;
  groups: { group: string; count: number; selection_rate?: number }[];
  [metric: string]: unknown;
}

/** One monitoring window of one model version (GET /deployments/{name}/monitoring/windows). */
export interface MonitorWindow {
  start: number;
  end: number;
  model: string;
  modelVersion: string;
  shadow: boolean;
  replicas: number;
  requests: number;
  errors: number;
  errorRate: number;
  rows: number;
  latencyMs: { mean: number; p50: number; p99: number } | null;
  inputs?: { rows: number; columns: ColumnProfileView[] };
  performance: {
    task: 'classification' | 'regression';
    rows: number;
    labeledRows: number;
    metrics: MetricValues | null;
    estimated: MetricValues | null;
    bias: FairnessView | null;
  } | null;
  drift: {
    share: number;
    shareThreshold: number;
    drifted: boolean;
    driftedColumns: string[];
    columns: Record<string, ColumnDriftView>;
    skipped: { column: string; reason: string }[];
  } | null;
  reference: { dataset: string; source: 'lineage' | 'config' } | null;
}

export interface MonitorConfig {
  windowMs: number;
  sensitiveColumn: string | null;
  alerts: { name: string; kind: string; feature?: string; metric?: string; above?: number; below?: number }[];
  [key: string]: unknown;
}

export interface MonitorAlert {
  id: string;
  deployment: string;
  rule: string;
  kind: string;
  windowStart: number;
  windowEnd: number;
  value: number | null;
  bound: number | null;
  message: string;
  createdAt: number;
}

export interface LoopEvent {
  runId: string;
  seq: number;
  model: string;
  kind: string;
  state: string;
  message: string;
  actor: string;
  timestamp: number;
}

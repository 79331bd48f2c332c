import { getJson, postJson } from './http';
import type {
  AliasEvent,
  ArtifactFile,
  DatasetSummary,
  DatasetValidation,
  DatasetVersion,
  DatasetVersionInfo,
  Deployment,
  DeploymentEvent,
  Experiment,
  LineageGraph,
  LoopEvent,
  ModelVersion,
  MonitorAlert,
  MonitorConfig,
  MonitorWindow,
  Page,
  PipelineRunDetail,
  PipelineRunSummary,
  RegisteredModel,
  Run,
  WireMetric,
  WireNumber,
} from './types';

/** MLflow's REST API as its own UI calls it (`/ajax-api`), plus the native `/api/v1` where MLflow has no call. */
const MLFLOW = '/ajax-api/2.0/mlflow';
const NATIVE = '/api/v1';
const ARTIFACT_PROXY = '/api/2.0/mlflow-artifacts/artifacts';

export const toNumber = (v: WireNumber): number =>
  typeof v === 'number' ? v : v === 'NaN' ? Number.NaN : v === 'Infinity' ? Infinity : -Infinity;

export async function searchExperiments(
  opts: { filter?: string; pageToken?: string; maxResults?: number },
  signal?: AbortSignal,
): Promise<Page<Experiment>> {
  const r = await postJson<{ experiments?: Experiment[]; next_page_token?: string }>(
    `${MLFLOW}/experiments/search`,
    {
      max_results: opts.maxResults ?? 1000,
      order_by: ['last_update_time DESC'],
      ...(opts.filter ? { filter: opts.filter } : {}),
      ...(opts.pageToken ? { page_token: opts.pageToken } : {}),
    },
    signal,
  );
  return page(r.experiments, r.next_page_token);
}

export async function getExperiment(id: string, signal?: AbortSignal): Promise<Experiment> {
  return (
    await getJson<{ experiment: Experiment }>(`${MLFLOW}/experiments/get`, { experiment_id: id }, signal)
  ).experiment;
}

export async function searchRuns(
  opts: {
    experimentIds: string[];
    filter?: string;
    orderBy?: string[];
    pageToken?: string;
    maxResults: number;
  },
  signal?: AbortSignal,
): Promise<Page<Run>> {
  const r = await postJson<{ runs?: Run[]; next_page_token?: string }>(
    `${MLFLOW}/runs/search`,
    {
      experiment_ids: opts.experimentIds,
      max_results: opts.maxResults,
      ...(opts.filter ? { filter: opts.filter } : {}),
      ...(opts.orderBy?.length ? { order_by: opts.orderBy } : {}),
      ...(opts.pageToken ? { page_token: opts.pageToken } : {}),
    },
    signal,
  );
  return page(r.runs, r.next_page_token);
}

export async function getRun(runId: string, signal?: AbortSignal): Promise<Run> {
  return (await getJson<{ run: Run }>(`${MLFLOW}/runs/get`, { run_id: runId }, signal)).run;
}

export interface MetricPoint {
  runId: string;
  step: number;
  timestamp: number;
  value: number;
}

/** A metric of up to 100 runs, down-sampled by the server to at most `maxResults` steps per run. */
export async function metricHistory(
  opts: { runIds: string[]; key: string; maxResults: number; startStep?: number; endStep?: number },
  signal?: AbortSignal,
): Promise<MetricPoint[]> {
  const r = await getJson<{ metrics?: (WireMetric & { run_id: string })[] }>(
    `${MLFLOW}/metrics/get-history-bulk-interval`,
    {
      run_ids: opts.runIds,
      metric_key: opts.key,
      max_results: opts.maxResults,
      start_step: opts.startStep,
      end_step: opts.endStep,
    },
    signal,
  );
  return (r.metrics ?? []).map((m) => ({
    runId: m.run_id,
    step: m.step,
    timestamp: m.timestamp,
    value: toNumber(m.value),
  }));
}

export async function listArtifacts(
  runId: string,
  path: string,
  signal?: AbortSignal,
): Promise<{ rootUri: string; files: ArtifactFile[] }> {
  const r = await getJson<{ root_uri?: string; files?: ArtifactFile[] }>(
    `${MLFLOW}/artifacts/list`,
    { run_id: runId, ...(path ? { path } : {}) },
    signal,
  );
  return { rootUri: r.root_uri ?? '', files: r.files ?? [] };
}

/** Download URL of a run's artifact through the server's artifact proxy. */
export function artifactUrl(artifactUri: string, path: string): string {
  const root = artifactUri.replace(/^mlflow-artifacts:\/*/, '');
  const encoded = `${root}/${path}`.split('/').map(encodeURIComponent).join('/');
  return `${ARTIFACT_PROXY}/${encoded}`;
}

export async function searchModels(
  opts: { filter?: string; pageToken?: string; maxResults?: number },
  signal?: AbortSignal,
): Promise<Page<RegisteredModel>> {
  const r = await postJson<{ registered_models?: RegisteredModel[]; next_page_token?: string }>(
    `${MLFLOW}/registered-models/search`,
    {
      max_results: opts.maxResults ?? 100,
      order_by: ['name ASC'],
      ...(opts.filter ? { filter: opts.filter } : {}),
      ...(opts.pageToken ? { page_token: opts.pageToken } : {}),
    },
    signal,
  );
  return page(r.registered_models, r.next_page_token);
}

export async function getModel(name: string, signal?: AbortSignal): Promise<RegisteredModel> {
  return (
    await getJson<{ registered_model: RegisteredModel }>(`${MLFLOW}/registered-models/get`, { name }, signal)
  ).registered_model;
}

export async function searchVersions(
  opts: { filter: string; pageToken?: string; maxResults?: number },
  signal?: AbortSignal,
): Promise<Page<ModelVersion>> {
  const r = await postJson<{ model_versions?: ModelVersion[]; next_page_token?: string }>(
    `${MLFLOW}/model-versions/search`,
    {
      filter: opts.filter,
      max_results: opts.maxResults ?? 200,
      order_by: ['version_number DESC'],
      ...(opts.pageToken ? { page_token: opts.pageToken } : {}),
    },
    signal,
  );
  return page(r.model_versions, r.next_page_token);
}

export async function getVersion(name: string, version: string, signal?: AbortSignal): Promise<ModelVersion> {
  return (
    await getJson<{ model_version: ModelVersion }>(`${MLFLOW}/model-versions/get`, { name, version }, signal)
  ).model_version;
}

export async function aliasHistory(name: string, signal?: AbortSignal): Promise<AliasEvent[]> {
  return (
    await getJson<{ items: AliasEvent[] }>(
      `${NATIVE}/registered-models/${encodeURIComponent(name)}/aliases/history`,
      {},
      signal,
    )
  ).items;
}

export async function lineage(name: string, version: string, signal?: AbortSignal): Promise<LineageGraph> {
  return getJson<LineageGraph>(
    `${NATIVE}/lineage/model-versions/${encodeURIComponent(name)}/${encodeURIComponent(version)}`,
    {},
    signal,
  );
}

const seg = encodeURIComponent;

export async function listDatasets(signal?: AbortSignal): Promise<DatasetSummary[]> {
  return (await getJson<{ items: DatasetSummary[] }>(`${NATIVE}/datasets`, {}, signal)).items;
}

export async function datasetVersions(name: string, signal?: AbortSignal): Promise<DatasetVersionInfo[]> {
  return (
    await getJson<{ items: DatasetVersionInfo[] }>(`${NATIVE}/datasets/${seg(name)}/versions`, {}, signal)
  ).items;
}

/** A version with its schema, profile and the runs that read it; `ref` is a number or `latest`. */
export const datasetVersion = (name: string, ref: string, signal?: AbortSignal): Promise<DatasetVersion> =>
  getJson<DatasetVersion>(`${NATIVE}/datasets/${seg(name)}/versions/${seg(ref)}`, {}, signal);

/** The version's profile against the schema of the version before it. */
export const datasetValidation = (
  name: string,
  ref: string,
  signal?: AbortSignal,
): Promise<DatasetValidation> =>
  getJson<DatasetValidation>(`${NATIVE}/datasets/${seg(name)}/versions/${seg(ref)}/validation`, {}, signal);

export async function listDeployments(signal?: AbortSignal): Promise<Deployment[]> {
  return (await getJson<{ items: Deployment[] }>(`${NATIVE}/deployments`, {}, signal)).items;
}

export const getDeployment = (name: string, signal?: AbortSignal): Promise<Deployment> =>
  getJson<Deployment>(`${NATIVE}/deployments/${seg(name)}`, {}, signal);

export async function deploymentEvents(name: string, signal?: AbortSignal): Promise<DeploymentEvent[]> {
  return (
    await getJson<{ items: DeploymentEvent[] }>(`${NATIVE}/deployments/${seg(name)}/events`, {}, signal)
  ).items;
}

export async function listPipelineRuns(
  filter: { status?: string; maxResults?: number; pageToken?: string },
  signal?: AbortSignal,
): Promise<Page<PipelineRunSummary>> {
  const got = await getJson<Page<PipelineRunSummary>>(`${NATIVE}/pipeline-runs`, filter, signal);
  return page(got.items, got.nextPageToken);
}

export const getPipelineRun = (id: string, signal?: AbortSignal): Promise<PipelineRunDetail> =>
  getJson<PipelineRunDetail>(`${NATIVE}/pipeline-runs/${seg(id)}`, {}, signal);

export const monitorConfig = (deployment: string, signal?: AbortSignal): Promise<MonitorConfig> =>
  getJson<MonitorConfig>(`${NATIVE}/deployments/${seg(deployment)}/monitoring`, {}, signal);

/** Windows that start in [from, to); with `profiles`, each window's merged input profile too. */
export async function monitorWindows(
  deployment: string,
  query: { from: number; to: number; modelVersion?: string; profiles?: boolean },
  signal?: AbortSignal,
): Promise<MonitorWindow[]> {
  return (
    await getJson<{ items: MonitorWindow[] }>(
      `${NATIVE}/deployments/${seg(deployment)}/monitoring/windows`,
      query,
      signal,
    )
  ).items;
}

export async function monitorAlerts(
  deployment: string,
  range: { from: number; to: number },
  signal?: AbortSignal,
): Promise<MonitorAlert[]> {
  return (
    await getJson<{ items: MonitorAlert[] }>(
      `${NATIVE}/alerts`,
      { deployment, ...range, maxResults: 1000 },
      signal,
    )
  ).items;
}

export async function loopEvents(model: string, signal?: AbortSignal): Promise<LoopEvent[]> {
  return (await getJson<{ items: LoopEvent[] }>(`${NATIVE}/loops/${seg(model)}/events`, {}, signal)).items;
}

/** The server's Prometheus exposition (`/metrics`), as text. */
export async function prometheusText(signal?: AbortSignal): Promise<string> {
  const res = await fetch('/metrics', { signal: signal ?? null, headers: { accept: 'text/plain' } });
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}.`);
  return res.text();
}

/** A string literal of MLflow's search grammar. */
export const quote = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function page<T>(items: T[] | undefined, nextPageToken: string | undefined): Page<T> {
  return nextPageToken ? { items: items ?? [], nextPageToken } : { items: items ?? [] };
}

import { decodeJsonNumber, encodeJsonNumber } from '../core/json-number.js';
import type {
  DatasetRunRef,
  DatasetSummary,
  DatasetVersion,
  DatasetVersionInfo,
  RecordVersionInput,
} from '../data/types.js';
import type { LoopStatus } from '../loop/routes.js';
import type { LoopEvent, LoopRun } from '../loop/types.js';
import type { PublicMonitorConfig } from '../monitor/config.js';
import type { Alert } from '../monitor/evaluator.js';
import type { MonitorReport } from '../monitor/monitoring-service.js';
import type { WindowReport } from '../monitor/report.js';
import type { MetricJson, RunJson } from '../tracking/json.js';
import { MloopApiError, MloopConnectionError, networkReason } from './errors.js';
import type {
  AliasEvent,
  ArtifactListing,
  AuditEntry,
  ClientOptions,
  CreateDeploymentInput,
  CreateExperimentInput,
  CreateModelVersionInput,
  CreateRegisteredModelInput,
  CreateRunInput,
  CreateRunOptions,
  DeploymentEvent,
  DeploymentView,
  Experiment,
  LineageGraph,
  ListExperimentsOptions,
  LogBatchInput,
  LogInputsInput,
  Metric,
  ModelVersion,
  Page,
  PageOptions,
  RegisteredModel,
  Role,
  Run,
  RunInfo,
  SearchRunsInput,
  TokenInfo,
  UpdateRunInput,
  User,
} from './types.js';

type Query = Record<string, string | number | string[] | undefined>;

/**
 * A typed client of mloop's native API (`/api/v1`, described at `/api/v1/openapi.json`). Every method is one HTTP
 * request; a non-2xx answer throws `MloopApiError`, no answer at all throws `MloopConnectionError`.
 */
export class MloopClient {
  readonly baseUrl: string;
  readonly #fetch: typeof fetch;
  readonly #headers: Record<string, string>;
  readonly #git: boolean;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#headers = { ...(options.actor ? { 'x-mloop-actor': options.actor } : {}), ...options.headers };
    this.#git = options.git ?? true;
  }

  listExperiments(options: ListExperimentsOptions = {}): Promise<Page<Experiment>> {
    return this.#request('GET', '/experiments', { query: { ...options } });
  }

  createExperiment(input: CreateExperimentInput): Promise<Experiment> {
    return this.#request('POST', '/experiments', { body: input });
  }

  getExperiment(experimentId: string): Promise<Experiment> {
    return this.#request('GET', `/experiments/${seg(experimentId)}`);
  }

  getExperimentByName(name: string): Promise<Experiment> {
    return this.#request('GET', `/experiments/by-name/${seg(name)}`);
  }

  renameExperiment(experimentId: string, name: string): Promise<Experiment> {
    return this.#request('PATCH', `/experiments/${seg(experimentId)}`, { body: { name } });
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.#request('DELETE', `/experiments/${seg(experimentId)}`);
  }

  restoreExperiment(experimentId: string): Promise<Experiment> {
    return this.#request('POST', `/experiments/${seg(experimentId)}/restore`);
  }

  /**
   * Starts a run. Inside a git repository it records the commit (`mlflow.source.git.commit`), whether the tracked
   * files differ from it (`mloop.source.git.dirty`), the branch and the entry script, unless `git: false` is
   * given; tags passed in `input` take precedence.
   */
  async createRun(input: CreateRunInput = {}, options: CreateRunOptions = {}): Promise<Run> {
    let tags = input.tags;
    if (options.git ?? this.#git) {
      // Imported on demand: it needs node:child_process, which other runtimes of the SDK may lack.
      const { gitContext, gitTags } = await import('./git.js');
      const context = await gitContext(options.cwd);
      if (context) {
        const given = new Set((tags ?? []).map((t) => t.key));
        tags = [...(tags ?? []), ...gitTags(context).filter((t) => !given.has(t.key))];
      }
    }
    const run = await this.#request<RunJson>('POST', '/runs', {
      body: { ...input, ...(tags ? { tags } : {}) },
    });
    return decodeRun(run);
  }

  async getRun(runId: string): Promise<Run> {
    return decodeRun(await this.#request<RunJson>('GET', `/runs/${seg(runId)}`));
  }

  /** Metric timestamps default to now. */
  updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo> {
    const now = Date.now();
    const metrics = input.metrics?.map((m) => ({ ...m, timestamp: m.timestamp ?? now }));
    return this.#request('PATCH', `/runs/${seg(runId)}`, {
      body: { ...input, ...(metrics ? { metrics } : {}) },
    });
  }

  /** Ends a run: status FINISHED (or the one given) and end time now, with a last batch of results if given. */
  finishRun(
    runId: string,
    status: UpdateRunInput['status'] = 'FINISHED',
    batch: LogBatchInput = {},
  ): Promise<RunInfo> {
    return this.updateRun(runId, { ...batch, status, endTime: Date.now() });
  }

  async deleteRun(runId: string): Promise<void> {
    await this.#request('DELETE', `/runs/${seg(runId)}`);
  }

  restoreRun(runId: string): Promise<RunInfo> {
    return this.#request('POST', `/runs/${seg(runId)}/restore`);
  }

  /** Logs metrics, params and tags in one all-or-nothing request; metric timestamps default to now. */
  async logBatch(runId: string, input: LogBatchInput): Promise<void> {
    const now = Date.now();
    const metrics = input.metrics?.map((m) => ({ ...m, timestamp: m.timestamp ?? now }));
    await this.#request('POST', `/runs/${seg(runId)}/batch`, {
      body: { ...input, ...(metrics ? { metrics } : {}) },
    });
  }

  logMetric(runId: string, key: string, value: number, step?: number): Promise<void> {
    return this.logBatch(runId, { metrics: [{ key, value, ...(step === undefined ? {} : { step }) }] });
  }

  logParams(runId: string, params: Record<string, string | number | boolean>): Promise<void> {
    return this.logBatch(runId, {
      params: Object.entries(params).map(([key, value]) => ({ key, value: String(value) })),
    });
  }

  setTags(runId: string, tags: Record<string, string>): Promise<void> {
    return this.logBatch(runId, { tags: Object.entries(tags).map(([key, value]) => ({ key, value })) });
  }

  async logInputs(runId: string, input: LogInputsInput): Promise<void> {
    await this.#request('POST', `/runs/${seg(runId)}/inputs`, { body: input });
  }

  async searchRuns(input: SearchRunsInput): Promise<Page<Run>> {
    const page = await this.#request<Page<RunJson>>('POST', '/runs/search', { body: input });
    return { ...page, items: page.items.map(decodeRun) };
  }

  async getMetricHistory(runId: string, key: string, options: PageOptions = {}): Promise<Page<Metric>> {
    const page = await this.#request<Page<MetricJson>>('GET', `/runs/${seg(runId)}/metrics/${seg(key)}`, {
      query: { ...options },
    });
    return { ...page, items: page.items.map(decodeMetric) };
  }

  listArtifacts(runId: string, path?: string): Promise<ArtifactListing> {
    return this.#request('GET', `/runs/${seg(runId)}/artifacts`, { query: { path } });
  }

  listDatasets(): Promise<DatasetSummary[]> {
    return this.#request<{ items: DatasetSummary[] }>('GET', '/datasets').then((r) => r.items);
  }

  listDatasetVersions(name: string): Promise<DatasetVersionInfo[]> {
    return this.#request<{ items: DatasetVersionInfo[] }>('GET', `/datasets/${seg(name)}/versions`).then(
      (r) => r.items,
    );
  }

  /** A version by number, hash prefix or 'latest', with the runs that logged it as an input. */
  getDatasetVersion(name: string, ref: string | number): Promise<DatasetVersion & { runs: DatasetRunRef[] }> {
    return this.#request('GET', `/datasets/${seg(name)}/versions/${seg(String(ref))}`);
  }

  /** Records a version whose content is already stored; `created` is false when the content was a version already. */
  recordDatasetVersion(
    name: string,
    input: RecordVersionInput,
  ): Promise<DatasetVersion & { created: boolean }> {
    return this.#request('POST', `/datasets/${seg(name)}/versions`, { body: input });
  }

  /** The hashes whose content the store lacks. */
  async missingContent(hashes: readonly string[]): Promise<string[]> {
    const missing: string[] = [];
    for (let i = 0; i < hashes.length; i += 10_000) {
      const r = await this.#request<{ missing: string[] }>('POST', '/dataset-content/missing', {
        body: { hashes: hashes.slice(i, i + 10_000) },
      });
      missing.push(...r.missing);
    }
    return missing;
  }

  /** Uploads content; the server refuses it unless the bytes hash to `hash`. */
  async putContent(
    hash: string,
    body: Uint8Array | ReadableStream<Uint8Array>,
  ): Promise<{ hash: string; size: number; stored: boolean }> {
    const response = await this.#send('PUT', `/dataset-content/${seg(hash)}`, {
      body,
      headers: { 'content-type': 'application/octet-stream' },
    });
    return (await this.#json(response, 'PUT', `/dataset-content/${hash}`)) as {
      hash: string;
      size: number;
      stored: boolean;
    };
  }

  /** Downloads content by hash as a byte stream. */
  async getContent(hash: string): Promise<ReadableStream<Uint8Array>> {
    const response = await this.#send('GET', `/dataset-content/${seg(hash)}`, {});
    if (!response.ok) await this.#json(response, 'GET', `/dataset-content/${hash}`);
    if (!response.body)
      throw new MloopApiError(response.status, 'INVALID_RESPONSE', `No content for ${hash}.`);
    return response.body;
  }

  /**
   * Records a dataset version as an input of a run, in MLflow's dataset shape (name, digest, source type, source,
   * schema, profile), so the MLflow UI and clients see it too.
   */
  async logDatasetInput(runId: string, version: DatasetVersion, context = 'training'): Promise<void> {
    const { datasetInput } = await import('../data/lineage.js');
    await this.logInputs(runId, { datasets: [datasetInput(version, context)] });
  }

  /**
   * Uploads one file below an artifact location (a run's `artifactUri` or a model version's `storageLocation`,
   * `mlflow-artifacts:/…`) through the server's artifact proxy, as MLflow clients do.
   */
  async putArtifact(location: string, path: string, body: Uint8Array): Promise<void> {
    const url = this.#proxyUrl(location, path);
    const response = await this.#sendTo(url, 'PUT', {
      body,
      headers: { 'content-type': 'application/octet-stream' },
    });
    await this.#json(response, 'PUT', url);
  }

  /** Downloads one file below an artifact location through the artifact proxy. */
  async getArtifact(location: string, path: string): Promise<Uint8Array> {
    const url = this.#proxyUrl(location, path);
    const response = await this.#sendTo(url, 'GET', {});
    if (!response.ok) await this.#json(response, 'GET', url);
    return new Uint8Array(await response.arrayBuffer());
  }

  #proxyUrl(location: string, path: string): string {
    const prefix = 'mlflow-artifacts:/';
    if (!location.startsWith(prefix))
      throw new MloopApiError(
        400,
        'INVALID_PARAMETER_VALUE',
        `Artifact location ${JSON.stringify(location)} is not served through the artifact proxy: expected ${prefix}<path>.`,
      );
    const segments = [...location.slice(prefix.length).split('/'), ...path.split('/')].filter(Boolean);
    return `${this.baseUrl}/api/2.0/mlflow-artifacts/artifacts/${segments.map(encodeURIComponent).join('/')}`;
  }

  /** The OpenAPI document of the server's native API. */
  listRegisteredModels(
    options: PageOptions & { filter?: string; orderBy?: string[] } = {},
  ): Promise<Page<RegisteredModel>> {
    return this.#request('GET', '/registered-models', { query: { ...options } });
  }

  createRegisteredModel(input: CreateRegisteredModelInput): Promise<RegisteredModel> {
    return this.#request('POST', '/registered-models', { body: input });
  }

  getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.#request('GET', `/registered-models/${seg(name)}`);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.#request('DELETE', `/registered-models/${seg(name)}`);
  }

  listModelVersions(name: string, options: PageOptions = {}): Promise<Page<ModelVersion>> {
    return this.#request('GET', `/registered-models/${seg(name)}/versions`, { query: { ...options } });
  }

  createModelVersion(name: string, input: CreateModelVersionInput): Promise<ModelVersion> {
    return this.#request('POST', `/registered-models/${seg(name)}/versions`, { body: input });
  }

  /** A version by number, `@alias`, `latest` or stage name. */
  getModelVersion(name: string, ref: string): Promise<ModelVersion> {
    return this.#request('GET', `/registered-models/${seg(name)}/versions/${seg(ref)}`);
  }

  setAlias(name: string, alias: string, version: string): Promise<AliasEvent> {
    return this.#request('PUT', `/registered-models/${seg(name)}/aliases/${seg(alias)}`, {
      body: { version },
    });
  }

  deleteAlias(name: string, alias: string): Promise<AliasEvent> {
    return this.#request('DELETE', `/registered-models/${seg(name)}/aliases/${seg(alias)}`);
  }

  aliasHistory(name: string, alias?: string): Promise<{ items: AliasEvent[] }> {
    return this.#request('GET', `/registered-models/${seg(name)}/aliases/history`, { query: { alias } });
  }

  lineage(name: string, ref: string): Promise<LineageGraph> {
    return this.#request('GET', `/lineage/model-versions/${seg(name)}/${seg(ref)}`);
  }

  whoAmI(): Promise<{ user: string; role: Role; via: string }> {
    return this.#request('GET', '/whoami');
  }

  listUsers(): Promise<{ items: User[] }> {
    return this.#request('GET', '/users');
  }

  addUser(input: { name: string; role: Role; password?: string }): Promise<User> {
    return this.#request('POST', '/users', { body: input });
  }

  async removeUser(name: string): Promise<void> {
    await this.#request('DELETE', `/users/${seg(name)}`);
  }

  /** The returned `token` is the secret; it is shown only in this answer. */
  createToken(
    input: { name?: string; expiresInDays?: number; user?: string } = {},
  ): Promise<TokenInfo & { token: string }> {
    return this.#request('POST', '/tokens', { body: input });
  }

  listTokens(options: { user?: string; all?: boolean } = {}): Promise<{ items: TokenInfo[] }> {
    return this.#request('GET', '/tokens', {
      query: { user: options.user, all: options.all ? 'true' : undefined },
    });
  }

  revokeToken(id: string): Promise<TokenInfo> {
    return this.#request('DELETE', `/tokens/${seg(id)}`);
  }

  listAudit(
    options: { since?: number; user?: string; limit?: number } = {},
  ): Promise<{ items: AuditEntry[] }> {
    return this.#request('GET', '/audit', { query: { ...options } });
  }

  listDeployments(): Promise<{ items: DeploymentView[] }> {
    return this.#request('GET', '/deployments');
  }

  createDeployment(input: CreateDeploymentInput): Promise<DeploymentView> {
    return this.#request('POST', '/deployments', { body: input });
  }

  getDeployment(name: string): Promise<DeploymentView> {
    return this.#request('GET', `/deployments/${seg(name)}`);
  }

  async deleteDeployment(name: string): Promise<void> {
    await this.#request('DELETE', `/deployments/${seg(name)}`);
  }

  /** Replaces the routes (and shadow routes) of a deployment; the change is recorded and can be rolled back. */
  setDeploymentRoutes(
    name: string,
    input: { routes: { model: string; weight: number }[]; shadows?: { model: string; percent: number }[] },
  ): Promise<DeploymentView> {
    return this.#request('PUT', `/deployments/${seg(name)}/routes`, { body: input });
  }

  /** Back to the routes the current ones replaced. */
  rollbackDeployment(name: string): Promise<DeploymentView> {
    return this.#request('POST', `/deployments/${seg(name)}/rollback`);
  }

  deploymentEvents(name: string): Promise<{ items: DeploymentEvent[] }> {
    return this.#request('GET', `/deployments/${seg(name)}/events`);
  }

  // ── continuous training (loops) ──

  listLoops(): Promise<{ items: LoopStatus[] }> {
    return this.#request('GET', '/loops');
  }

  /** Applies a loop policy (the `loop:` object of mloop.yaml); admins only on a server with --auth. */
  applyLoop(policy: Record<string, unknown>, workdir: string): Promise<LoopStatus> {
    return this.#request('PUT', `/loops/${seg(String(policy.model))}`, { body: { policy, workdir } });
  }

  getLoop(model: string): Promise<LoopStatus> {
    return this.#request('GET', `/loops/${seg(model)}`);
  }

  async deleteLoop(model: string): Promise<void> {
    await this.#request('DELETE', `/loops/${seg(model)}`);
  }

  startLoopRun(
    model: string,
    reason?: string,
  ): Promise<{ run: LoopRun; outcome: 'started' | 'queued' | 'coalesced' }> {
    return this.#request('POST', `/loops/${seg(model)}/runs`, { body: reason ? { reason } : {} });
  }

  listLoopRuns(model: string): Promise<{ items: LoopRun[] }> {
    return this.#request('GET', `/loops/${seg(model)}/runs`);
  }

  loopEvents(model: string): Promise<{ items: LoopEvent[] }> {
    return this.#request('GET', `/loops/${seg(model)}/events`);
  }

  getLoopRun(id: string): Promise<{ run: LoopRun; events: LoopEvent[] }> {
    return this.#request('GET', `/loop-runs/${seg(id)}`);
  }

  approveLoopRun(id: string): Promise<LoopRun> {
    return this.#request('POST', `/loop-runs/${seg(id)}/approve`);
  }

  rejectLoopRun(id: string, reason?: string): Promise<LoopRun> {
    return this.#request('POST', `/loop-runs/${seg(id)}/reject`, { body: reason ? { reason } : {} });
  }

  /** A deployment's monitoring configuration (webhook secrets are never returned). */
  getMonitorConfig(deployment: string): Promise<PublicMonitorConfig> {
    return this.#request('GET', `/deployments/${seg(deployment)}/monitoring`);
  }

  /** Changes the given monitoring settings; the others keep their values. */
  updateMonitorConfig(deployment: string, input: Record<string, unknown>): Promise<PublicMonitorConfig> {
    return this.#request('PATCH', `/deployments/${seg(deployment)}/monitoring`, { body: input });
  }

  async resetMonitorConfig(deployment: string): Promise<void> {
    await this.#request('DELETE', `/deployments/${seg(deployment)}/monitoring`);
  }

  monitorWindows(
    deployment: string,
    options: { from?: string | number; to?: string | number; modelVersion?: string; profiles?: boolean } = {},
  ): Promise<{ items: WindowReport[] }> {
    const { profiles, ...rest } = options;
    return this.#request('GET', `/deployments/${seg(deployment)}/monitoring/windows`, {
      query: { ...rest, ...(profiles === undefined ? {} : { profiles: String(profiles) }) },
    });
  }

  monitorReport(
    deployment: string,
    options: { from?: string | number; to?: string | number } = {},
  ): Promise<MonitorReport> {
    return this.#request('GET', `/deployments/${seg(deployment)}/monitoring/report`, {
      query: { ...options },
    });
  }

  /** Ground truth: one `{predictionId, label | value}` or many. */
  sendFeedback(
    input: Record<string, unknown> | { items: Record<string, unknown>[] },
  ): Promise<{ accepted: number }> {
    return this.#request('POST', '/feedback', { body: input });
  }

  listAlerts(
    options: { deployment?: string; from?: string | number; to?: string | number; maxResults?: number } = {},
  ): Promise<{ items: Alert[] }> {
    return this.#request('GET', '/alerts', { query: { ...options } });
  }

  openApi(): Promise<Record<string, unknown>> {
    return this.#request('GET', '/openapi.json');
  }

  async #send(
    method: string,
    path: string,
    opts: { body?: Uint8Array | ReadableStream<Uint8Array>; headers?: Record<string, string> },
  ): Promise<Response> {
    return this.#sendTo(`${this.baseUrl}/api/v1${path}`, method, opts);
  }

  async #sendTo(
    url: string,
    method: string,
    opts: { body?: Uint8Array | ReadableStream<Uint8Array>; headers?: Record<string, string> },
  ): Promise<Response> {
    try {
      return await this.#fetch(url, {
        method,
        headers: { ...this.#headers, ...opts.headers },
        ...(opts.body === undefined ? {} : { body: opts.body }),
        // Streaming request bodies need half duplex in fetch.
        ...(opts.body instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (err) {
      throw new MloopConnectionError(this.baseUrl, networkReason(err), { cause: err });
    }
  }

  async #json(response: Response, method: string, path: string): Promise<unknown> {
    const parsed = parse(await response.text());
    if (response.ok && parsed !== undefined) return parsed;
    const body = parsed as { error_code?: unknown; message?: unknown } | undefined;
    if (typeof body?.error_code === 'string' && typeof body.message === 'string')
      throw new MloopApiError(response.status, body.error_code, body.message);
    throw new MloopApiError(
      response.status,
      `HTTP_${response.status}`,
      `${method} ${path.startsWith('http') ? new URL(path).pathname : `/api/v1${path}`} answered HTTP ${response.status} without an mloop answer; is ${this.baseUrl} an mloop server?`,
    );
  }

  async #request<T>(method: string, path: string, opts: { query?: Query; body?: unknown } = {}): Promise<T> {
    const url = new URL(`${this.baseUrl}/api/v1${path}`);
    for (const [key, value] of Object.entries(opts.query ?? {})) {
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
        url.searchParams.append(key, String(v));
    }
    const headers: Record<string, string> = { accept: 'application/json', ...this.#headers };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method,
        headers,
        ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body, nonFinite) }),
      });
    } catch (err) {
      throw new MloopConnectionError(this.baseUrl, networkReason(err), { cause: err });
    }
    const text = await response.text();
    const parsed = parse(text);
    if (!response.ok) {
      const body = parsed as { error_code?: unknown; message?: unknown } | undefined;
      if (typeof body?.error_code === 'string' && typeof body.message === 'string')
        throw new MloopApiError(response.status, body.error_code, body.message);
      throw new MloopApiError(
        response.status,
        `HTTP_${response.status}`,
        `${method} ${url.pathname} answered HTTP ${response.status} ${response.statusText} without an mloop error; is ${this.baseUrl} an mloop server?`,
      );
    }
    if (response.status === 204) return undefined as T;
    if (parsed === undefined) {
      throw new MloopApiError(
        response.status,
        'INVALID_RESPONSE',
        `${method} ${url.pathname} did not answer JSON; is ${this.baseUrl} an mloop server?`,
      );
    }
    return parsed as T;
  }
}

const seg = (value: string): string => encodeURIComponent(value);

/** JSON cannot carry NaN or ±Infinity; the API accepts them as strings, as it sends them. */
const nonFinite = (_key: string, value: unknown): unknown =>
  typeof value === 'number' && !Number.isFinite(value) ? encodeJsonNumber(value) : value;

function parse(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

const decodeMetric = (m: MetricJson): Metric => ({ ...m, value: decodeJsonNumber(m.value) });

const decodeRun = (r: RunJson): Run => ({
  ...r,
  data: { ...r.data, metrics: r.data.metrics.map(decodeMetric) },
});

import type { Transaction } from 'kysely';
import { invalid, notFound, show } from '../core/errors.js';
import { newRunId, newUuid, randomRunName } from '../core/ids.js';
import {
  oneOf,
  optionalArray,
  optionalInt,
  optionalString,
  requireObject,
  requireString,
} from '../core/validate.js';
import type { Store } from '../store/open-store.js';
import type { Database, MetricTable } from '../store/schema.js';
import type { ExperimentService } from './experiment-service.js';
import { LIMITS } from './limits.js';
import { toMetricRow } from './metric-values.js';
import { hydrateCreatedRun, hydrateRuns } from './run-hydrate.js';
import { type RunSearch, searchRunIds } from './search/run-sql.js';
import {
  RUN_STATUSES,
  type Run,
  type RunInfo,
  type RunStatus,
  TAG,
  type Tag,
  type ViewType,
} from './types.js';
import { validateExperimentId, validateKey, validateRunId, validateTags } from './validation.js';

export interface CreateRunInput {
  experimentId?: unknown;
  userId?: unknown;
  runName?: unknown;
  startTime?: unknown;
  tags?: unknown;
  /** Dataset and model inputs, written in the run's creating transaction (the shape `logInputs` takes). */
  inputs?: { datasets?: unknown; models?: unknown };
}

export interface LogBatchInput {
  metrics?: unknown;
  params?: unknown;
  tags?: unknown;
}

export class RunService {
  constructor(
    private readonly store: Store,
    private readonly experiments: ExperimentService,
  ) {}

  async create(input: CreateRunInput): Promise<Run> {
    const experimentId =
      input.experimentId === undefined || input.experimentId === '' ? '0' : input.experimentId;
    const experiment = await this.experiments.getActive(experimentId);
    const tags = validateTags(input.tags, 'tags', LIMITS.runTagValueLength);
    let runName = optionalString(input.runName, 'run_name', { max: LIMITS.runNameLength });
    const nameTag = tags.find((t) => t.key === TAG.runName);
    if (runName && nameTag && nameTag.value !== runName) {
      throw invalid(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name=${show(runName)}, mlflow.runName=${show(nameTag.value)}).`,
      );
    }
    runName = runName || nameTag?.value || randomRunName();
    if (!nameTag) tags.push({ key: TAG.runName, value: runName });
    const userId =
      optionalString(input.userId, 'user_id', { max: 256 }) ||
      tags.find((t) => t.key === TAG.user)?.value ||
      '';
    const startTime = optionalInt(input.startTime, 'start_time', { min: 0 }) ?? Date.now();
    const inputs = parseInputs(input.inputs?.datasets, input.inputs?.models, 'inputs.');
    const runId = newRunId();
    const row = {
      run_id: runId,
      experiment_id: Number(experiment.experimentId),
      name: runName,
      user_id: userId,
      status: 'RUNNING',
      start_time: startTime,
      end_time: null,
      lifecycle_stage: 'active',
      artifact_uri: `${experiment.artifactLocation}/${runId}/artifacts`,
      deleted_time: null,
    };
    await this.store.db.transaction().execute(async (tx) => {
      await tx.insertInto('runs').values(row).execute();
      await tx
        .insertInto('tags')
        .values(dedupeTags(tags).map((t) => ({ run_id: runId, ...t })))
        .execute();
      await writeInputs(tx, runId, row.experiment_id, inputs);
    });
    return hydrateCreatedRun(this.store, row, {
      datasets: inputs.datasets.length > 0,
      models: inputs.modelIds.length > 0,
    });
  }

  async get(runId: unknown): Promise<Run> {
    const id = validateRunId(runId);
    const [run] = await hydrateRuns(this.store, [id]);
    if (!run) throw notFound(`Run with id=${id} not found`);
    return run;
  }

  async getInfo(runId: unknown): Promise<RunInfo> {
    const id = validateRunId(runId);
    const row = await this.store.db
      .selectFrom('runs')
      .selectAll()
      .where('run_id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound(`Run with id=${id} not found`);
    return {
      runId: row.run_id,
      runName: row.name,
      experimentId: String(row.experiment_id),
      userId: row.user_id,
      status: row.status as RunStatus,
      startTime: row.start_time,
      ...(row.end_time === null ? {} : { endTime: row.end_time }),
      artifactUri: row.artifact_uri,
      lifecycleStage: row.lifecycle_stage as RunInfo['lifecycleStage'],
    };
  }

  /** The run, required to be active because a write is about to happen in it. */
  async getActiveInfo(runId: unknown): Promise<RunInfo> {
    const info = await this.getInfo(runId);
    if (info.lifecycleStage !== 'active') {
      throw invalid(
        `The run ${info.runId} must be in the 'active' state. Current state is ${info.lifecycleStage}.`,
      );
    }
    return info;
  }

  /**
   * Changes status, end time or name; with `batch`, first logs its metrics, params and tags, so that a run can be
   * finished with what it produced in one request. Every field is checked before anything is written, and the change
   * is written last. Without metrics, the batch and the change are one transaction (a pipeline stage's finish).
   */
  async update(input: {
    runId: unknown;
    status?: unknown;
    endTime?: unknown;
    runName?: unknown;
    batch?: LogBatchInput;
  }): Promise<RunInfo> {
    const info = await this.getActiveInfo(input.runId);
    const status =
      input.status === undefined || input.status === null
        ? undefined
        : oneOf(input.status, 'status', RUN_STATUSES);
    const endTime = optionalInt(input.endTime, 'end_time', { min: 0 });
    const runName = optionalString(input.runName, 'run_name', { max: LIMITS.runNameLength });
    const batch = input.batch ? checkBatch(info.runId, input.batch) : undefined;
    const change = !!status || endTime !== undefined || !!runName;
    // Metrics go through the dialect's own transaction: logged first, then the rest, so a status change still
    // follows everything the request logged.
    if (batch?.metrics.length) {
      await this.#writeKeyValues(info.runId, batch);
      await this.store.dialect.insertMetrics(batch.metrics);
    }
    const pending = batch && !batch.metrics.length ? batch : undefined;
    // Nothing to change is not an error (and an UPDATE with an empty SET is not valid SQL).
    if (change || pending?.params.length || pending?.tags.length) {
      await this.store.db.transaction().execute(async (tx) => {
        if (pending) await writeKeyValues(tx, info.runId, pending);
        if (!change) return;
        await tx
          .updateTable('runs')
          .set({
            ...(status ? { status } : {}),
            ...(endTime !== undefined ? { end_time: endTime } : {}),
            ...(runName ? { name: runName } : {}),
          })
          .where('run_id', '=', info.runId)
          .execute();
        if (runName) {
          await tx
            .insertInto('tags')
            .values({ run_id: info.runId, key: TAG.runName, value: runName })
            .onConflict((oc) => oc.columns(['run_id', 'key']).doUpdateSet({ value: runName }))
            .execute();
        }
      });
    }
    // What was written, without reading the run back: the row was read above, and only these fields changed.
    const taggedName = batch?.tags.findLast((t) => t.key === TAG.runName)?.value;
    const endedAt = endTime ?? info.endTime;
    return {
      ...info,
      ...(status ? { status } : {}),
      ...(endedAt === undefined ? {} : { endTime: endedAt }),
      runName: runName || taggedName || info.runName,
    };
  }

  async delete(runId: unknown): Promise<void> {
    const info = await this.getInfo(runId);
    await this.store.db
      .updateTable('runs')
      .set({ lifecycle_stage: 'deleted', deleted_time: Date.now() })
      .where('run_id', '=', info.runId)
      .execute();
  }

  async restore(runId: unknown): Promise<void> {
    const info = await this.getInfo(runId);
    await this.store.db
      .updateTable('runs')
      .set({ lifecycle_stage: 'active', deleted_time: null })
      .where('run_id', '=', info.runId)
      .execute();
  }

  async logMetric(
    runId: unknown,
    metric: { key?: unknown; value?: unknown; timestamp?: unknown; step?: unknown },
  ): Promise<void> {
    const id = validateRunId(runId);
    const row = toMetricRow(id, metric, 'metric');
    await this.getActiveInfo(id);
    await this.store.dialect.insertMetrics([row]);
  }

  async logParam(runId: unknown, key: unknown, value: unknown): Promise<void> {
    await this.logBatch(runId, { params: [{ key, value }] });
  }

  async setTag(runId: unknown, key: unknown, value: unknown): Promise<void> {
    await this.logBatch(runId, { tags: [{ key, value }] });
  }

  async deleteTag(runId: unknown, key: unknown): Promise<void> {
    const k = validateKey(key, 'key');
    const info = await this.getActiveInfo(runId);
    const result = await this.store.db
      .deleteFrom('tags')
      .where('run_id', '=', info.runId)
      .where('key', '=', k)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0)
      throw notFound(`No tag with name: ${k} in run with id ${info.runId}`);
  }

  /** Validates the whole batch before writing any of it, so a rejected batch leaves no partial write. */
  async logBatch(runId: unknown, input: LogBatchInput): Promise<void> {
    const batch = checkBatch(validateRunId(runId), input);
    const info = await this.getActiveInfo(runId);
    await this.#writeKeyValues(info.runId, batch);
    await this.store.dialect.insertMetrics(batch.metrics);
  }

  async #writeKeyValues(runId: string, batch: CheckedBatch): Promise<void> {
    if (batch.params.length || batch.tags.length)
      await this.store.db.transaction().execute((tx) => writeKeyValues(tx, runId, batch));
  }

  async logInputs(runId: unknown, datasets: unknown, models?: unknown): Promise<void> {
    const info = await this.getActiveInfo(runId);
    const inputs = parseInputs(datasets, models);
    await this.store.db
      .transaction()
      .execute((tx) => writeInputs(tx, info.runId, Number(info.experimentId), inputs));
  }

  async logOutputs(runId: unknown, models: unknown): Promise<void> {
    const info = await this.getActiveInfo(runId);
    const outputs = optionalArray(models, 'models').map((raw, i) => {
      const m = requireObject(raw, `models[${i}]`);
      return {
        run_id: info.runId,
        model_id: requireString(m.model_id, `models[${i}].model_id`, { max: 64 }),
        direction: 'output',
        step: optionalInt(m.step, `models[${i}].step`) ?? 0,
      };
    });
    if (outputs.length)
      await this.store.db
        .insertInto('run_models')
        .values(outputs)
        .onConflict((oc) => oc.doNothing())
        .execute();
  }

  async search(input: {
    experimentIds: unknown;
    filter?: unknown;
    viewType?: unknown;
    maxResults?: unknown;
    orderBy?: unknown;
    pageToken?: unknown;
  }): Promise<{ runs: Run[]; nextPageToken?: string }> {
    const experimentIds = optionalArray(input.experimentIds, 'experiment_ids').map((id, i) =>
      validateExperimentId(id, `experiment_ids[${i}]`),
    );
    const maxResults =
      optionalInt(input.maxResults, 'max_results', { min: 1, max: LIMITS.searchRunsMaxResults }) ??
      LIMITS.searchRunsDefault;
    const search: RunSearch = {
      experimentIds,
      maxResults,
      filter: optionalString(input.filter, 'filter'),
      viewType:
        input.viewType === undefined
          ? undefined
          : oneOf<ViewType>(input.viewType, 'run_view_type', ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']),
      orderBy: optionalArray(input.orderBy, 'order_by').map((o, i) => requireString(o, `order_by[${i}]`)),
      pageToken: optionalString(input.pageToken, 'page_token'),
    };
    if (experimentIds.length === 0) return { runs: [] };
    const { runIds, nextPageToken } = await searchRunIds(this.store.db, this.store.dialect, search);
    const runs = await hydrateRuns(this.store, runIds);
    return nextPageToken ? { runs, nextPageToken } : { runs };
  }
}

interface CheckedBatch {
  metrics: MetricTable[];
  /** Unique by key. */
  params: Tag[];
  /** Unique by key, the last value of a key kept. */
  tags: Tag[];
}

/** Every item of a batch checked, before anything of it is written. */
function checkBatch(runId: string, input: LogBatchInput): CheckedBatch {
  const rawMetrics = optionalArray(input.metrics, 'metrics', { max: LIMITS.metricsPerBatch });
  const params = validateTags(input.params, 'params', LIMITS.paramValueLength, LIMITS.paramsPerBatch);
  const tags = validateTags(input.tags, 'tags', LIMITS.runTagValueLength, LIMITS.tagsPerBatch);
  const total = rawMetrics.length + params.length + tags.length;
  if (total > LIMITS.entitiesPerBatch) {
    throw invalid(
      `A batch logging request can contain at most ${LIMITS.entitiesPerBatch} metrics, params and tags in total; got ${total}.`,
    );
  }
  const metrics: MetricTable[] = new Array(rawMetrics.length);
  const knownKeys = new Set<string>();
  for (let i = 0; i < rawMetrics.length; i++) {
    const field = `metrics[${i}]`;
    metrics[i] = toMetricRow(runId, requireObject(rawMetrics[i], field), field, knownKeys);
  }
  return { metrics, params: dedupeParams(params), tags: dedupeTags(tags) };
}

/** A batch's params (which may be logged again only with the same value) and tags (which are replaced). */
async function writeKeyValues(tx: Transaction<Database>, id: string, batch: CheckedBatch): Promise<void> {
  const { params, tags } = batch;
  if (params.length) {
    const existing = await tx
      .selectFrom('params')
      .select(['key', 'value'])
      .where('run_id', '=', id)
      .where(
        'key',
        'in',
        params.map((p) => p.key),
      )
      .execute();
    const changed = existing.filter((e) => params.some((p) => p.key === e.key && p.value !== e.value));
    if (changed.length) {
      throw invalid(
        `Changing param values is not allowed. Params were already logged=${show(changed.map((c) => ({ key: c.key, old_value: c.value, new_value: params.find((p) => p.key === c.key)!.value })))} for run ID='${id}'.`,
      );
    }
    const fresh = params.filter((p) => !existing.some((e) => e.key === p.key));
    if (fresh.length) {
      await tx
        .insertInto('params')
        .values(fresh.map((p) => ({ run_id: id, ...p })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  }
  if (tags.length) {
    // One statement for the batch (keys are unique in it, which both databases require of an upsert).
    await tx
      .insertInto('tags')
      .values(tags.map((t) => ({ run_id: id, ...t })))
      .onConflict((oc) =>
        oc.columns(['run_id', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
      )
      .execute();
    const name = tags.findLast((t) => t.key === TAG.runName);
    if (name) await tx.updateTable('runs').set({ name: name.value }).where('run_id', '=', id).execute();
  }
}

interface ParsedInputs {
  datasets: {
    tags: Tag[];
    name: string;
    digest: string;
    source_type: string;
    source: string;
    schema: string | null;
    profile: string | null;
  }[];
  modelIds: string[];
}

/** Checks dataset and model inputs (MLflow's field names) before any of them is written. */
function parseInputs(datasets: unknown, models: unknown, p = ''): ParsedInputs {
  const parsed = optionalArray(datasets, `${p}datasets`).map((raw, i) => {
    const entry = requireObject(raw, `${p}datasets[${i}]`);
    const d = requireObject(entry.dataset, `${p}datasets[${i}].dataset`);
    const f = `${p}datasets[${i}].dataset`;
    const tags = optionalArray(entry.tags, `${p}datasets[${i}].tags`).map((t, j) => {
      const tag = requireObject(t, `${p}datasets[${i}].tags[${j}]`);
      return {
        key: requireString(tag.key, `${p}datasets[${i}].tags[${j}].key`, { max: LIMITS.inputTagKey }),
        value: requireString(tag.value ?? '', `${p}datasets[${i}].tags[${j}].value`, {
          max: LIMITS.inputTagValue,
          allowEmpty: true,
        }),
      };
    });
    return {
      tags,
      name: requireString(d.name, `${f}.name`, { max: LIMITS.datasetName }),
      digest: requireString(d.digest, `${f}.digest`, { max: LIMITS.datasetDigest }),
      source_type: requireString(d.source_type, `${f}.source_type`, { max: 36 }),
      source: requireString(d.source, `${f}.source`, { max: LIMITS.datasetSource }),
      schema: optionalString(d.schema, `${f}.schema`, { max: LIMITS.datasetSchema }) ?? null,
      profile: optionalString(d.profile, `${f}.profile`, { max: LIMITS.datasetProfile }) ?? null,
    };
  });
  const modelIds = optionalArray(models, `${p}models`).map((raw, i) =>
    requireString(requireObject(raw, `${p}models[${i}]`).model_id, `${p}models[${i}].model_id`, { max: 64 }),
  );
  return { datasets: parsed, modelIds };
}

async function writeInputs(
  tx: Transaction<Database>,
  runId: string,
  experimentId: number,
  inputs: ParsedInputs,
): Promise<void> {
  for (const input of inputs.datasets) {
    const { tags, ...dataset } = input;
    await tx
      .insertInto('datasets')
      .values({ dataset_uuid: newUuid(), experiment_id: experimentId, ...dataset })
      .onConflict((oc) => oc.columns(['experiment_id', 'name', 'digest']).doNothing())
      .execute();
    const { dataset_uuid } = await tx
      .selectFrom('datasets')
      .select('dataset_uuid')
      .where('experiment_id', '=', experimentId)
      .where('name', '=', dataset.name)
      .where('digest', '=', dataset.digest)
      .executeTakeFirstOrThrow();
    const context = tags.find((t) => t.key === 'mlflow.data.context')?.value ?? null;
    await tx
      .insertInto('run_inputs')
      .values({ run_id: runId, dataset_uuid, tags: JSON.stringify(tags), context })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  for (const modelId of inputs.modelIds) {
    await tx
      .insertInto('run_models')
      .values({ run_id: runId, model_id: modelId, direction: 'input', step: 0 })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}

function dedupeParams(params: Tag[]): Tag[] {
  const byKey = new Map<string, string>();
  for (const p of params) {
    const prior = byKey.get(p.key);
    if (prior !== undefined && prior !== p.value) {
      throw invalid(
        `Duplicate parameter key ${show(p.key)} with different values (${show(prior)} and ${show(p.value)}) in one batch.`,
      );
    }
    byKey.set(p.key, p.value);
  }
  return [...byKey].map(([key, value]) => ({ key, value }));
}

/** The last value of a key wins, as when tags are set one after another. */
function dedupeTags(tags: Tag[]): Tag[] {
  return [...new Map(tags.map((t) => [t.key, t.value]))].map(([key, value]) => ({ key, value }));
}

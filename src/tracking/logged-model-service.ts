import { sql } from 'kysely';
import { invalid, notFound, show } from '../core/errors.js';
import { newLoggedModelId } from '../core/ids.js';
import { oneOf, optionalArray, optionalInt, optionalString, requireString } from '../core/validate.js';
import type { Store } from '../store/open-store.js';
import type { ExperimentService } from './experiment-service.js';
import { LIMITS } from './limits.js';
import { type AttributeSpec, parseFilter } from './search/filter-parser.js';
import { compareNumber, compareString } from './search/like.js';
import { decodePageToken, encodePageToken } from './search/page-token.js';
import type { Metric, Page, Tag } from './types.js';
import { validateExperimentId, validateKey, validateRunId, validateTags } from './validation.js';

export const LOGGED_MODEL_STATUSES = [
  'LOGGED_MODEL_PENDING',
  'LOGGED_MODEL_READY',
  'LOGGED_MODEL_UPLOAD_FAILED',
] as const;
export type LoggedModelStatus = (typeof LOGGED_MODEL_STATUSES)[number];

/** MLflow 3's LoggedModel: a model logged by `mlflow.<flavor>.log_model`, before or without registration. */
export interface LoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  artifactUri: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  status: LoggedModelStatus;
  statusMessage?: string;
  modelType?: string;
  sourceRunId?: string;
  tags: Tag[];
  params: Tag[];
  metrics: (Metric & { runId?: string; datasetName?: string; datasetDigest?: string })[];
}

const ATTRIBUTES: AttributeSpec = {
  strings: new Set(['name', 'model_id', 'model_type', 'status', 'source_run_id']),
  numbers: new Set(['creation_timestamp', 'last_updated_timestamp', 'creation_time', 'last_updated_time']),
};
const MAX_SEARCH = 50;

export class LoggedModelService {
  constructor(
    private readonly store: Store,
    private readonly experiments: ExperimentService,
  ) {}

  async create(input: {
    experimentId: unknown;
    name?: unknown;
    modelType?: unknown;
    sourceRunId?: unknown;
    params?: unknown;
    tags?: unknown;
  }): Promise<LoggedModel> {
    const experiment = await this.experiments.getActive(input.experimentId);
    const name = optionalString(input.name, 'name', { max: 500 }) || `model-${Date.now().toString(36)}`;
    const modelType = optionalString(input.modelType, 'model_type', { max: 500 }) ?? null;
    const sourceRunId = input.sourceRunId ? validateRunId(input.sourceRunId, 'source_run_id') : null;
    const params = validateTags(input.params, 'params', LIMITS.paramValueLength);
    const tags = validateTags(input.tags, 'tags', LIMITS.runTagValueLength);
    const modelId = newLoggedModelId();
    const now = Date.now();
    await this.store.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('logged_models')
        .values({
          model_id: modelId,
          experiment_id: Number(experiment.experimentId),
          name,
          artifact_location: `${experiment.artifactLocation}/models/${modelId}/artifacts`,
          creation_timestamp: now,
          last_updated_timestamp: now,
          status: 'LOGGED_MODEL_PENDING',
          status_message: null,
          lifecycle_stage: 'active',
          model_type: modelType,
          source_run_id: sourceRunId,
        })
        .execute();
      if (params.length)
        await tx
          .insertInto('logged_model_params')
          .values(unique(params).map((p) => ({ model_id: modelId, ...p })))
          .execute();
      if (tags.length)
        await tx
          .insertInto('logged_model_tags')
          .values(unique(tags).map((t) => ({ model_id: modelId, ...t })))
          .execute();
    });
    return this.get(modelId);
  }

  async get(modelId: unknown, opts: { allowDeleted?: boolean } = {}): Promise<LoggedModel> {
    const id = validateModelId(modelId);
    const [model] = await this.hydrate([id], opts.allowDeleted ?? false);
    if (!model) throw notFound(`Logged model with ID '${id}' not found.`);
    return model;
  }

  async finalize(modelId: unknown, status: unknown): Promise<LoggedModel> {
    const model = await this.get(modelId);
    const s = oneOf(status, 'status', ['LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED'] as const);
    await this.store.db
      .updateTable('logged_models')
      .set({ status: s, last_updated_timestamp: Date.now() })
      .where('model_id', '=', model.modelId)
      .execute();
    return this.get(model.modelId);
  }

  async delete(modelId: unknown): Promise<void> {
    const model = await this.get(modelId);
    await this.store.db
      .updateTable('logged_models')
      .set({ lifecycle_stage: 'deleted', last_updated_timestamp: Date.now() })
      .where('model_id', '=', model.modelId)
      .execute();
  }

  async setTags(modelId: unknown, tags: unknown): Promise<void> {
    const model = await this.get(modelId);
    for (const t of validateTags(tags, 'tags', LIMITS.runTagValueLength)) {
      await this.store.db
        .insertInto('logged_model_tags')
        .values({ model_id: model.modelId, ...t })
        .onConflict((oc) => oc.columns(['model_id', 'key']).doUpdateSet({ value: t.value }))
        .execute();
    }
  }

  async deleteTag(modelId: unknown, key: unknown): Promise<void> {
    const model = await this.get(modelId);
    const k = validateKey(key, 'tag_key');
    const r = await this.store.db
      .deleteFrom('logged_model_tags')
      .where('model_id', '=', model.modelId)
      .where('key', '=', k)
      .executeTakeFirst();
    if (Number(r.numDeletedRows) === 0)
      throw notFound(`No tag with key ${show(k)} on logged model '${model.modelId}'.`);
  }

  async logParams(modelId: unknown, params: unknown): Promise<void> {
    const model = await this.get(modelId);
    const list = unique(validateTags(params, 'params', LIMITS.paramValueLength));
    if (list.length) {
      await this.store.db
        .insertInto('logged_model_params')
        .values(list.map((p) => ({ model_id: model.modelId, ...p })))
        .onConflict((oc) => oc.columns(['model_id', 'key']).doNothing())
        .execute();
    }
  }

  /** Links metric points logged with a `model_id` to that model (MLflow 3 model metrics). */
  async linkMetrics(
    points: {
      modelId: string;
      key: string;
      value: number;
      timestamp: number;
      step: number;
      runId: string;
      datasetName?: string;
      datasetDigest?: string;
    }[],
  ): Promise<void> {
    if (points.length === 0) return;
    await this.store.db
      .insertInto('logged_model_metrics')
      .values(
        points.map((p) => ({
          model_id: p.modelId,
          key: p.key,
          value: p.value,
          timestamp: p.timestamp,
          step: p.step,
          run_id: p.runId,
          dataset_name: p.datasetName ?? null,
          dataset_digest: p.datasetDigest ?? null,
        })),
      )
      .execute();
  }

  async search(input: {
    experimentIds: unknown;
    filter?: unknown;
    maxResults?: unknown;
    pageToken?: unknown;
    orderBy?: unknown;
  }): Promise<Page<LoggedModel>> {
    const ids = optionalArray(input.experimentIds, 'experiment_ids').map((id, i) =>
      validateExperimentId(id, `experiment_ids[${i}]`),
    );
    const limit = optionalInt(input.maxResults, 'max_results', { min: 1, max: MAX_SEARCH }) ?? MAX_SEARCH;
    const offset = decodePageToken(optionalString(input.pageToken, 'page_token'));
    if (ids.length === 0) return { items: [] };
    let q = this.store.db
      .selectFrom('logged_models as m')
      .select('m.model_id')
      .where('m.experiment_id', 'in', ids)
      .where('m.lifecycle_stage', '=', 'active');
    for (const c of parseFilter(optionalString(input.filter, 'filter'), ATTRIBUTES)) {
      if (c.entity === 'attribute') {
        const column = sql.ref(`m.${c.key.replace(/_time$/, '_timestamp')}`);
        q = q.where(
          typeof c.value === 'number'
            ? compareNumber(column, c.comparator, c.value)
            : compareString(column, c.comparator, c.value, this.store.dialect),
        );
      } else if (c.entity === 'metric') {
        const cmp = compareNumber(sql.ref('x.value'), c.comparator, c.value as number);
        q = q.where(
          sql<boolean>`exists (select 1 from logged_model_metrics as x where x.model_id = m.model_id and x.key = ${c.key} and ${cmp})`,
        );
      } else if (c.entity === 'param' || c.entity === 'tag') {
        const table = c.entity === 'param' ? 'logged_model_params' : 'logged_model_tags';
        const cmp = compareString(sql.ref('x.value'), c.comparator, c.value as string, this.store.dialect);
        q = q.where(
          sql<boolean>`exists (select 1 from ${sql.table(table)} as x where x.model_id = m.model_id and x.key = ${c.key} and ${cmp})`,
        );
      } else {
        throw invalid(`Invalid filter for logged models: datasets are not searchable here.`);
      }
    }
    const rows = await q
      .orderBy('m.creation_timestamp', 'desc')
      .orderBy('m.model_id')
      .limit(limit + 1)
      .offset(offset)
      .execute();
    const items = await this.hydrate(
      rows.slice(0, limit).map((r) => r.model_id),
      false,
    );
    return rows.length > limit ? { items, nextPageToken: encodePageToken(offset + limit) } : { items };
  }

  private async hydrate(ids: string[], allowDeleted: boolean): Promise<LoggedModel[]> {
    if (ids.length === 0) return [];
    let q = this.store.db.selectFrom('logged_models').selectAll().where('model_id', 'in', ids);
    if (!allowDeleted) q = q.where('lifecycle_stage', '=', 'active');
    const [rows, tags, params, metrics] = await Promise.all([
      q.execute(),
      this.store.db
        .selectFrom('logged_model_tags')
        .selectAll()
        .where('model_id', 'in', ids)
        .orderBy('key')
        .execute(),
      this.store.db
        .selectFrom('logged_model_params')
        .selectAll()
        .where('model_id', 'in', ids)
        .orderBy('key')
        .execute(),
      this.store.db.selectFrom('logged_model_metrics').selectAll().where('model_id', 'in', ids).execute(),
    ]);
    const byId = new Map(rows.map((r) => [r.model_id, r]));
    return ids.flatMap((id): LoggedModel[] => {
      const r = byId.get(id);
      if (!r) return [];
      return [
        {
          modelId: r.model_id,
          experimentId: String(r.experiment_id),
          name: r.name,
          artifactUri: r.artifact_location,
          creationTimestamp: r.creation_timestamp,
          lastUpdatedTimestamp: r.last_updated_timestamp,
          status: r.status as LoggedModelStatus,
          ...(r.status_message ? { statusMessage: r.status_message } : {}),
          ...(r.model_type ? { modelType: r.model_type } : {}),
          ...(r.source_run_id ? { sourceRunId: r.source_run_id } : {}),
          tags: tags.filter((t) => t.model_id === id).map(({ key, value }) => ({ key, value })),
          params: params.filter((p) => p.model_id === id).map(({ key, value }) => ({ key, value })),
          metrics: metrics
            .filter((m) => m.model_id === id)
            .map((m) => ({
              key: m.key,
              value: m.value,
              timestamp: m.timestamp,
              step: m.step,
              ...(m.run_id ? { runId: m.run_id } : {}),
              ...(m.dataset_name ? { datasetName: m.dataset_name } : {}),
              ...(m.dataset_digest ? { datasetDigest: m.dataset_digest } : {}),
            })),
        },
      ];
    });
  }
}

function validateModelId(value: unknown): string {
  const id = requireString(value, 'model_id');
  if (!/^m-[0-9a-f]{32}$/.test(id))
    throw invalid(
      `Invalid value ${show(id)} for parameter 'model_id' supplied: a logged model id is 'm-' followed by 32 hex characters.`,
    );
  return id;
}

function unique(list: Tag[]): Tag[] {
  return [...new Map(list.map((t) => [t.key, t.value]))].map(([key, value]) => ({ key, value }));
}

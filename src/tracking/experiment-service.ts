import { alreadyExists, invalid, notFound, show } from '../core/errors.js';
import { optionalString, requireString } from '../core/validate.js';
import type { Store } from '../store/open-store.js';
import type { ExperimentRow } from '../store/schema.js';
import { LIMITS } from './limits.js';
import { applyExperimentFilter, experimentOrder } from './search/experiment-sql.js';
import { decodePageToken, encodePageToken } from './search/page-token.js';
import type { Experiment, Page, Tag, ViewType } from './types.js';
import { validateExperimentId, validateKey, validateTags } from './validation.js';

export const DEFAULT_EXPERIMENT_ID = '0';

/** Artifact locations are proxied through the server, so clients never write where the server cannot check. */
export const PROXY_SCHEME = 'mlflow-artifacts:';

export class ExperimentService {
  constructor(private readonly store: Store) {}

  /** Creates experiment "0" ("Default") on a new store; safe when several replicas start at once. */
  async ensureDefault(): Promise<void> {
    const now = Date.now();
    await this.store.db
      .insertInto('experiments')
      .values({
        experiment_id: 0,
        name: 'Default',
        artifact_location: `${PROXY_SCHEME}/0`,
        lifecycle_stage: 'active',
        creation_time: now,
        last_update_time: now,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async create(input: { name: unknown; artifactLocation?: unknown; tags?: unknown }): Promise<string> {
    const name = requireString(input.name, 'name', { max: LIMITS.experimentNameLength });
    const location = optionalString(input.artifactLocation, 'artifact_location', {
      max: LIMITS.artifactLocationLength,
    });
    if (location) validateArtifactLocation(location);
    const tags = validateTags(input.tags, 'tags', LIMITS.experimentTagValueLength);
    const existing = await this.store.db
      .selectFrom('experiments')
      .select('experiment_id')
      .where('name', '=', name)
      .executeTakeFirst();
    if (existing) throw alreadyExists(`Experiment '${name}' already exists.`);
    const now = Date.now();
    try {
      return await this.store.db.transaction().execute(async (tx) => {
        const row = await tx
          .insertInto('experiments')
          .values({
            name,
            artifact_location: location ?? '',
            lifecycle_stage: 'active',
            creation_time: now,
            last_update_time: now,
          })
          .returning('experiment_id')
          .executeTakeFirstOrThrow();
        const id = row.experiment_id;
        if (!location) {
          await tx
            .updateTable('experiments')
            .set({ artifact_location: `${PROXY_SCHEME}/${id}` })
            .where('experiment_id', '=', id)
            .execute();
        }
        if (tags.length)
          await tx
            .insertInto('experiment_tags')
            .values(tags.map((t) => ({ experiment_id: id, ...t })))
            .execute();
        return String(id);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw alreadyExists(`Experiment '${name}' already exists.`);
      throw err;
    }
  }

  async get(experimentId: unknown): Promise<Experiment> {
    return (await this.hydrate([await this.#row(experimentId)]))[0]!;
  }

  async #row(experimentId: unknown): Promise<ExperimentRow> {
    const id = validateExperimentId(experimentId);
    const row = await this.store.db
      .selectFrom('experiments')
      .selectAll()
      .where('experiment_id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound(`No Experiment with id=${id} exists`);
    return row;
  }

  async getByName(name: unknown): Promise<Experiment> {
    const n = requireString(name, 'experiment_name');
    const row = await this.store.db
      .selectFrom('experiments')
      .selectAll()
      .where('name', '=', n)
      .executeTakeFirst();
    if (!row) throw notFound(`Could not find experiment with name '${n}'`);
    return (await this.hydrate([row]))[0]!;
  }

  /**
   * The experiment, required to be active because a write is about to happen in it. Without its tags, which no
   * writer needs: one query on the path of every created run.
   */
  async getActive(experimentId: unknown): Promise<Omit<Experiment, 'tags'>> {
    const experiment = experimentOf(await this.#row(experimentId));
    if (experiment.lifecycleStage !== 'active') {
      throw invalid(
        `The experiment ${experiment.experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`,
      );
    }
    return experiment;
  }

  async search(input: {
    filter?: string;
    maxResults?: number;
    orderBy?: string[];
    pageToken?: string;
    viewType?: ViewType;
  }): Promise<Page<Experiment>> {
    const limit = input.maxResults ?? LIMITS.searchExperimentsDefault;
    if (limit < 1 || limit > LIMITS.searchExperimentsMaxResults) {
      throw invalid(
        `Invalid value ${limit} for parameter 'max_results' supplied: must be between 1 and ${LIMITS.searchExperimentsMaxResults}.`,
      );
    }
    const offset = decodePageToken(input.pageToken);
    let query = this.store.db.selectFrom('experiments as e').selectAll('e');
    query = applyExperimentFilter(query, input.filter, this.store.dialect);
    const view = input.viewType ?? 'ACTIVE_ONLY';
    if (view !== 'ALL')
      query = query.where('e.lifecycle_stage', '=', view === 'ACTIVE_ONLY' ? 'active' : 'deleted');
    for (const [column, direction] of experimentOrder(input.orderBy ?? []))
      query = query.orderBy(column, direction);
    const rows = await query
      .limit(limit + 1)
      .offset(offset)
      .execute();
    const page = rows.slice(0, limit);
    const items = await this.hydrate(page);
    return rows.length > limit ? { items, nextPageToken: encodePageToken(offset + limit) } : { items };
  }

  async delete(experimentId: unknown): Promise<void> {
    const experiment = await this.get(experimentId);
    if (experiment.experimentId === DEFAULT_EXPERIMENT_ID)
      throw invalid('Cannot delete the default experiment (id 0).');
    await this.setLifecycle(Number(experiment.experimentId), 'deleted');
  }

  async restore(experimentId: unknown): Promise<void> {
    const experiment = await this.get(experimentId);
    await this.setLifecycle(Number(experiment.experimentId), 'active');
  }

  async rename(experimentId: unknown, newName: unknown): Promise<void> {
    const name = requireString(newName, 'new_name', { max: LIMITS.experimentNameLength });
    const experiment = await this.getActive(experimentId);
    const clash = await this.store.db
      .selectFrom('experiments')
      .select('experiment_id')
      .where('name', '=', name)
      .executeTakeFirst();
    if (clash && String(clash.experiment_id) !== experiment.experimentId)
      throw alreadyExists(`Experiment '${name}' already exists.`);
    await this.store.db
      .updateTable('experiments')
      .set({ name, last_update_time: Date.now() })
      .where('experiment_id', '=', Number(experiment.experimentId))
      .execute();
  }

  async setTag(experimentId: unknown, key: unknown, value: unknown): Promise<void> {
    const [tag] = validateTags([{ key, value }], 'tag', LIMITS.experimentTagValueLength);
    const experiment = await this.getActive(experimentId);
    const id = Number(experiment.experimentId);
    await this.store.db
      .insertInto('experiment_tags')
      .values({ experiment_id: id, key: tag!.key, value: tag!.value })
      .onConflict((oc) => oc.columns(['experiment_id', 'key']).doUpdateSet({ value: tag!.value }))
      .execute();
  }

  async deleteTag(experimentId: unknown, key: unknown): Promise<void> {
    const k = validateKey(key, 'key');
    const experiment = await this.getActive(experimentId);
    const result = await this.store.db
      .deleteFrom('experiment_tags')
      .where('experiment_id', '=', Number(experiment.experimentId))
      .where('key', '=', k)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0)
      throw notFound(`No tag with name: ${k} in experiment ${experiment.experimentId}.`);
  }

  private async setLifecycle(id: number, stage: 'active' | 'deleted'): Promise<void> {
    const now = Date.now();
    await this.store.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('experiments')
        .set({
          lifecycle_stage: stage,
          last_update_time: now,
          deleted_time: stage === 'deleted' ? now : null,
        })
        .where('experiment_id', '=', id)
        .execute();
      await tx
        .updateTable('runs')
        .set({ lifecycle_stage: stage, deleted_time: stage === 'deleted' ? now : null })
        .where('experiment_id', '=', id)
        .where('lifecycle_stage', '=', stage === 'deleted' ? 'active' : 'deleted')
        .execute();
    });
  }

  private async hydrate(rows: readonly ExperimentRow[]): Promise<Experiment[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.experiment_id);
    const tags = await this.store.db
      .selectFrom('experiment_tags')
      .selectAll()
      .where('experiment_id', 'in', ids)
      .orderBy('key')
      .execute();
    const byId = new Map<number, Tag[]>();
    for (const t of tags) {
      const list = byId.get(t.experiment_id) ?? [];
      list.push({ key: t.key, value: t.value });
      byId.set(t.experiment_id, list);
    }
    return rows.map((r) => ({ ...experimentOf(r), tags: byId.get(r.experiment_id) ?? [] }));
  }
}

function experimentOf(r: ExperimentRow): Omit<Experiment, 'tags'> {
  return {
    experimentId: String(r.experiment_id),
    name: r.name,
    artifactLocation: r.artifact_location,
    lifecycleStage: r.lifecycle_stage as Experiment['lifecycleStage'],
    creationTime: r.creation_time,
    lastUpdateTime: r.last_update_time,
  };
}

/**
 * Artifact locations must stay under the proxy scheme: a location pointing anywhere else (file:///etc, another
 * bucket) is how MLflow's LFI family (CVE-2023-1177, CVE-2024-1483) began, so mloop refuses it outright.
 */
export function validateArtifactLocation(location: string): void {
  const rest = location.startsWith(`${PROXY_SCHEME}/`) ? location.slice(PROXY_SCHEME.length + 1) : null;
  if (
    rest === null ||
    rest === '' ||
    !/^[\w\-./]+$/.test(rest) ||
    rest.split('/').some((s) => s === '..' || s === '.' || s === '')
  ) {
    throw invalid(
      `Invalid value ${show(location)} for parameter 'artifact_location' supplied: mloop stores artifacts in its configured artifact store, so a custom location must be a relative path under 'mlflow-artifacts:/' (e.g. 'mlflow-artifacts:/team-a/churn') using letters, digits, '_', '-', '.' and '/'.`,
    );
  }
}

export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (
    e?.code === '23505' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

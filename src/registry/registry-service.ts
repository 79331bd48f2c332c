import { type Kysely, sql, type Transaction } from 'kysely';
import { alreadyExists, invalid, notFound, show } from '../core/errors.js';
import { optionalArray, optionalBool, optionalInt, optionalString, requireString } from '../core/validate.js';
import type { Store } from '../store/open-store.js';
import type { Database } from '../store/schema.js';
import { isUniqueViolation } from '../tracking/experiment-service.js';
import type { LoggedModelService } from '../tracking/logged-model-service.js';
import type { RunService } from '../tracking/run-service.js';
import {
  type AttributeSpec,
  type Clause,
  parseFilter,
  parseOrderBy,
} from '../tracking/search/filter-parser.js';
import { compareNumber, compareString } from '../tracking/search/like.js';
import { decodePageToken, encodePageToken } from '../tracking/search/page-token.js';
import type { Page } from '../tracking/types.js';
import { validateKey, validateTags } from '../tracking/validation.js';
import { resolveModelSource } from './model-source.js';
import { hydrateModels, hydrateVersions } from './registry-hydrate.js';
import { type AliasEvent, type ModelVersion, type RegisteredModel, STAGES } from './types.js';
import { validateAlias, validateModelName, validateStage, validateVersion } from './validation.js';

const TAG_VALUE_MAX = 5000;
const MODEL_ATTRIBUTES: AttributeSpec = { strings: new Set(['name']), numbers: new Set([]) };
const VERSION_ATTRIBUTES: AttributeSpec = {
  strings: new Set(['name', 'run_id', 'source_path', 'current_stage']),
  numbers: new Set(['version_number', 'creation_timestamp', 'last_updated_timestamp']),
  lists: new Set(['run_id']),
};
const VERSION_COLUMN: Record<string, string> = { source_path: 'source', version_number: 'version' };

/** Who made a change, recorded in the alias history; the security issue will fill it from authentication. */
export type Actor = string;

export class RegistryService {
  constructor(
    private readonly store: Store,
    private readonly runs: RunService,
    private readonly loggedModels: LoggedModelService,
  ) {}

  private get db(): Kysely<Database> {
    return this.store.db;
  }

  /** Locks the registered model's row for the rest of the transaction (PostgreSQL; SQLite serializes anyway). */
  private async lockModel(tx: Transaction<Database>, name: string): Promise<{ next_version: number }> {
    let q = tx.selectFrom('registered_models').select('next_version').where('name', '=', name);
    if (this.store.dialect.lockForUpdate) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    if (!row) throw notFound(`Registered Model with name=${name} not found`);
    return row;
  }

  // ── registered models ──────────────────────────────────────────────────────────────────────────────────

  async createModel(
    input: { name: unknown; description?: unknown; tags?: unknown },
    actor?: Actor,
  ): Promise<RegisteredModel> {
    const name = validateModelName(input.name);
    const description = optionalString(input.description, 'description', { max: 100_000 }) ?? null;
    const tags = validateTags(input.tags, 'tags', TAG_VALUE_MAX);
    const now = Date.now();
    try {
      await this.db.transaction().execute(async (tx) => {
        await tx
          .insertInto('registered_models')
          .values({
            name,
            description,
            user_id: actor ?? null,
            creation_timestamp: now,
            last_updated_timestamp: now,
            next_version: 1,
          })
          .execute();
        if (tags.length)
          await tx
            .insertInto('registered_model_tags')
            .values(unique(tags).map((t) => ({ name, ...t })))
            .execute();
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw alreadyExists(`Registered Model (name=${name}) already exists.`);
      throw err;
    }
    return this.getModel(name);
  }

  async getModel(nameValue: unknown): Promise<RegisteredModel> {
    const name = validateModelName(nameValue);
    const row = await this.db
      .selectFrom('registered_models')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) throw notFound(`Registered Model with name=${name} not found`);
    return (await hydrateModels(this.db, [row]))[0]!;
  }

  async renameModel(nameValue: unknown, newNameValue: unknown): Promise<RegisteredModel> {
    const name = validateModelName(nameValue);
    const newName = validateModelName(newNameValue, 'new_name');
    await this.getModel(name);
    try {
      await this.db.transaction().execute(async (tx) => {
        // Foreign keys cascade the new name to versions, tags and aliases; the history table follows by hand.
        await tx
          .updateTable('registered_models')
          .set({ name: newName, last_updated_timestamp: Date.now() })
          .where('name', '=', name)
          .execute();
        await tx.updateTable('model_alias_events').set({ name: newName }).where('name', '=', name).execute();
        // Grants follow the model in the same transaction: left behind, they would hand whoever creates a new
        // model under the old name the permissions meant for this one.
        await tx
          .updateTable('permissions')
          .set({ resource_id: newName })
          .where('resource_type', '=', 'registered_model')
          .where('resource_id', '=', name)
          .execute();
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw alreadyExists(`Registered Model (name=${newName}) already exists.`);
      throw err;
    }
    return this.getModel(newName);
  }

  async updateModel(nameValue: unknown, description: unknown): Promise<RegisteredModel> {
    const model = await this.getModel(nameValue);
    const text = optionalString(description, 'description', { max: 100_000 }) ?? null;
    await this.db
      .updateTable('registered_models')
      .set({ description: text, last_updated_timestamp: Date.now() })
      .where('name', '=', model.name)
      .execute();
    return this.getModel(model.name);
  }

  /** Refuses while aliases point into the model: deleting `champion` by accident should take a deliberate step. */
  async deleteModel(nameValue: unknown): Promise<void> {
    const model = await this.getModel(nameValue);
    if (model.aliases.length) {
      throw invalid(
        `Registered model '${model.name}' has aliases (${model.aliases.map((a) => `${a.alias} → version ${a.version}`).join(', ')}); delete them first, then the model.`,
      );
    }
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('model_alias_events').where('name', '=', model.name).execute();
      await tx.deleteFrom('registered_models').where('name', '=', model.name).execute();
    });
  }

  async setModelTag(nameValue: unknown, key: unknown, value: unknown): Promise<void> {
    const model = await this.getModel(nameValue);
    const [tag] = validateTags([{ key, value }], 'tag', TAG_VALUE_MAX);
    await this.db
      .insertInto('registered_model_tags')
      .values({ name: model.name, ...tag! })
      .onConflict((oc) => oc.columns(['name', 'key']).doUpdateSet({ value: tag!.value }))
      .execute();
  }

  async deleteModelTag(nameValue: unknown, key: unknown): Promise<void> {
    const model = await this.getModel(nameValue);
    const k = validateKey(key, 'key');
    const r = await this.db
      .deleteFrom('registered_model_tags')
      .where('name', '=', model.name)
      .where('key', '=', k)
      .executeTakeFirst();
    if (Number(r.numDeletedRows) === 0)
      throw notFound(`No tag with key ${show(k)} on registered model '${model.name}'.`);
  }

  async searchModels(input: {
    filter?: unknown;
    maxResults?: unknown;
    orderBy?: unknown;
    pageToken?: unknown;
  }): Promise<Page<RegisteredModel>> {
    const limit = optionalInt(input.maxResults, 'max_results', { min: 1, max: 1000 }) ?? 100;
    const offset = decodePageToken(optionalString(input.pageToken, 'page_token'));
    let q = this.db.selectFrom('registered_models as m').selectAll('m');
    const { clauses, prompts } = splitPromptClause(
      parseFilter(optionalString(input.filter, 'filter'), MODEL_ATTRIBUTES),
    );
    const promptTag = sql<boolean>`exists (select 1 from registered_model_tags as p where p.name = m.name and p.key = ${PROMPT_TAG} and p.value = 'true')`;
    q = q.where(prompts ? promptTag : sql<boolean>`not ${promptTag}`);
    for (const c of clauses) {
      if (c.entity === 'tag') {
        const cmp = compareString(sql.ref('t.value'), c.comparator, c.value as string, this.store.dialect);
        q = q.where(
          sql<boolean>`exists (select 1 from registered_model_tags as t where t.name = m.name and t.key = ${c.key} and ${cmp})`,
        );
      } else if (c.entity === 'attribute') {
        q = q.where(compareString(sql.ref('m.name'), c.comparator, c.value as string, this.store.dialect));
      } else {
        throw invalid(
          `Invalid filter for registered models: only name and tags.<key> are searchable, not ${c.entity} '${c.key}'.`,
        );
      }
    }
    const orders = optionalArray(input.orderBy, 'order_by').map((o, i) =>
      parseOrderBy(requireString(o, `order_by[${i}]`), [
        'name',
        'timestamp',
        'creation_timestamp',
        'last_updated_timestamp',
      ]),
    );
    for (const o of orders) {
      const column = o.key === 'timestamp' ? 'creation_timestamp' : o.key;
      q = q.orderBy(sql.ref(`m.${column}`), o.ascending ? 'asc' : 'desc');
    }
    const rows = await q
      .orderBy('m.name', 'asc')
      .limit(limit + 1)
      .offset(offset)
      .execute();
    const items = await hydrateModels(this.db, rows.slice(0, limit));
    return rows.length > limit ? { items, nextPageToken: encodePageToken(offset + limit) } : { items };
  }

  async latestVersions(nameValue: unknown, stagesValue?: unknown): Promise<ModelVersion[]> {
    const model = await this.getModel(nameValue);
    const stages = optionalArray(stagesValue, 'stages').map((s, i) => validateStage(s, `stages[${i}]`));
    const rows = await this.db
      .selectFrom('model_versions')
      .selectAll()
      .where('name', '=', model.name)
      .orderBy('version', 'desc')
      .execute();
    const wanted = stages.length ? stages : STAGES;
    const latest = wanted.flatMap((stage) => rows.filter((r) => r.current_stage === stage).slice(0, 1));
    return hydrateVersions(this.db, latest);
  }

  // ── model versions ─────────────────────────────────────────────────────────────────────────────────────

  async createVersion(
    input: {
      name: unknown;
      source: unknown;
      runId?: unknown;
      tags?: unknown;
      runLink?: unknown;
      description?: unknown;
      modelId?: unknown;
    },
    actor?: Actor,
  ): Promise<ModelVersion> {
    const name = validateModelName(input.name);
    const source = requireString(input.source, 'source', { max: 65_535 });
    const tags = validateTags(input.tags, 'tags', TAG_VALUE_MAX);
    const description = optionalString(input.description, 'description', { max: 100_000 }) ?? null;
    const runLink = optionalString(input.runLink, 'run_link', { max: 2048 }) ?? null;
    const runId = input.runId ? (await this.runs.getInfo(input.runId)).runId : undefined;
    const resolved = await resolveModelSource(source, {
      runArtifactUri: async (id) => (await this.runs.getInfo(id)).artifactUri,
      loggedModelArtifactUri: async (id) => (await this.loggedModels.get(id)).artifactUri,
      versionStorageLocation: async (model, ref) => (await this.resolveVersion(model, ref)).storageLocation,
    });
    if (runId && resolved.runId && resolved.runId !== runId) {
      throw invalid(
        `The source ${show(source)} belongs to run ${resolved.runId}, but run_id ${runId} was given.`,
      );
    }
    const modelId = (optionalString(input.modelId, 'model_id', { max: 64 }) || resolved.modelId) ?? null;
    // A version made from a logged model belongs to the run that logged it, for lineage.
    const loggedRunId = modelId ? (await this.loggedModels.get(modelId)).sourceRunId : undefined;
    const now = Date.now();
    const version = await this.db.transaction().execute(async (tx) => {
      const { next_version } = await this.lockModel(tx, name);
      await tx
        .updateTable('registered_models')
        .set({ next_version: next_version + 1, last_updated_timestamp: now })
        .where('name', '=', name)
        .execute();
      await tx
        .insertInto('model_versions')
        .values({
          name,
          version: next_version,
          description,
          user_id: actor ?? null,
          creation_timestamp: now,
          last_updated_timestamp: now,
          current_stage: 'None',
          source,
          storage_location: resolved.storageLocation,
          run_id: runId ?? resolved.runId ?? loggedRunId ?? null,
          run_link: runLink,
          model_id: modelId,
          status: 'READY',
          status_message: null,
        })
        .execute();
      if (tags.length)
        await tx
          .insertInto('model_version_tags')
          .values(unique(tags).map((t) => ({ name, version: next_version, ...t })))
          .execute();
      return next_version;
    });
    return this.getVersion(name, version);
  }

  async getVersion(nameValue: unknown, versionValue: unknown): Promise<ModelVersion> {
    const name = validateModelName(nameValue);
    const version = validateVersion(versionValue);
    const row = await this.db
      .selectFrom('model_versions')
      .selectAll()
      .where('name', '=', name)
      .where('version', '=', version)
      .executeTakeFirst();
    if (!row) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
    return (await hydrateVersions(this.db, [row]))[0]!;
  }

  /** `3`, `v3`, `@champion`, `latest`: the forms a `models:/name/...` URI uses. */
  async resolveVersion(nameValue: unknown, ref: string): Promise<ModelVersion> {
    const name = validateModelName(nameValue);
    if (ref.startsWith('@')) return this.versionByAlias(name, ref.slice(1));
    if (ref.toLowerCase() === 'latest') {
      const row = await this.db
        .selectFrom('model_versions')
        .select('version')
        .where('name', '=', name)
        .orderBy('version', 'desc')
        .executeTakeFirst();
      if (!row) throw notFound(`Registered model '${name}' has no versions.`);
      return this.getVersion(name, row.version);
    }
    const stage = STAGES.find((s) => s.toLowerCase() === ref.toLowerCase());
    if (stage) {
      const [latest] = await this.latestVersions(name, [stage]);
      if (!latest) throw notFound(`Registered model '${name}' has no version in stage ${stage}.`);
      return latest;
    }
    return this.getVersion(name, ref.replace(/^v/i, ''));
  }

  async updateVersion(
    nameValue: unknown,
    versionValue: unknown,
    description: unknown,
  ): Promise<ModelVersion> {
    const mv = await this.getVersion(nameValue, versionValue);
    await this.db
      .updateTable('model_versions')
      .set({
        description: optionalString(description, 'description', { max: 100_000 }) ?? null,
        last_updated_timestamp: Date.now(),
      })
      .where('name', '=', mv.name)
      .where('version', '=', Number(mv.version))
      .execute();
    return this.getVersion(mv.name, mv.version);
  }

  async deleteVersion(nameValue: unknown, versionValue: unknown): Promise<void> {
    const mv = await this.getVersion(nameValue, versionValue);
    if (mv.aliases.length) {
      throw invalid(
        `Model version ${mv.name}/${mv.version} is the target of alias(es) ${mv.aliases.join(', ')}; move or delete them first.`,
      );
    }
    await this.db
      .deleteFrom('model_versions')
      .where('name', '=', mv.name)
      .where('version', '=', Number(mv.version))
      .execute();
  }

  async transitionStage(
    nameValue: unknown,
    versionValue: unknown,
    stageValue: unknown,
    archiveExisting?: unknown,
  ): Promise<ModelVersion> {
    const mv = await this.getVersion(nameValue, versionValue);
    const stage = validateStage(stageValue);
    const archive = optionalBool(archiveExisting, 'archive_existing_versions') ?? false;
    const now = Date.now();
    await this.db.transaction().execute(async (tx) => {
      await this.lockModel(tx, mv.name);
      if (archive && (stage === 'Staging' || stage === 'Production')) {
        await tx
          .updateTable('model_versions')
          .set({ current_stage: 'Archived', last_updated_timestamp: now })
          .where('name', '=', mv.name)
          .where('current_stage', '=', stage)
          .where('version', '!=', Number(mv.version))
          .execute();
      }
      await tx
        .updateTable('model_versions')
        .set({ current_stage: stage, last_updated_timestamp: now })
        .where('name', '=', mv.name)
        .where('version', '=', Number(mv.version))
        .execute();
    });
    return this.getVersion(mv.name, mv.version);
  }

  async setVersionTag(
    nameValue: unknown,
    versionValue: unknown,
    key: unknown,
    value: unknown,
  ): Promise<void> {
    const mv = await this.getVersion(nameValue, versionValue);
    const [tag] = validateTags([{ key, value }], 'tag', TAG_VALUE_MAX);
    await this.db
      .insertInto('model_version_tags')
      .values({ name: mv.name, version: Number(mv.version), ...tag! })
      .onConflict((oc) => oc.columns(['name', 'version', 'key']).doUpdateSet({ value: tag!.value }))
      .execute();
  }

  async deleteVersionTag(nameValue: unknown, versionValue: unknown, key: unknown): Promise<void> {
    const mv = await this.getVersion(nameValue, versionValue);
    const k = validateKey(key, 'key');
    const r = await this.db
      .deleteFrom('model_version_tags')
      .where('name', '=', mv.name)
      .where('version', '=', Number(mv.version))
      .where('key', '=', k)
      .executeTakeFirst();
    if (Number(r.numDeletedRows) === 0)
      throw notFound(`No tag with key ${show(k)} on model version ${mv.name}/${mv.version}.`);
  }

  async searchVersions(input: {
    filter?: unknown;
    maxResults?: unknown;
    orderBy?: unknown;
    pageToken?: unknown;
  }): Promise<Page<ModelVersion>> {
    const limit = optionalInt(input.maxResults, 'max_results', { min: 1, max: 200_000 }) ?? 10_000;
    const offset = decodePageToken(optionalString(input.pageToken, 'page_token'));
    let q = this.db.selectFrom('model_versions as v').selectAll('v');
    const { clauses, prompts } = splitPromptClause(
      parseFilter(optionalString(input.filter, 'filter'), VERSION_ATTRIBUTES),
    );
    const promptTag = sql<boolean>`exists (select 1 from registered_model_tags as p where p.name = v.name and p.key = ${PROMPT_TAG} and p.value = 'true')`;
    q = q.where(prompts ? promptTag : sql<boolean>`not ${promptTag}`);
    for (const c of clauses) {
      if (c.entity === 'tag') {
        const cmp = compareString(sql.ref('t.value'), c.comparator, c.value as string, this.store.dialect);
        q = q.where(
          sql<boolean>`exists (select 1 from model_version_tags as t where t.name = v.name and t.version = v.version and t.key = ${c.key} and ${cmp})`,
        );
      } else if (c.entity === 'attribute') {
        const column = sql.ref(`v.${VERSION_COLUMN[c.key] ?? c.key}`);
        q = q.where(
          typeof c.value === 'number'
            ? compareNumber(column, c.comparator, c.value)
            : compareString(column, c.comparator, c.value, this.store.dialect),
        );
      } else {
        throw invalid(
          `Invalid filter for model versions: ${c.entity} '${c.key}' is not searchable; use name, run_id, source_path, version_number or tags.<key>.`,
        );
      }
    }
    const orders = optionalArray(input.orderBy, 'order_by').map((o, i) =>
      parseOrderBy(requireString(o, `order_by[${i}]`), [
        'name',
        'version_number',
        'creation_timestamp',
        'last_updated_timestamp',
        'timestamp',
      ]),
    );
    for (const o of orders) {
      const column = o.key === 'timestamp' ? 'creation_timestamp' : (VERSION_COLUMN[o.key] ?? o.key);
      q = q.orderBy(sql.ref(`v.${column}`), o.ascending ? 'asc' : 'desc');
    }
    const rows = await q
      .orderBy('v.name', 'asc')
      .orderBy('v.version', 'desc')
      .limit(limit + 1)
      .offset(offset)
      .execute();
    const items = await hydrateVersions(this.db, rows.slice(0, limit));
    return rows.length > limit ? { items, nextPageToken: encodePageToken(offset + limit) } : { items };
  }

  // ── aliases ────────────────────────────────────────────────────────────────────────────────────────────

  /** Moves an alias and records the move, atomically: history and alias can never disagree. */
  async setAlias(
    nameValue: unknown,
    aliasValue: unknown,
    versionValue: unknown,
    actor: Actor = 'unknown',
  ): Promise<AliasEvent> {
    const name = validateModelName(nameValue);
    const alias = validateAlias(aliasValue);
    const version = validateVersion(versionValue);
    await this.getVersion(name, version);
    return this.db.transaction().execute(async (tx) => {
      await this.lockModel(tx, name);
      const current = await tx
        .selectFrom('model_aliases')
        .select('version')
        .where('name', '=', name)
        .where('alias', '=', alias)
        .executeTakeFirst();
      const exists = await tx
        .selectFrom('model_versions')
        .select('version')
        .where('name', '=', name)
        .where('version', '=', version)
        .executeTakeFirst();
      if (!exists) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
      if (current)
        await tx
          .updateTable('model_aliases')
          .set({ version })
          .where('name', '=', name)
          .where('alias', '=', alias)
          .execute();
      else await tx.insertInto('model_aliases').values({ name, alias, version }).execute();
      await tx
        .updateTable('registered_models')
        .set({ last_updated_timestamp: Date.now() })
        .where('name', '=', name)
        .execute();
      return this.recordMove(tx, name, alias, current?.version ?? null, version, actor);
    });
  }

  async deleteAlias(nameValue: unknown, aliasValue: unknown, actor: Actor = 'unknown'): Promise<AliasEvent> {
    const name = validateModelName(nameValue);
    const alias = validateAlias(aliasValue);
    await this.getModel(name);
    return this.db.transaction().execute(async (tx) => {
      await this.lockModel(tx, name);
      const current = await tx
        .selectFrom('model_aliases')
        .select('version')
        .where('name', '=', name)
        .where('alias', '=', alias)
        .executeTakeFirst();
      if (!current) throw notFound(`Registered model alias ${alias} not found.`);
      await tx.deleteFrom('model_aliases').where('name', '=', name).where('alias', '=', alias).execute();
      return this.recordMove(tx, name, alias, current.version, null, actor);
    });
  }

  async versionByAlias(nameValue: unknown, aliasValue: unknown): Promise<ModelVersion> {
    const name = validateModelName(nameValue);
    const alias = requireString(aliasValue, 'alias', { max: 255 });
    const row = await this.db
      .selectFrom('model_aliases')
      .select('version')
      .where('name', '=', name)
      .where('alias', '=', alias)
      .executeTakeFirst();
    if (!row) throw notFound(`Registered model alias ${alias} not found.`);
    return this.getVersion(name, row.version);
  }

  async aliasHistory(nameValue: unknown, aliasValue?: unknown): Promise<AliasEvent[]> {
    const model = await this.getModel(nameValue);
    let q = this.db.selectFrom('model_alias_events').selectAll().where('name', '=', model.name);
    if (aliasValue !== undefined && aliasValue !== null && aliasValue !== '')
      q = q.where('alias', '=', requireString(aliasValue, 'alias'));
    const rows = await q.orderBy('timestamp').orderBy('alias').orderBy('seq').execute();
    return rows.map(toEvent);
  }

  private async recordMove(
    tx: Transaction<Database>,
    name: string,
    alias: string,
    from: number | null,
    to: number | null,
    actor: Actor,
  ): Promise<AliasEvent> {
    const last = await tx
      .selectFrom('model_alias_events')
      .select((eb) => [
        eb.fn.max(eb.case().when('alias', '=', alias).then(eb.ref('seq')).end()).as('seq'),
        eb.fn.max('timestamp').as('timestamp'),
      ])
      .where('name', '=', name)
      .executeTakeFirst();
    const row = {
      name,
      alias,
      seq: Number(last?.seq ?? 0) + 1,
      from_version: from,
      to_version: to,
      actor,
      // History reads in time order: two moves of one model in the same millisecond still get distinct, ordered times.
      timestamp: Math.max(Date.now(), Number(last?.timestamp ?? 0) + 1),
    };
    await tx.insertInto('model_alias_events').values(row).execute();
    return toEvent(row);
  }
}

const PROMPT_TAG = 'mlflow.prompt.is_prompt';

/**
 * MLflow 3 keeps prompts in the registry, tagged `mlflow.prompt.is_prompt = true`, and its client adds
 * ``tags.`mlflow.prompt.is_prompt` != 'true'`` to searches. As in MLflow, that clause means "not a prompt"
 * (models without the tag match), and searches return models unless the filter asks for prompts.
 */
function splitPromptClause(all: Clause[]): { clauses: Clause[]; prompts: boolean } {
  let prompts = false;
  const clauses = all.filter((c) => {
    if (c.entity !== 'tag' || c.key !== PROMPT_TAG) return true;
    const value = String(c.value).toLowerCase();
    prompts = (c.comparator === '=' && value === 'true') || (c.comparator === '!=' && value === 'false');
    return false;
  });
  return { clauses, prompts };
}

function toEvent(r: {
  name: string;
  alias: string;
  seq: number;
  from_version: number | null;
  to_version: number | null;
  actor: string;
  timestamp: number;
}): AliasEvent {
  return {
    name: r.name,
    alias: r.alias,
    seq: r.seq,
    ...(r.from_version === null ? {} : { fromVersion: String(r.from_version) }),
    ...(r.to_version === null ? {} : { toVersion: String(r.to_version) }),
    actor: r.actor,
    timestamp: r.timestamp,
  };
}

function unique<T extends { key: string; value: string }>(list: T[]): { key: string; value: string }[] {
  return [...new Map(list.map((t) => [t.key, t.value]))].map(([key, value]) => ({ key, value }));
}

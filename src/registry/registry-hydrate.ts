import type { Kysely, Selectable } from 'kysely';
import type { Database, ModelVersionTable, RegisteredModelTable } from '../store/schema.js';
import {
  type ModelVersion,
  type ModelVersionStatus,
  type RegisteredModel,
  STAGES,
  type Stage,
} from './types.js';

type VersionRow = Selectable<ModelVersionTable>;

export async function hydrateVersions(
  db: Kysely<Database>,
  rows: readonly VersionRow[],
): Promise<ModelVersion[]> {
  if (rows.length === 0) return [];
  const names = [...new Set(rows.map((r) => r.name))];
  const [tags, aliases] = await Promise.all([
    db.selectFrom('model_version_tags').selectAll().where('name', 'in', names).orderBy('key').execute(),
    db.selectFrom('model_aliases').selectAll().where('name', 'in', names).orderBy('alias').execute(),
  ]);
  return rows.map((r) => ({
    name: r.name,
    version: String(r.version),
    creationTimestamp: r.creation_timestamp,
    lastUpdatedTimestamp: r.last_updated_timestamp,
    ...(r.user_id ? { userId: r.user_id } : {}),
    currentStage: r.current_stage as Stage,
    ...(r.description ? { description: r.description } : {}),
    source: r.source,
    storageLocation: r.storage_location,
    ...(r.run_id ? { runId: r.run_id } : {}),
    ...(r.run_link ? { runLink: r.run_link } : {}),
    ...(r.model_id ? { modelId: r.model_id } : {}),
    status: r.status as ModelVersionStatus,
    ...(r.status_message ? { statusMessage: r.status_message } : {}),
    tags: tags
      .filter((t) => t.name === r.name && t.version === r.version)
      .map(({ key, value }) => ({ key, value })),
    aliases: aliases.filter((a) => a.name === r.name && a.version === r.version).map((a) => a.alias),
  }));
}

export async function hydrateModels(
  db: Kysely<Database>,
  rows: readonly Selectable<RegisteredModelTable>[],
): Promise<RegisteredModel[]> {
  if (rows.length === 0) return [];
  const names = rows.map((r) => r.name);
  const [tags, aliases, versions] = await Promise.all([
    db.selectFrom('registered_model_tags').selectAll().where('name', 'in', names).orderBy('key').execute(),
    db.selectFrom('model_aliases').selectAll().where('name', 'in', names).orderBy('alias').execute(),
    db
      .selectFrom('model_versions')
      .selectAll()
      .where('name', 'in', names)
      .orderBy('version', 'desc')
      .execute(),
  ]);
  const latest = versions.filter(
    (v, i) => versions.findIndex((w) => w.name === v.name && w.current_stage === v.current_stage) === i,
  );
  const latestHydrated = await hydrateVersions(db, latest);
  return rows.map((r) => ({
    name: r.name,
    creationTimestamp: r.creation_timestamp,
    lastUpdatedTimestamp: r.last_updated_timestamp,
    ...(r.user_id ? { userId: r.user_id } : {}),
    ...(r.description ? { description: r.description } : {}),
    latestVersions: latestHydrated
      .filter((v) => v.name === r.name)
      .sort((a, b) => STAGES.indexOf(a.currentStage) - STAGES.indexOf(b.currentStage)),
    tags: tags.filter((t) => t.name === r.name).map(({ key, value }) => ({ key, value })),
    aliases: aliases
      .filter((a) => a.name === r.name)
      .map((a) => ({ alias: a.alias, version: String(a.version) })),
  }));
}

import type { Rpc } from './rpc.js';
import { done } from './rpc.js';
import * as wire from './wire.js';

const list = (value: unknown): unknown => (typeof value === 'string' ? [value] : value);
const page = <T>(key: string, p: { items: T[]; nextPageToken?: string }, map: (t: T) => object) => ({
  [key]: p.items.map(map),
  ...(p.nextPageToken ? { next_page_token: p.nextPageToken } : {}),
});

/** MLflow's ModelRegistryService: registered models, versions, stages, tags and aliases. */
export const registryRpcs: Rpc[] = [
  {
    method: 'POST',
    path: '/registered-models/create',
    handle: async (m, s) => ({
      registered_model: wire.registeredModel(
        await s.registry.createModel({ name: m.name, description: m.description, tags: m.tags }),
      ),
    }),
  },
  {
    method: 'GET',
    path: '/registered-models/get',
    handle: async (m, s) => ({ registered_model: wire.registeredModel(await s.registry.getModel(m.name)) }),
  },
  {
    method: 'POST',
    path: '/registered-models/rename',
    handle: async (m, s) => ({
      registered_model: wire.registeredModel(await s.registry.renameModel(m.name, m.new_name)),
    }),
  },
  {
    method: 'PATCH',
    path: '/registered-models/update',
    handle: async (m, s) => ({
      registered_model: wire.registeredModel(await s.registry.updateModel(m.name, m.description)),
    }),
  },
  {
    method: 'DELETE',
    path: '/registered-models/delete',
    handle: async (m, s) => done(s.registry.deleteModel(m.name)),
  },
  {
    method: ['GET', 'POST'],
    path: '/registered-models/search',
    handle: async (m, s) =>
      page(
        'registered_models',
        await s.registry.searchModels({
          filter: m.filter,
          maxResults: m.max_results,
          orderBy: list(m.order_by),
          pageToken: m.page_token,
        }),
        wire.registeredModel,
      ),
  },
  {
    method: ['POST', 'GET'],
    path: '/registered-models/get-latest-versions',
    handle: async (m, s) => ({
      model_versions: (await s.registry.latestVersions(m.name, list(m.stages))).map(wire.modelVersion),
    }),
  },
  {
    method: 'POST',
    path: '/registered-models/set-tag',
    handle: async (m, s) => done(s.registry.setModelTag(m.name, m.key, m.value)),
  },
  {
    method: 'DELETE',
    path: '/registered-models/delete-tag',
    handle: async (m, s) => done(s.registry.deleteModelTag(m.name, m.key)),
  },
  {
    method: 'POST',
    path: '/registered-models/alias',
    handle: async (m, s) => done(s.registry.setAlias(m.name, m.alias, m.version)),
  },
  {
    method: 'DELETE',
    path: '/registered-models/alias',
    handle: async (m, s) => done(s.registry.deleteAlias(m.name, m.alias)),
  },
  {
    method: 'GET',
    path: '/registered-models/alias',
    handle: async (m, s) => ({
      model_version: wire.modelVersion(await s.registry.versionByAlias(m.name, m.alias)),
    }),
  },
  {
    method: 'POST',
    path: '/model-versions/create',
    handle: async (m, s) => ({
      model_version: wire.modelVersion(
        await s.registry.createVersion({
          name: m.name,
          source: m.source,
          runId: m.run_id,
          tags: m.tags,
          runLink: m.run_link,
          description: m.description,
          modelId: m.model_id,
        }),
      ),
    }),
  },
  {
    method: 'GET',
    path: '/model-versions/get',
    handle: async (m, s) => ({
      model_version: wire.modelVersion(await s.registry.getVersion(m.name, m.version)),
    }),
  },
  {
    method: 'PATCH',
    path: '/model-versions/update',
    handle: async (m, s) => ({
      model_version: wire.modelVersion(await s.registry.updateVersion(m.name, m.version, m.description)),
    }),
  },
  {
    method: 'DELETE',
    path: '/model-versions/delete',
    handle: async (m, s) => done(s.registry.deleteVersion(m.name, m.version)),
  },
  {
    method: 'POST',
    path: '/model-versions/transition-stage',
    handle: async (m, s) => ({
      model_version: wire.modelVersion(
        await s.registry.transitionStage(m.name, m.version, m.stage, m.archive_existing_versions),
      ),
    }),
  },
  {
    method: ['GET', 'POST'],
    path: '/model-versions/search',
    handle: async (m, s) =>
      page(
        'model_versions',
        await s.registry.searchVersions({
          filter: m.filter,
          maxResults: m.max_results,
          orderBy: list(m.order_by),
          pageToken: m.page_token,
        }),
        wire.modelVersion,
      ),
  },
  {
    method: 'GET',
    path: '/model-versions/get-download-uri',
    handle: async (m, s) => ({
      artifact_uri: (await s.registry.getVersion(m.name, m.version)).storageLocation,
    }),
  },
  {
    method: 'POST',
    path: '/model-versions/set-tag',
    handle: async (m, s) => done(s.registry.setVersionTag(m.name, m.version, m.key, m.value)),
  },
  {
    method: 'DELETE',
    path: '/model-versions/delete-tag',
    handle: async (m, s) => done(s.registry.deleteVersionTag(m.name, m.version, m.key)),
  },
];

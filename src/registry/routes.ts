import { type Context, Hono } from 'hono';
import { invalid } from '../core/errors.js';
import { optionalInt, optionalString } from '../core/validate.js';
import { readFields } from '../server/json-body.js';
import type { Services } from '../server/services.js';
import { modelVersionLineage } from './lineage.js';
import { validateModelName } from './validation.js';

/**
 * The registry's native API (`/api/v1/registered-models`, `/api/v1/lineage`): camelCase domain shapes over the
 * registry service, as the MLflow adapter is over the same service.
 */
export function registryRoutes(services: () => Services): Hono {
  const api = new Hono();

  api.get('/registered-models', async (c) => {
    const page = await services().registry.searchModels({
      filter: c.req.query('filter'),
      orderBy: c.req.queries('orderBy'),
      maxResults: optionalInt(c.req.query('maxResults'), 'maxResults', { min: 1, max: 1000 }),
      pageToken: c.req.query('pageToken'),
    });
    return c.json(pageOf(page));
  });
  api.post('/registered-models', async (c) => {
    const b = await readFields(c, ['name', 'description', 'tags']);
    return c.json(
      await services().registry.createModel({ name: b.name, description: b.description, tags: b.tags }),
      201,
    );
  });
  api.get('/registered-models/:name', async (c) => c.json(await services().registry.getModel(name(c))));
  api.patch('/registered-models/:name', async (c) => {
    const b = await readFields(c, ['name', 'description']);
    let current = name(c);
    const registry = services().registry;
    if (b.name !== undefined) current = (await registry.renameModel(current, b.name)).name;
    if (b.description !== undefined) await registry.updateModel(current, b.description);
    return c.json(await registry.getModel(current));
  });
  api.delete('/registered-models/:name', async (c) => {
    await services().registry.deleteModel(name(c));
    return c.body(null, 204);
  });

  api.get('/registered-models/:name/versions', async (c) => {
    const model = await services().registry.getModel(name(c));
    const page = await services().registry.searchVersions({
      filter: `name = '${model.name.replaceAll("'", "\\'")}'`,
      maxResults: optionalInt(c.req.query('maxResults'), 'maxResults', { min: 1, max: 10_000 }),
      pageToken: c.req.query('pageToken'),
    });
    return c.json(pageOf(page));
  });
  api.post('/registered-models/:name/versions', async (c) => {
    const b = await readFields(c, ['source', 'runId', 'description', 'tags']);
    const version = await services().registry.createVersion({
      name: name(c),
      source: b.source,
      runId: optionalString(b.runId, 'runId'),
      description: b.description,
      tags: b.tags,
    });
    return c.json(version, 201);
  });
  // `:ref` is a version number, `@alias`, `latest` or a stage name, as in models:/ URIs.
  api.get('/registered-models/:name/versions/:ref', async (c) =>
    c.json(await services().registry.resolveVersion(name(c), c.req.param('ref'))),
  );

  api.get('/registered-models/:name/aliases/history', async (c) => {
    const items = await services().registry.aliasHistory(name(c), c.req.query('alias'));
    return c.json({ items });
  });
  api.put('/registered-models/:name/aliases/:alias', async (c) => {
    const b = await readFields(c, ['version']);
    if (b.version === undefined) throw invalid(`Missing value for required parameter 'version'.`);
    return c.json(await services().registry.setAlias(name(c), c.req.param('alias'), b.version, actor(c)));
  });
  api.delete('/registered-models/:name/aliases/:alias', async (c) =>
    c.json(await services().registry.deleteAlias(name(c), c.req.param('alias'), actor(c))),
  );

  api.get('/lineage/model-versions/:name/:ref', async (c) =>
    c.json(await modelVersionLineage(services(), name(c), c.req.param('ref'))),
  );
  return api;
}

const name = (c: Context): string => validateModelName(c.req.param('name'), 'name');

/** Who moved an alias: the authenticated user, or without authentication what the client says it is. */
const actor = (c: Context): string => c.get('principal')?.user ?? 'anonymous';

const pageOf = <T>(page: { items: T[]; nextPageToken?: string }) =>
  page.nextPageToken ? { items: page.items, nextPageToken: page.nextPageToken } : { items: page.items };

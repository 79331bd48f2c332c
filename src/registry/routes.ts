import { Hono } from 'hono';
import { requireString } from '../core/validate.js';
import type { Services } from '../server/services.js';
import { modelVersionLineage } from './lineage.js';

/**
 * The registry's native routes (`/api/v1`): what MLflow's API has no call for. Registered models and versions
 * themselves are served by the MLflow adapter; these only translate HTTP to the registry service.
 */
export function registryRoutes(services: () => Services): Hono {
  const api = new Hono();

  // Every move of the model's aliases (or of one, with ?alias=), oldest first.
  api.get('/registered-models/:name/aliases/history', async (c) => {
    const alias = c.req.query('alias');
    const events = await services().registry.aliasHistory(c.req.param('name'), alias);
    return c.json({ events });
  });

  // What made a version: `:version` is a number, `@alias`, `latest` or a stage name.
  api.get('/lineage/model-versions/:name/:version', async (c) => {
    const s = services();
    const ref = requireString(c.req.param('version'), 'version', { max: 256 });
    return c.json(await modelVersionLineage(s, c.req.param('name'), ref));
  });
  return api;
}

import { Hono } from 'hono';
import { invalid, show } from '../core/errors.js';
import { optionalBool, optionalInt } from '../core/validate.js';
import { readFields, readJsonObject, requireJsonContentType } from '../server/json-body.js';
import type { Services } from '../server/services.js';
import { validateDeploymentName } from '../serving/deployment-service.js';
import { DEFAULT_CONFIG } from './config.js';
import { parseRange } from './windows.js';

const CONFIG_FIELDS = Object.keys(DEFAULT_CONFIG);

/** The native monitoring API: configuration, windows, reports, ground truth and alerts. Translation only. */
export function monitorRoutes(services: () => Services): Hono {
  const api = new Hono();
  const monitoring = () => services().monitoring;

  api.get('/deployments/:name/monitoring', async (c) =>
    c.json(await monitoring().config(c.req.param('name'))),
  );
  api.patch('/deployments/:name/monitoring', async (c) => {
    const body = await readFields(c, CONFIG_FIELDS);
    return c.json(await monitoring().updateConfig(c.req.param('name'), body));
  });
  api.delete('/deployments/:name/monitoring', async (c) => {
    await monitoring().resetConfig(c.req.param('name'));
    return c.body(null, 204);
  });
  api.get('/deployments/:name/monitoring/windows', async (c) => {
    const range = parseRange(c.req.query('from'), c.req.query('to'));
    const modelVersion = c.req.query('modelVersion');
    const profiles = optionalBool(c.req.query('profiles'), 'profiles') ?? false;
    const items = await monitoring().windows(
      c.req.param('name'),
      { ...range, ...(modelVersion ? { modelVersion } : {}) },
      { profiles },
    );
    return c.json({ items });
  });
  api.get('/deployments/:name/monitoring/report', async (c) => {
    const range = parseRange(c.req.query('from'), c.req.query('to'));
    return c.json(await monitoring().report(c.req.param('name'), range));
  });
  api.post('/feedback', async (c) => {
    requireJsonContentType(c);
    const body = await readJsonObject(c);
    const { accepted } = await monitoring().feedback(body);
    return c.json({ accepted }, 201);
  });
  api.get('/alerts', async (c) => {
    const deployment = c.req.query('deployment');
    const from = c.req.query('from');
    const to = c.req.query('to');
    const range = from || to ? parseRange(from, to) : undefined;
    const limit = optionalInt(c.req.query('maxResults'), 'maxResults', { min: 1, max: 1000 });
    if (deployment !== undefined && deployment !== '') validateDeploymentName(deployment, 'deployment');
    else if (deployment === '')
      throw invalid(`Invalid deployment ${show(deployment)}: give a deployment name.`);
    const items = await monitoring().alerts({
      ...(deployment ? { deployment } : {}),
      ...(range ?? {}),
      ...(limit ? { limit } : {}),
    });
    return c.json({ items });
  });
  return api;
}

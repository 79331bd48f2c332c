import { type Context, Hono } from 'hono';
import { invalid } from '../core/errors.js';
import { readFields } from '../server/json-body.js';
import type { Services } from '../server/services.js';
import type { Deployment, DeploymentStatus } from './deployment-types.js';

export interface DeploymentView extends Deployment {
  /** What this server process is serving for the deployment right now. */
  status: DeploymentStatus;
}

/** The native deployments API (`/api/v1/deployments`): camelCase shapes over the deployment service. */
export function deploymentRoutes(services: () => Services): Hono {
  const api = new Hono();
  const view = (d: Deployment): DeploymentView => ({ ...d, status: statusOf(services(), d.name) });
  const changed = () => {
    const serving = services().serving;
    if (serving?.started) void serving.sync();
  };

  api.get('/deployments', async (c) => c.json({ items: (await services().deployments.list()).map(view) }));
  api.post('/deployments', async (c) => {
    const b = await readFields(c, ['name', 'model', 'stickyHeader', 'batching']);
    const d = await services().deployments.create(
      { name: b.name, model: b.model, stickyHeader: b.stickyHeader, batching: b.batching },
      actor(c),
    );
    changed();
    return c.json(view(d), 201);
  });
  api.get('/deployments/:name', async (c) =>
    c.json(view(await services().deployments.get(c.req.param('name')))),
  );
  api.delete('/deployments/:name', async (c) => {
    await services().deployments.delete(c.req.param('name'));
    changed();
    return c.body(null, 204);
  });
  api.put('/deployments/:name/routes', async (c) => {
    const b = await readFields(c, ['routes', 'shadows']);
    if (b.routes === undefined) throw invalid(`Missing value for required parameter 'routes'.`);
    const d = await services().deployments.setRoutes(
      c.req.param('name'),
      { routes: b.routes, shadows: b.shadows },
      actor(c),
    );
    changed();
    return c.json(view(d));
  });
  api.post('/deployments/:name/rollback', async (c) => {
    const d = await services().deployments.rollback(c.req.param('name'), actor(c));
    changed();
    return c.json(view(d));
  });
  api.get('/deployments/:name/events', async (c) =>
    c.json({ items: await services().deployments.events(c.req.param('name')) }),
  );
  return api;
}

function statusOf(services: Services, name: string): DeploymentStatus {
  const serving = services.serving;
  if (!serving?.started) return { state: 'not_served', routes: [] };
  return serving.status(name);
}

const actor = (c: Context): string => c.req.header('x-mloop-actor')?.slice(0, 256) || 'anonymous';

import { Hono, type MiddlewareHandler } from 'hono';
import { mlflowScoringRoutes } from '../compat/mlflow-scoring/routes.js';
import { oipRoutes } from '../compat/oip/routes.js';
import { VERSION } from '../server/version.js';
import type { ServingMetrics } from './metrics.js';
import type { ServingManager } from './serving-manager.js';

/**
 * The app of a standalone replica (`mloop serve`): one model under one name, on the Open Inference Protocol
 * (`/v2/...`) and MLflow's scoring protocol (`/invocations`, `/ping`, `/health`), with `/metrics`.
 */
export function createServingApp(
  manager: ServingManager,
  metrics: ServingMetrics,
  name: string,
  opts: { maxBodyBytes: number; middleware?: MiddlewareHandler[] },
): Hono {
  const app = new Hono();
  for (const m of opts.middleware ?? []) app.use(m);
  app.route(
    '/v2',
    oipRoutes(() => manager, {
      server: { name: 'mloop', version: VERSION },
      maxBodyBytes: opts.maxBodyBytes,
    }),
  );
  app.route(
    '/',
    mlflowScoringRoutes(() => manager, name, { version: VERSION, maxBodyBytes: opts.maxBodyBytes }),
  );
  app.get('/metrics', (c) => c.body(metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4' }));
  app.notFound((c) => c.json({ error: `No endpoint ${c.req.method} ${new URL(c.req.url).pathname}.` }, 404));
  return app;
}

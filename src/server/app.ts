import type { Hono } from 'hono';
import { authRoutes } from '../auth/routes.js';
import { mountMlflow } from '../compat/mlflow/mount.js';
import { oipRoutes } from '../compat/oip/routes.js';
import { loopRoutes } from '../loop/routes.js';
import { monitorRoutes } from '../monitor/routes.js';
import { pipelineRoutes } from '../pipeline/routes.js';
import { registryRoutes } from '../registry/routes.js';
import { DEFAULT_MAX_BODY } from '../serving/create-serving.js';
import { deploymentRoutes } from '../serving/routes.js';
import { type AppOptions, appShell } from './app-shell.js';
import { API_PREFIX, OPENAPI } from './openapi.js';
import type { Services } from './services.js';
import { mountDataAndTracking } from './tracking-app.js';
import { VERSION } from './version.js';

/** Assembles the HTTP app from the domain services; owns no logic of its own. */
export function createApp(services: Services, opts: AppOptions = {}): Hono {
  const app = appShell(services, opts);
  mountMlflow(app, () => services);
  app.get(`${API_PREFIX}/openapi.json`, (c) => c.json(OPENAPI));
  mountDataAndTracking(app, services);
  app.route(
    API_PREFIX,
    registryRoutes(() => services),
  );
  app.route(
    API_PREFIX,
    authRoutes(() => services),
  );
  app.route(
    API_PREFIX,
    deploymentRoutes(() => services),
  );
  app.route(
    API_PREFIX,
    loopRoutes(() => services),
  );
  app.route(
    API_PREFIX,
    monitorRoutes(() => services),
  );
  app.route(
    API_PREFIX,
    pipelineRoutes(() => services),
  );
  const serving = services.serving;
  const metrics = services.servingMetrics;
  if (serving && metrics) {
    // Deployment D answers at /v2/models/D/...; Prometheus scrapes /metrics.
    app.route(
      '/v2',
      oipRoutes(() => serving, {
        server: { name: 'mloop', version: VERSION },
        maxBodyBytes: DEFAULT_MAX_BODY,
      }),
    );
    app.get('/metrics', (c) =>
      c.body(metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4' }),
    );
  }
  return app;
}

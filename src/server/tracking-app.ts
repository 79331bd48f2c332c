import type { Hono } from 'hono';
import { mountArtifactProxy } from '../compat/mlflow/artifact-routes.js';
import { dataRoutes } from '../data/routes.js';
import { trackingRoutes } from '../tracking/routes.js';
import { API_PREFIX } from './api-prefix.js';
import { type AppOptions, appShell } from './app-shell.js';
import type { TrackingServices } from './tracking-services.js';

/**
 * The native tracking and data APIs and the artifact proxy, on the same shell as `createApp` (security, audit,
 * errors): what a tracked `repro` needs of a local home, without loading serving, monitoring, the registry's and
 * MLflow's routes or the OpenAPI document. Any other path answers ENDPOINT_NOT_FOUND.
 */
export function createTrackingApp(services: TrackingServices, opts: AppOptions = {}): Hono {
  const app = appShell(services, opts);
  mountDataAndTracking(app, services);
  mountArtifactProxy(app, () => services);
  return app;
}

/** The native data and tracking routes under the API prefix: shared by `createApp` and `createTrackingApp`. */
export function mountDataAndTracking(app: Hono, services: TrackingServices): void {
  app.route(
    API_PREFIX,
    dataRoutes(() => services),
  );
  app.route(
    API_PREFIX,
    trackingRoutes(() => services),
  );
}

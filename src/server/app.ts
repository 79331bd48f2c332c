import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { mountMlflow } from '../compat/mlflow/mount.js';
import { MloopError } from '../core/errors.js';
import { registryRoutes } from '../registry/routes.js';
import { trackingRoutes } from '../tracking/routes.js';
import { errorResponse } from './http-errors.js';
import { API_PREFIX, OPENAPI } from './openapi.js';
import type { Services } from './services.js';
import type { StaticUi } from './static-ui.js';
import { VERSION } from './version.js';

/** JSON bodies above this are refused before parsing; artifact uploads stream and are not bound by it. */
const MAX_JSON_BODY = 32 * 1024 * 1024;

export interface AppOptions {
  /** Logs unexpected errors (with stack); defaults to stderr. */
  onUnexpectedError?: (err: unknown) => void;
  /** The built web UI, served at `/` for every path no route takes (see static-ui.ts). */
  ui?: StaticUi;
}

/** Assembles the HTTP app from the domain services; owns no logic of its own. */
export function createApp(services: Services, opts: AppOptions = {}): Hono {
  const app = new Hono();
  const log = opts.onUnexpectedError ?? ((err) => console.error('mloop: unexpected error', err));

  app.onError((err, c) => {
    const { status, body } = errorResponse(err);
    if (status >= 500) log(err);
    return c.json(body, status);
  });
  app.notFound((c) => {
    const page = opts.ui?.respond(c.req.raw);
    if (page) return page;
    const path = new URL(c.req.url).pathname;
    const hint = path === '/' && !opts.ui ? ' The web UI is not built: run `npm run build`.' : '';
    const { status, body } = errorResponse(
      new MloopError('ENDPOINT_NOT_FOUND', `No endpoint ${c.req.method} ${path}.${hint}`),
    );
    return c.json(body, status);
  });

  app.use('/api/*', async (c, next) => {
    if (c.req.path.startsWith('/api/2.0/mlflow-artifacts/')) return next();
    return bodyLimit({
      maxSize: MAX_JSON_BODY,
      onError: (ctx) =>
        ctx.json(
          {
            error_code: 'INVALID_PARAMETER_VALUE',
            message: `Request body exceeds the limit of ${MAX_JSON_BODY} bytes.`,
          },
          413,
        ),
    })(c, next);
  });

  app.get('/health', (c) => c.text('OK'));
  app.get('/version', (c) => c.text(VERSION));
  mountMlflow(app, () => services);
  app.get(`${API_PREFIX}/openapi.json`, (c) => c.json(OPENAPI));
  app.route(
    API_PREFIX,
    trackingRoutes(() => services),
  );
  app.route(
    API_PREFIX,
    registryRoutes(() => services),
  );
  return app;
}

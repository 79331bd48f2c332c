import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { MloopError } from '../core/errors.js';
import { API_PREFIX } from './api-prefix.js';
import { errorResponse } from './http-errors.js';
import { accessControl, browserProtections, type SecurityOptions } from './security.js';
import type { StaticUi } from './static-ui.js';
import type { TrackingServices } from './tracking-services.js';
import { VERSION } from './version.js';

/** JSON bodies above this are refused before parsing; artifact uploads stream and are not bound by it. */
const MAX_JSON_BODY = 32 * 1024 * 1024;

export interface AppOptions {
  /** Logs unexpected errors (with stack); defaults to stderr. */
  onUnexpectedError?: (err: unknown) => void;
  /** Authentication and browser protections; by default no auth and only local Host names. */
  security?: Partial<SecurityOptions>;
  /** The built web UI, served at `/` for every path no route takes (see static-ui.ts). */
  ui?: StaticUi;
}

const LOCAL_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/**
 * What every app answers with before any route: errors and unknown paths as API errors, browser protections, the
 * JSON body limit, authentication, authorization and the audit log of writes, health and version. `createApp`
 * mounts every API on it, `createTrackingApp` the tracking one: both take the same path through security.
 */
export function appShell(services: TrackingServices, opts: AppOptions = {}): Hono {
  const app = new Hono();
  const log = opts.onUnexpectedError ?? ((err) => console.error('mloop: unexpected error', err));

  app.onError((err, c) => {
    const { status, body } = errorResponse(err);
    if (status === 500) log(err);
    return c.json(body, status, status === 503 ? { 'Retry-After': '1' } : {});
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

  const security: SecurityOptions = {
    auth: false,
    allowedHosts: LOCAL_HOSTS,
    corsOrigins: [],
    ...opts.security,
  };
  app.use('*', browserProtections(security));
  // Before access control, which may read the body to find the resource a request touches.
  app.use('/api/*', async (c, next) => {
    // Artifact and dataset content uploads stream to the store and are not bound by the JSON limit.
    if (
      c.req.path.startsWith('/api/2.0/mlflow-artifacts/') ||
      c.req.path.startsWith(`${API_PREFIX}/dataset-content/`)
    )
      return next();
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
  app.use(
    '*',
    accessControl(
      () => services,
      security,
      (req, env) => app.fetch(req, env),
    ),
  );

  app.get('/health', (c) => c.text('OK'));
  app.get('/version', (c) => c.text(VERSION));
  return app;
}

import { type Context, Hono } from 'hono';
import type { ServingManager } from '../../serving/serving-manager.js';
import { bodyWithin } from '../http.js';
import { scoringErrorReply, scoringInvoke } from './invoke.js';

/**
 * MLflow's scoring protocol (`mlflow models serve`): `POST /invocations` with JSON (`dataframe_split`,
 * `dataframe_records`, `instances`, `inputs`) or CSV, answered `{"predictions": …}`; `GET /ping` and `/health`.
 * Serves one deployment, the standalone replica's model.
 */
export function mlflowScoringRoutes(
  serving: () => ServingManager,
  deployment: string,
  opts: { version: string; maxBodyBytes: number },
): Hono {
  const app = new Hono();
  app.onError((err, c) => scoringError(c, err));
  const health = (c: Context) => {
    const ok = serving().has(deployment) && serving().modelReady(deployment);
    return c.text(ok ? '\n' : 'model not loaded\n', ok ? 200 : 404);
  };
  app.get('/ping', health);
  app.get('/health', health);
  app.get('/version', (c) => c.text(opts.version));
  app.post('/invocations', async (c) => {
    const startedAt = performance.now();
    const reply = await scoringInvoke(serving(), deployment, {
      contentType: c.req.header('content-type'),
      body: await bodyWithin(c, opts.maxBodyBytes),
      header: (h) => c.req.header(h),
      startedAt,
    });
    return c.body(reply.body as string, reply.status as 200, reply.headers);
  });
  return app;
}

export function scoringError(c: Context, err: unknown): Response {
  const reply = scoringErrorReply(err);
  return c.body(reply.body as string, reply.status as 400, reply.headers);
}

import type { Hono } from 'hono';
import { MloopError } from '../../core/errors.js';
import type { Services } from '../../server/services.js';
import { artifactRpcs, mountArtifactProxy } from './artifact-routes.js';
import { loggedModelRpcs } from './logged-model-rpcs.js';
import { registryRpcs } from './registry-rpcs.js';
import { readMessage } from './request.js';
import type { Rpc } from './rpc.js';
import { trackingRpcs } from './tracking-rpcs.js';

/** MLflow serves every RPC under both the REST prefix and the UI's ajax prefix. */
export const MLFLOW_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'] as const;

export const mlflowRpcs: Rpc[] = [...trackingRpcs, ...artifactRpcs, ...loggedModelRpcs, ...registryRpcs];

export function mountMlflow(app: Hono, services: () => Services, extra: Rpc[] = []): void {
  for (const prefix of MLFLOW_PREFIXES) {
    for (const rpc of [...mlflowRpcs, ...extra]) {
      const methods = Array.isArray(rpc.method) ? rpc.method : [rpc.method];
      app.on(methods, `${prefix}${rpc.path}`, async (c) => {
        const message = await readMessage(c, rpc.maxBytes === undefined ? {} : { maxBytes: rpc.maxBytes });
        return c.json(await rpc.handle(message, services(), c));
      });
    }
    app.all(`${prefix}/*`, (c) => {
      throw new MloopError(
        'ENDPOINT_NOT_FOUND',
        `No MLflow endpoint ${c.req.method} ${new URL(c.req.url).pathname}.`,
      );
    });
  }
  mountArtifactProxy(app, services);
}

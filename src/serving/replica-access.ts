import type { MiddlewareHandler } from 'hono';
import type { PermissionService } from '../auth/permission-service.js';
import { atLeast } from '../auth/types.js';
import type { UserService } from '../auth/user-service.js';
import { principalFromAuthorization } from '../server/security.js';

/** Probes orchestrators call without credentials; everything else on a replica needs a user. */
const PUBLIC = new Set(['/ping', '/health', '/version', '/v2', '/v2/health/live', '/v2/health/ready']);

/**
 * Authentication for a standalone replica (`mloop serve --auth`): the same users and tokens as the server (it reads
 * the same store), and READ on the registered model it serves — what the server's own `/v2` routes require.
 * Errors use the OIP shape (`{"error": …}`) the replica answers everything else with.
 */
export function replicaAccess(opts: {
  users: UserService;
  permissions: PermissionService;
  model: string;
}): MiddlewareHandler {
  return async (c, next) => {
    if ((c.req.method === 'GET' || c.req.method === 'HEAD') && PUBLIC.has(c.req.path)) return next();
    const header = c.req.header('authorization');
    const principal = header ? await principalFromAuthorization(header, opts.users) : undefined;
    if (!principal) {
      return c.json(
        {
          error:
            'Authentication required: send a bearer token (Authorization: Bearer mlt_…) or basic credentials.',
        },
        401,
        { 'WWW-Authenticate': 'Basic realm="mloop", charset="UTF-8"' },
      );
    }
    const have = await opts.permissions.effective(principal, 'registered_model', opts.model);
    if (!atLeast(have, 'READ')) {
      return c.json(
        {
          error: `Permission denied: user '${principal.user}' (${principal.role}) cannot read registered model ${opts.model} (has ${have}, needs READ).`,
        },
        403,
      );
    }
    c.set('principal', principal);
    return next();
  };
}

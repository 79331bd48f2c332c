import type { MiddlewareHandler } from 'hono';
import type { PermissionService } from '../auth/permission-service.js';
import { atLeast, type Principal } from '../auth/types.js';
import type { UserService } from '../auth/user-service.js';
import type { HttpReply } from '../compat/http.js';
import { principalFromAuthorization } from '../server/security.js';

/** Probes orchestrators call without credentials; everything else on a replica needs a user. */
const PUBLIC = new Set(['/ping', '/health', '/version', '/v2', '/v2/health/live', '/v2/health/ready']);

export interface ReplicaAccessOptions {
  users: UserService;
  permissions: PermissionService;
  model: string;
}

/**
 * Authentication for a standalone replica (`mloop serve --auth`): the same users and tokens as the server (it reads
 * the same store), and READ on the registered model it serves — what the server's own `/v2` routes require.
 * Resolves to the principal, to null for a public probe, or to the refusal to send. Errors use the OIP shape
 * (`{"error": …}`) the replica answers everything else with.
 */
export async function replicaPrincipal(
  opts: ReplicaAccessOptions,
  method: string,
  path: string,
  authorization: string | undefined,
): Promise<Principal | null | HttpReply> {
  if ((method === 'GET' || method === 'HEAD') && PUBLIC.has(path)) return null;
  const principal = authorization ? await principalFromAuthorization(authorization, opts.users) : undefined;
  if (!principal) {
    return refusal(
      401,
      'Authentication required: send a bearer token (Authorization: Bearer mlt_…) or basic credentials.',
      { 'WWW-Authenticate': 'Basic realm="mloop", charset="UTF-8"' },
    );
  }
  const have = await opts.permissions.effective(principal, 'registered_model', opts.model);
  if (!atLeast(have, 'READ')) {
    return refusal(
      403,
      `Permission denied: user '${principal.user}' (${principal.role}) cannot read registered model ${opts.model} (has ${have}, needs READ).`,
    );
  }
  return principal;
}

const refusal = (status: number, error: string, headers: Record<string, string> = {}): HttpReply => ({
  status,
  headers: { ...headers, 'content-type': 'application/json' },
  body: JSON.stringify({ error }),
});

/** replicaPrincipal as Hono middleware. */
export function replicaAccess(opts: ReplicaAccessOptions): MiddlewareHandler {
  return async (c, next) => {
    const verdict = await replicaPrincipal(opts, c.req.method, c.req.path, c.req.header('authorization'));
    if (verdict && 'status' in verdict)
      return c.body(verdict.body as string, verdict.status as 401, verdict.headers);
    if (verdict) c.set('principal', verdict);
    return next();
  };
}

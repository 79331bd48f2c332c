import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { matchedRoutes } from 'hono/route';
import { sha256 } from '../auth/secrets.js';
import { atLeast, type Permission, type Principal } from '../auth/types.js';
import type { UserService } from '../auth/user-service.js';
import { MloopError } from '../core/errors.js';
import { type RequestView, type Rule, routeParams, ruleFor } from './access-policy.js';
import { errorResponse } from './http-errors.js';
import { RateLimiter } from './rate-limit.js';
import { isRefillRequest, nextPageRequest, type PageFields, REFILL_LIMITS } from './search-refill.js';
import type { TrackingServices } from './tracking-services.js';

export interface SecurityOptions {
  /** Require authentication and enforce permissions (`mloop server --auth`). */
  auth: boolean;
  /** Host header values accepted (DNS-rebinding defence); '*' accepts any. */
  allowedHosts: string[] | '*';
  /** Origins allowed to call the API from a browser; none by default. */
  corsOrigins: string[];
  /** Requests per second per token (or user, or address), with a burst allowance; undefined for no limit. */
  rateLimit?: { perSecond: number; burst: number };
}

export const SESSION_COOKIE = 'mloop_session';
export const csrfTokenFor = (session: string): string => sha256(`csrf:${session}`).slice(0, 32);

const ANONYMOUS: Principal = { user: 'anonymous', role: 'admin', via: 'anonymous' };
const NEED: Record<string, Permission> = { read: 'READ', update: 'EDIT', delete: 'MANAGE', manage: 'MANAGE' };
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'hono' {
  interface ContextVariableMap {
    principal: Principal;
  }
}

function fail(c: Context, err: MloopError, headers: Record<string, string> = {}): Response {
  const { status, body } = errorResponse(err);
  return c.json(body, status, headers);
}

/**
 * The principal of an `Authorization` header: a bearer token, or basic credentials whose password is the user's
 * password or one of their tokens. Undefined for anything else.
 */
export async function principalFromAuthorization(
  header: string,
  users: UserService,
): Promise<Principal | undefined> {
  const [scheme, value = ''] = header.split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'bearer') return users.authenticateToken(value.trim());
  if (scheme?.toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const user = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  // A token works as the password too, for clients that only speak basic auth.
  const viaToken = secret.startsWith('mlt_') ? await users.authenticateToken(secret) : undefined;
  if (viaToken) return viaToken.user === user ? viaToken : undefined;
  return users.authenticatePassword(user, secret);
}

/** What the browser-facing protections decide for one request, independent of the HTTP framework. */
export type BrowserVerdict =
  | { refuse: string }
  | { preflight: Record<string, string> }
  | { headers: [string, string][] };

/**
 * Browser-facing protections that hold with or without authentication (CVE-2023-43472, CVE-2025-14279): a Host
 * header outside the allowed hosts (DNS rebinding) and a cross-origin write from an origin CORS does not allow are
 * refused (403 with the reason); an allowed origin's preflight is answered; otherwise the headers every answer
 * carries.
 */
export function browserVerdict(
  opts: SecurityOptions,
  method: string,
  host: string,
  origin: string | undefined,
): BrowserVerdict {
  if (
    opts.allowedHosts !== '*' &&
    !opts.allowedHosts.includes(host) &&
    !opts.allowedHosts.includes(host.replace(/:\d+$/, ''))
  ) {
    return {
      refuse: `Invalid Host header ${JSON.stringify(host)}: this server answers only to ${opts.allowedHosts.join(', ')} (set --allowed-hosts).`,
    };
  }
  const sameOrigin = origin !== undefined && new URL(origin, 'http://x').host.toLowerCase() === host;
  const allowed = origin !== undefined && opts.corsOrigins.includes(origin);
  if (origin && !sameOrigin && !allowed && !SAFE_METHODS.has(method)) {
    return {
      refuse: `Cross-origin request from ${origin} refused: CORS is off unless --cors-origins allows the origin.`,
    };
  }
  if (allowed && method === 'OPTIONS') return { preflight: corsHeaders(origin!) };
  return { headers: allowed ? [...BASE_HEADERS, ...Object.entries(corsHeaders(origin!))] : BASE_HEADERS };
}

const BASE_HEADERS: [string, string][] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
];

/** browserVerdict as Hono middleware. */
export function browserProtections(opts: SecurityOptions): MiddlewareHandler {
  return async (c, next) => {
    const host = (c.req.header('host') ?? new URL(c.req.url).host).toLowerCase();
    const verdict = browserVerdict(opts, c.req.method, host, c.req.header('origin'));
    if ('refuse' in verdict) return c.text(verdict.refuse, 403);
    if ('preflight' in verdict) return c.body(null, 204, verdict.preflight);
    // Set before the handler runs, so they go into the response it builds: setting them on a finished response makes
    // Hono rebuild it around a stream of its body, which cost more than the rest of a small inference request.
    const { headers } = verdict;
    for (const [k, v] of headers) c.header(k, v);
    await next();
    // A handler that returned a Response of its own did not take them: add them to it (the slow way, rarely).
    for (const [k, v] of headers) if (c.res.headers.get(k) !== v) c.header(k, v);
    if ((c.res.headers.get('content-type') ?? '').startsWith('text/html')) {
      c.header(
        'Content-Security-Policy',
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
      );
    }
  };
}

function corsHeaders(origin: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE',
    'Access-Control-Allow-Headers': 'authorization, content-type, x-csrf-token',
    Vary: 'Origin',
  };
}

/**
 * Authentication, rate limits, authorization against the policy table, creator grants, search filtering and the
 * audit record of every write. With authentication off everyone acts as `anonymous` with full rights, and writes
 * are still audited.
 */
export function accessControl(
  services: () => TrackingServices,
  opts: SecurityOptions,
  dispatch: Dispatch,
): MiddlewareHandler {
  const limiter = opts.rateLimit
    ? new RateLimiter(opts.rateLimit.perSecond, opts.rateLimit.burst)
    : undefined;
  return async (c, next) => {
    const s = services();
    const audit = {
      principal: undefined as Principal | undefined,
      resource: undefined as string | undefined,
      read: false,
    };
    let status: number | undefined;
    try {
      const response = await guarded(c, next, s, audit);
      status = response?.status;
      return response;
    } catch (err) {
      status = errorResponse(err).status;
      throw err;
    } finally {
      // Writes only: a search or an inference is a POST but reads (the policy says so), and recording those would add a
      // row per request to the busiest paths. A login (public) and a request no rule knows are still recorded.
      if (!SAFE_METHODS.has(c.req.method) && !audit.read) {
        const ip = clientAddress(c);
        await s.audit.record({
          timestamp: Date.now(),
          actor: audit.principal?.user ?? 'unauthenticated',
          method: c.req.method,
          path: new URL(c.req.url).pathname,
          status: status ?? c.res.status,
          ...(audit.resource ? { resource: audit.resource } : {}),
          ...(ip ? { ip } : {}),
        });
      }
    }
  };

  async function guarded(
    c: Context,
    next: () => Promise<void>,
    s: TrackingServices,
    audit: { principal: Principal | undefined; resource: string | undefined; read: boolean },
  ): Promise<Response | undefined> {
    const route = matchedRoutes(c).find((r) => r.method !== 'ALL') ?? matchedRoutes(c).at(-1);
    const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
    const apiPath = /^\/(api|ajax-api|v2|metrics)(\/|$)/.test(c.req.path);
    // The web UI's pages and assets (served for paths no route takes) load before anyone signs in.
    const rule =
      route && route.method !== 'ALL'
        ? ruleFor(method, route.path)
        : method === 'GET' && !apiPath
          ? { action: 'public' as const }
          : route
            ? ruleFor(method, route.path)
            : undefined;
    audit.read = rule?.action === 'read';
    let message: Promise<Record<string, unknown>> | undefined;
    let params: Record<string, string> | undefined;
    const view: RequestView = {
      c,
      services: s,
      message: () => (message ??= readLenient(c)),
      param: (name) => {
        params ??= route ? routeParams(route.path, c.req.path) : {};
        return params[name];
      },
    };
    let resource: string | undefined;

    // Without authentication nobody is verified; the client's own word is kept for the audit log.
    let principal: Principal = {
      ...ANONYMOUS,
      user: c.req.header('x-mloop-actor')?.slice(0, 256) || ANONYMOUS.user,
    };
    if (opts.auth && rule?.action !== 'public') {
      const found = await authenticate(c, s);
      if (found instanceof Response) return found;
      if (!found) {
        return fail(
          c,
          new MloopError(
            'UNAUTHENTICATED',
            'Authentication required: send a bearer token (MLFLOW_TRACKING_TOKEN) or basic credentials.',
          ),
          {
            'WWW-Authenticate': 'Basic realm="mloop", charset="UTF-8"',
          },
        );
      }
      principal = found;
    }
    c.set('principal', principal);
    audit.principal = principal;

    if (limiter && principal.via !== 'anonymous' && !isRefillRequest(c.req.raw)) {
      const wait = limiter.take(principal.tokenId ?? principal.user);
      if (wait > 0) {
        return fail(
          c,
          new MloopError(
            'REQUEST_LIMIT_EXCEEDED',
            `Rate limit of ${limiter.perSecond} requests/s exceeded; retry in ${wait} s.`,
          ),
          {
            'Retry-After': String(wait),
          },
        );
      }
    }

    if (opts.auth) {
      if (!rule && route && route.method !== 'ALL') {
        return fail(
          c,
          new MloopError(
            'PERMISSION_DENIED',
            `No access rule covers ${c.req.method} ${route.path}; it is refused until one does.`,
          ),
        );
      }
      if (rule) {
        const denied = await authorize(rule, principal, view, s);
        if (denied) {
          if (rule.resource) {
            const id = await rule.resource.locate(view);
            if (id) audit.resource = `${rule.resource.type}:${id}`;
          }
          return fail(c, denied);
        }
        if (rule.resource) {
          const id = await rule.resource.locate(view);
          if (id) resource = `${rule.resource.type}:${id}`;
          audit.resource = resource;
        }
      }
    }

    await next();

    if (rule?.created && principal.via !== 'anonymous' && c.res.status < 300) {
      const id = rule.created.id(
        await c.res
          .clone()
          .json()
          .catch(() => undefined),
      );
      if (id) {
        resource = `${rule.created.type}:${id}`;
        await s.permissions.grant({
          resourceType: rule.created.type,
          resourceId: id,
          user: principal.user,
          permission: 'MANAGE',
        });
      }
    }
    if (opts.auth && rule?.filter && principal.role !== 'admin' && c.res.status === 200) {
      // biome-ignore lint/suspicious/noExplicitAny: an untyped JSON page, read by the rule's accessors
      const body: any = await c.res
        .clone()
        .json()
        .catch(() => undefined);
      const items = rule.filter.list(body);
      if (items) {
        const filter = rule.filter;
        const readable = await readableOf(items, filter, principal, s);
        const next = filter.page && body[filter.page.next];
        if (
          filter.page &&
          readable.length < items.length &&
          typeof next === 'string' &&
          next &&
          !isRefillRequest(c.req.raw)
        ) {
          const refilled = await refill(c, dispatch, filter, filter.page, next, items.length, readable);
          if (refilled) body[filter.page.next] = refilled;
          else delete body[filter.page.next];
        }
        filter.set(body, readable);
        const headers = new Headers(c.res.headers);
        headers.delete('content-length');
        c.res = new Response(JSON.stringify(body), { status: c.res.status, headers });
      }
    }
    audit.resource = resource;
    return undefined;
  }
}

type Filter = NonNullable<Rule['filter']>;

/** The app itself, for the requests a refill makes (with the same bindings, so they see the same client). */
export type Dispatch = (req: Request, env: unknown) => Response | Promise<Response>;

async function readableOf(
  items: unknown[],
  filter: Filter,
  p: Principal,
  s: TrackingServices,
): Promise<unknown[]> {
  const perms = await s.permissions.effectiveMany(p, filter.type, items.map(filter.id));
  return items.filter((i) => atLeast(perms.get(filter.id(i)) ?? 'NO_PERMISSIONS', 'READ'));
}

/**
 * Appends to `readable` what the caller may read from the pages after `token`, until the page holds `want` items
 * (the size of the page the search answered) or a bound of REFILL_LIMITS is reached. Each request asks for just the
 * items still missing, so every item it returns belongs on this page and its next token is where the client goes
 * on: nothing is skipped and nothing is shown twice. Returns that token; undefined when the search is exhausted.
 */
async function refill(
  c: Context,
  dispatch: Dispatch,
  filter: Filter,
  fields: PageFields,
  token: string,
  want: number,
  readable: unknown[],
): Promise<string | undefined> {
  const message = c.req.method === 'GET' || c.req.method === 'HEAD' ? {} : await searchMessage(c);
  let next: string | undefined = token;
  let scanned = want;
  for (let round = 0; next && readable.length < want; round++) {
    if (round >= REFILL_LIMITS.rounds || scanned >= REFILL_LIMITS.scanned) break;
    const size = want - readable.length;
    const res = await dispatch(nextPageRequest(c.req.raw, message, fields, next, size), c.env);
    if (res.status !== 200) break;
    // biome-ignore lint/suspicious/noExplicitAny: an untyped JSON page, read by the rule's accessors
    const page: any = await res.json().catch(() => undefined);
    const items = page && filter.list(page);
    if (!items) break;
    readable.push(...items);
    const after = page[fields.next];
    next = typeof after === 'string' && after ? after : undefined;
    scanned += size;
  }
  return next;
}

/** The JSON body of a search, unwrapped when MLflow clients send it as a JSON string holding the object. */
async function searchMessage(c: Context): Promise<Record<string, unknown>> {
  try {
    let parsed: unknown = JSON.parse(await c.req.text());
    if (typeof parsed === 'string') parsed = JSON.parse(parsed);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

async function authorize(
  rule: Rule,
  p: Principal,
  view: RequestView,
  s: TrackingServices,
): Promise<MloopError | undefined> {
  const denied = (what: string) =>
    new MloopError('PERMISSION_DENIED', `Permission denied: user '${p.user}' (${p.role}) cannot ${what}.`);
  switch (rule.action) {
    case 'public':
    case 'authenticated':
      return undefined;
    case 'admin':
      return p.role === 'admin' ? undefined : denied('do this; it needs the admin role');
    case 'create':
      return p.role === 'viewer' ? denied('create resources; it needs the editor or admin role') : undefined;
    default: {
      const need = NEED[rule.action]!;
      if (!rule.resource)
        return atLeast(p.role === 'editor' ? 'EDIT' : p.role === 'admin' ? 'MANAGE' : 'READ', need)
          ? undefined
          : denied(rule.action);
      const id = await rule.resource.locate(view);
      // An unknown resource falls back to the role's default; the handler then answers 400 or 404.
      const have =
        id === undefined
          ? p.role === 'admin'
            ? 'MANAGE'
            : p.role === 'editor'
              ? 'EDIT'
              : 'READ'
          : await s.permissions.effective(p, rule.resource.type, id);
      return atLeast(have, need)
        ? undefined
        : denied(
            `${rule.action} ${rule.resource.type.replace('_', ' ')} ${id ?? ''}`.trim() +
              ` (has ${have}, needs ${need})`,
          );
    }
  }
}

async function authenticate(c: Context, s: TrackingServices): Promise<Principal | undefined | Response> {
  const header = c.req.header('authorization') ?? '';
  if (/^(bearer|basic)(\s|$)/i.test(header)) return principalFromAuthorization(header, s.users);
  const session = getCookie(c, SESSION_COOKIE);
  if (session) {
    const p = await s.users.authenticateToken(session);
    if (!p) return undefined;
    // Cookies ride along cross-site; a state-changing request must also prove it read the CSRF token.
    if (
      !SAFE_METHODS.has(c.req.method) &&
      c.req.header('x-csrf-token') !== csrfTokenFor(session) &&
      !c.req.path.endsWith('/session')
    ) {
      return fail(
        c,
        new MloopError(
          'PERMISSION_DENIED',
          'Missing or wrong x-csrf-token header for a session-authenticated request.',
        ),
      );
    }
    return { ...p, via: 'session' };
  }
  return undefined;
}

async function readLenient(c: Context): Promise<Record<string, unknown>> {
  const url = new URL(c.req.url);
  if (c.req.method === 'GET' || c.req.method === 'HEAD') {
    const out: Record<string, unknown> = {};
    for (const key of new Set(url.searchParams.keys())) {
      const all = url.searchParams.getAll(key);
      out[key] = all.length > 1 ? all : all[0];
    }
    if (Object.keys(out).length) return out;
  }
  if (c.req.path.startsWith('/api/2.0/mlflow-artifacts/')) return {};
  try {
    const parsed: unknown = JSON.parse(await c.req.text());
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function clientAddress(c: Context): string | undefined {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress;
}

import { type Context, Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { MloopError } from '../core/errors.js';
import { oneOf, optionalInt, requireString } from '../core/validate.js';
import { readFields } from '../server/json-body.js';
import { csrfTokenFor, SESSION_COOKIE } from '../server/security.js';
import type { Services } from '../server/services.js';
import { RESOURCE_TYPES } from './types.js';

/** Users, tokens, permissions, the audit log and browser sessions under `/api/v1`. Rules: server/access-policy.ts. */
export function authRoutes(services: () => Services): Hono {
  const api = new Hono();
  const principal = (c: Context) => c.get('principal');

  api.get('/whoami', (c) => {
    const p = principal(c);
    return c.json({ user: p.user, role: p.role, via: p.via });
  });

  api.get('/users', async (c) => c.json({ items: await services().users.list() }));
  api.post('/users', async (c) => {
    const b = await readFields(c, ['name', 'role', 'password']);
    return c.json(await services().users.add({ name: b.name, role: b.role, password: b.password }), 201);
  });
  api.patch('/users/:name', async (c) => {
    const b = await readFields(c, ['role', 'password']);
    const users = services().users;
    if (b.password !== undefined) await users.setPassword(c.req.param('name'), b.password);
    if (b.role !== undefined) await users.setRole(c.req.param('name'), b.role);
    return c.json(await users.get(c.req.param('name')));
  });
  api.delete('/users/:name', async (c) => {
    await services().users.remove(c.req.param('name'));
    return c.body(null, 204);
  });

  api.get('/tokens', async (c) => {
    const p = principal(c);
    const user = c.req.query('user');
    if (user && user !== p.user && p.role !== 'admin') throw forbidden(`list the tokens of '${user}'`);
    return c.json({
      items: await services().users.listTokens(
        user ?? (p.role === 'admin' && c.req.query('all') === 'true' ? undefined : p.user),
      ),
    });
  });
  api.post('/tokens', async (c) => {
    const b = await readFields(c, ['name', 'expiresInDays', 'user']);
    const p = principal(c);
    const user = b.user === undefined ? p.user : requireString(b.user, 'user');
    if (user !== p.user && p.role !== 'admin') throw forbidden(`create tokens for '${user}'`);
    return c.json(
      await services().users.createToken({ user, name: b.name, expiresInDays: b.expiresInDays }),
      201,
    );
  });
  api.delete('/tokens/:id', async (c) => {
    const users = services().users;
    const token = await users.token(c.req.param('id'));
    const p = principal(c);
    if (token.user !== p.user && p.role !== 'admin') throw forbidden(`revoke a token of '${token.user}'`);
    return c.json(await users.revokeToken(token.id));
  });

  api.get('/permissions', async (c) => {
    const type = oneOf(c.req.query('resourceType'), 'resourceType', RESOURCE_TYPES);
    return c.json({
      items: await services().permissions.list(type, requireString(c.req.query('resourceId'), 'resourceId')),
    });
  });
  api.put('/permissions', async (c) => {
    const b = await readFields(c, ['resourceType', 'resourceId', 'user', 'permission']);
    await services().users.get(b.user);
    return c.json(
      await services().permissions.grant({
        resourceType: b.resourceType,
        resourceId: b.resourceId,
        user: b.user,
        permission: b.permission,
      }),
    );
  });
  api.delete('/permissions', async (c) => {
    const type = oneOf(c.req.query('resourceType'), 'resourceType', RESOURCE_TYPES);
    await services().permissions.revoke(
      type,
      requireString(c.req.query('resourceId'), 'resourceId'),
      requireString(c.req.query('user'), 'user'),
    );
    return c.body(null, 204);
  });

  api.get('/audit', async (c) =>
    c.json({
      items: await services().audit.list({
        since: c.req.query('since'),
        user: c.req.query('user'),
        limit: optionalInt(c.req.query('limit'), 'limit', { min: 1, max: 10_000 }),
      }),
    }),
  );

  // The UI signs in with a password and gets an HttpOnly session cookie plus a CSRF token for writes.
  api.post('/session', async (c) => {
    const b = await readFields(c, ['user', 'password']);
    const user = requireString(b.user, 'user', { max: 256 });
    const p = await services().users.authenticatePassword(
      user,
      requireString(b.password, 'password', { max: 1024 }),
    );
    if (!p) throw new MloopError('UNAUTHENTICATED', 'Wrong user name or password.');
    const session = await services().users.createToken({
      user: p.user,
      name: 'browser session',
      expiresInDays: 1,
    });
    setCookie(c, SESSION_COOKIE, session.token, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: new URL(c.req.url).protocol === 'https:',
      maxAge: 86_400,
    });
    return c.json({ user: p.user, role: p.role, csrfToken: csrfTokenFor(session.token) });
  });
  api.delete('/session', async (c) => {
    const p = principal(c);
    if (p.via === 'session' && p.tokenId) await services().users.revokeToken(p.tokenId);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204);
  });
  return api;
}

const forbidden = (what: string) =>
  new MloopError('PERMISSION_DENIED', `Permission denied: only admins can ${what}.`);

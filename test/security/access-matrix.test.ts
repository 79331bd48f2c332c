import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleFor } from '../../src/server/access-policy.js';
import { request, type SecureApp, startSecureApp } from '../support/secure-app.js';

/** Fills a route's path parameters and builds a message that points at real resources owned by the admin. */
function requestFor(route: { method: string; path: string }, ids: Ids): { url: string; body?: unknown } {
  const params: Record<string, string> = {
    id: route.path.includes('/experiments/')
      ? ids.experiment
      : route.path.includes('/tokens/')
        ? ids.tokenId
        : ids.run,
    name: route.path.includes('/users/') ? ids.probeUser : ids.model,
    model_id: ids.loggedModel,
    ref: '1',
    alias: 'champion',
    key: 'loss',
    tag_key: 'k',
  };
  let url = route.path.replace(/:(\w+)(\{[^}]*\})?/g, (_, name: string) =>
    encodeURIComponent(params[name] ?? 'x'),
  );
  url = url.replace('/*', `/${ids.experiment}/${ids.run}/artifacts/a.txt`);
  const message = {
    experiment_id: ids.experiment,
    run_id: ids.run,
    name: ids.model,
    version: '1',
    experiment_name: 'secure',
    run_ids: ids.run,
    metric_key: 'loss',
    resourceType: 'experiment',
    resourceId: ids.experiment,
  };
  if (route.method === 'GET' || route.method === 'DELETE') {
    const q = new URLSearchParams(Object.entries(message));
    return { url: `${url}?${q}`, ...(route.method === 'DELETE' ? { body: message } : {}) };
  }
  return { url, body: message };
}

interface Ids {
  experiment: string;
  run: string;
  model: string;
  loggedModel: string;
  /** A token of the caller's own, since revoking one's own token is what the route allows. */
  tokenId: string;
  /** A throwaway user for the user-management routes. */
  probeUser: string;
}

describe('every route × every principal, with authentication on', () => {
  let s: SecureApp;
  let routes: { method: string; path: string }[];

  beforeAll(async () => {
    s = await startSecureApp();
    const seen = new Set<string>();
    routes = s.app.routes
      .filter((r) => r.method !== 'ALL')
      .filter((r) => {
        const k = `${r.method} ${r.path}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
  });
  afterAll(async () => s?.close());

  it('has an access rule for every registered route (default-deny covers nothing by accident)', () => {
    const missing = routes.filter((r) => !ruleFor(r.method, r.path)).map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
    expect(routes.length).toBeGreaterThan(150);
  });

  async function seed(owner = 'vi'): Promise<Ids> {
    const t = s.tokens.admin;
    const exp = await request(s.app, 'POST', '/api/2.0/mlflow/experiments/create', {
      token: t,
      body: { name: `secure-${Math.random()}` },
    });
    const run = await request(s.app, 'POST', '/api/2.0/mlflow/runs/create', {
      token: t,
      body: { experiment_id: exp.body.experiment_id },
    });
    const runId = run.body.run.info.run_id;
    await request(s.app, 'POST', '/api/2.0/mlflow/runs/log-metric', {
      token: t,
      body: { run_id: runId, key: 'loss', value: 1, timestamp: 1 },
    });
    const model = `secure-model-${Math.random().toString(36).slice(2)}`;
    await request(s.app, 'POST', '/api/2.0/mlflow/registered-models/create', {
      token: t,
      body: { name: model },
    });
    await request(s.app, 'POST', '/api/2.0/mlflow/model-versions/create', {
      token: t,
      body: { name: model, source: `runs:/${runId}/m` },
    });
    await request(s.app, 'POST', '/api/2.0/mlflow/registered-models/alias', {
      token: t,
      body: { name: model, alias: 'champion', version: '1' },
    });
    const logged = await request(s.app, 'POST', '/api/2.0/mlflow/logged-models', {
      token: t,
      body: { experiment_id: exp.body.experiment_id },
    });
    const token = await s.services.users.createToken({ user: owner, name: 'probe' });
    const probeUser = `probe-${Math.random().toString(36).slice(2)}`;
    await s.services.users.add({ name: probeUser, role: 'viewer' });
    return {
      experiment: exp.body.experiment_id,
      run: runId,
      model,
      loggedModel: logged.body.model.info.model_id,
      tokenId: token.id,
      probeUser,
    };
  }

  it('refuses every non-public route without valid credentials (none, garbage, expired, revoked)', async () => {
    const ids = await seed();
    for (const route of routes) {
      const rule = ruleFor(route.method, route.path)!;
      const { url, body } = requestFor(route, ids);
      for (const token of [
        undefined,
        'garbage',
        'mlt_0123456789abcdef_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        s.tokens.expired,
        s.tokens.revoked,
      ]) {
        const res = await request(s.app, route.method, url, {
          ...(token ? { token } : {}),
          ...(body ? { body } : {}),
        });
        if (rule.action === 'public') expect(res.status, `${route.method} ${route.path}`).not.toBe(401);
        else {
          expect(res.status, `${route.method} ${route.path} with ${token ?? 'no token'}`).toBe(401);
          expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="mloop"/);
        }
      }
    }
  });

  it.each(['viewer', 'editor', 'admin'] as const)(
    'gives the %s role exactly what its rule allows on admin-owned resources',
    async (role) => {
      const user = { viewer: 'vi', editor: 'ed', admin: 'root' }[role];
      for (const route of routes) {
        const ids = await seed(user);
        const rule = ruleFor(route.method, route.path)!;
        const { url, body } = requestFor(route, ids);
        const res = await request(s.app, route.method, url, {
          token: s.tokens[role],
          ...(body ? { body } : {}),
        });
        const label = `${role}: ${route.method} ${route.path} → ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`;
        const allowed =
          role === 'admin' ||
          ['public', 'authenticated', 'read'].includes(rule.action) ||
          (role === 'editor' && ['create', 'update'].includes(rule.action));
        if (allowed) expect([401, 403], label).not.toContain(res.status);
        else expect(res.status, label).toBe(403);
        expect(res.status, label).toBeLessThan(500);
      }
    },
  );

  it('lets a creator manage what they created, and hides what they may not read from searches', async () => {
    const ed = s.tokens.editor;
    const mine = await request(s.app, 'POST', '/api/2.0/mlflow/experiments/create', {
      token: ed,
      body: { name: 'ed-own' },
    });
    expect(mine.status).toBe(200);
    const grants = await s.services.permissions.list('experiment', mine.body.experiment_id);
    expect(grants).toEqual([
      { resourceType: 'experiment', resourceId: mine.body.experiment_id, user: 'ed', permission: 'MANAGE' },
    ]);
    expect(
      (
        await request(s.app, 'POST', '/api/2.0/mlflow/experiments/delete', {
          token: ed,
          body: { experiment_id: mine.body.experiment_id },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await request(s.app, 'POST', '/api/2.0/mlflow/experiments/restore', {
          token: ed,
          body: { experiment_id: mine.body.experiment_id },
        })
      ).status,
    ).toBe(200);

    const secret = await request(s.app, 'POST', '/api/2.0/mlflow/experiments/create', {
      token: s.tokens.admin,
      body: { name: 'top-secret' },
    });
    await s.services.permissions.grant({
      resourceType: 'experiment',
      resourceId: secret.body.experiment_id,
      user: 'vi',
      permission: 'NO_PERMISSIONS',
    });
    const search = await request(s.app, 'GET', '/api/2.0/mlflow/experiments/search?max_results=1000', {
      token: s.tokens.viewer,
    });
    const names = search.body.experiments.map((e: { name: string }) => e.name);
    expect(names).toContain('ed-own');
    expect(names).not.toContain('top-secret');
    const direct = await request(
      s.app,
      'GET',
      `/api/2.0/mlflow/experiments/get?experiment_id=${secret.body.experiment_id}`,
      { token: s.tokens.viewer },
    );
    expect(direct.status).toBe(403);
    const runs = await request(s.app, 'POST', '/api/2.0/mlflow/runs/create', {
      token: s.tokens.admin,
      body: { experiment_id: secret.body.experiment_id },
    });
    const found = await request(s.app, 'POST', '/api/2.0/mlflow/runs/search', {
      token: s.tokens.viewer,
      body: { experiment_ids: [secret.body.experiment_id] },
    });
    expect(found.body.runs ?? []).toEqual([]);
    expect(runs.status).toBe(200);
  });

  it('accepts basic auth with a password or a token, and rejects a token presented for another user', async () => {
    const basic = (user: string, secret: string) => ({
      authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`,
    });
    expect(
      (await request(s.app, 'GET', '/api/v1/whoami', { headers: basic('vi', 'vi-password-123') })).body,
    ).toEqual({ user: 'vi', role: 'viewer', via: 'password' });
    expect(
      (await request(s.app, 'GET', '/api/v1/whoami', { headers: basic('ed', s.tokens.editor) })).body.user,
    ).toBe('ed');
    expect(
      (await request(s.app, 'GET', '/api/v1/whoami', { headers: basic('vi', s.tokens.editor) })).status,
    ).toBe(401);
    expect(
      (await request(s.app, 'GET', '/api/v1/whoami', { headers: basic('vi', 'wrong-password') })).status,
    ).toBe(401);
  });

  it('records every write in the audit log with who, what, when and from where', async () => {
    await request(s.app, 'POST', '/api/2.0/mlflow/experiments/create', {
      token: s.tokens.editor,
      body: { name: 'audited' },
    });
    await request(s.app, 'POST', '/api/2.0/mlflow/experiments/create', {
      token: s.tokens.viewer,
      body: { name: 'refused' },
    });
    const log = await request(s.app, 'GET', '/api/v1/audit?limit=5', { token: s.tokens.admin });
    const [refused, audited] = log.body.items;
    expect(refused).toMatchObject({
      actor: 'vi',
      method: 'POST',
      path: '/api/2.0/mlflow/experiments/create',
      status: 403,
    });
    expect(audited).toMatchObject({
      actor: 'ed',
      status: 200,
      resource: expect.stringMatching(/^experiment:\d+$/),
    });
    expect(audited.timestamp).toBeGreaterThan(Date.now() - 60_000);
    expect((await request(s.app, 'GET', '/api/v1/audit', { token: s.tokens.editor })).status).toBe(403);
  });

  it('does not record reads sent as POST (searches), but records logins', async () => {
    const latest = async () =>
      (await request(s.app, 'GET', '/api/v1/audit?limit=3', { token: s.tokens.admin })).body.items;
    const [before] = await latest();
    const search = await request(s.app, 'POST', '/api/2.0/mlflow/experiments/search', {
      token: s.tokens.viewer,
      body: { max_results: 1 },
    });
    expect(search.status).toBe(200);
    expect((await latest())[0]).toEqual(before);
    await request(s.app, 'POST', '/api/v1/session', { body: { user: 'vi', password: 'wrong-password' } });
    const [login, previous] = await latest();
    expect(previous).toEqual(before);
    expect(login).toMatchObject({ method: 'POST', path: '/api/v1/session', status: 401 });
  });
});

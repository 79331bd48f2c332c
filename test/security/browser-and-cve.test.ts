import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type SecureApp, startSecureApp } from '../support/secure-app.js';

describe('browser-facing protections (CVE classes E and F)', () => {
  let s: SecureApp;
  beforeAll(async () => {
    s = await startSecureApp({ corsOrigins: ['https://ui.example.com'] });
  });
  afterAll(async () => s?.close());

  it('CVE-2025-14279: refuses a Host header outside the allow-list (DNS rebinding)', async () => {
    const res = await request(s.app, 'GET', '/health', { headers: { host: 'attacker.example' } });
    expect(res.status).toBe(403);
    expect(res.body).toMatch(/Invalid Host header "attacker.example"/);
    expect((await request(s.app, 'GET', '/health', { headers: { host: 'localhost:5000' } })).status).toBe(
      200,
    );
  });

  it('CVE-2023-43472: a cross-origin form post is refused twice over (Origin and Content-Type)', async () => {
    const plain = await request(s.app, 'POST', '/api/2.0/mlflow/experiments/create', {
      token: s.tokens.admin,
      headers: { origin: 'https://evil.example', 'content-type': 'text/plain' },
      body: { name: 'csrf' },
    });
    expect(plain.status).toBe(403);
    expect(plain.body).toMatch(/Cross-origin request from https:\/\/evil.example refused/);
    const sameOriginPlain = await request(s.app, 'POST', '/api/2.0/mlflow/experiments/create', {
      token: s.tokens.admin,
      headers: { 'content-type': 'text/plain' },
      body: { name: 'csrf' },
    });
    expect(sameOriginPlain.status).toBe(400);
  });

  it('CORS is off unless an origin is configured, and then only for that origin', async () => {
    const allowed = await request(s.app, 'GET', '/api/v1/whoami', {
      token: s.tokens.viewer,
      headers: { origin: 'https://ui.example.com' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://ui.example.com');
    const other = await request(s.app, 'GET', '/api/v1/whoami', {
      token: s.tokens.viewer,
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await request(s.app, 'OPTIONS', '/api/v1/experiments', {
      headers: { origin: 'https://ui.example.com' },
    });
    expect(preflight.status).toBe(204);
  });

  it('sets security headers on every answer', async () => {
    const res = await request(s.app, 'GET', '/health');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('CSRF: a session cookie alone cannot write; the CSRF token from sign-in can', async () => {
    const login = await s.app.request('http://localhost/api/v1/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'ed', password: 'ed-password-123' }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/mloop_session=mlt_.*HttpOnly.*SameSite=Strict/i);
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const session = cookie.split(';')[0]!;
    const read = await request(s.app, 'GET', '/api/v1/whoami', { headers: { cookie: session } });
    expect(read.body).toEqual({ user: 'ed', role: 'editor', via: 'session' });
    const forged = await request(s.app, 'POST', '/api/v1/experiments', {
      headers: { cookie: session },
      body: { name: 'via-cookie' },
    });
    expect(forged.status).toBe(403);
    expect(forged.body.message).toMatch(/x-csrf-token/);
    const real = await request(s.app, 'POST', '/api/v1/experiments', {
      headers: { cookie: session, 'x-csrf-token': csrfToken },
      body: { name: 'via-cookie' },
    });
    expect(real.status).toBe(201);
    expect(
      (
        await request(s.app, 'DELETE', '/api/v1/session', {
          headers: { cookie: session, 'x-csrf-token': csrfToken },
        })
      ).status,
    ).toBe(204);
    expect((await request(s.app, 'GET', '/api/v1/whoami', { headers: { cookie: session } })).status).toBe(
      401,
    );
  });

  it('CVE-2025-1474 / CVE-2025-11200: no empty or weak passwords; CVE-2023-6014: only admins create accounts', async () => {
    for (const password of ['', 'short', '12345678901']) {
      const res = await request(s.app, 'POST', '/api/v1/users', {
        token: s.tokens.admin,
        body: { name: `weak${password.length}`, role: 'viewer', password },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
    }
    const byEditor = await request(s.app, 'POST', '/api/v1/users', {
      token: s.tokens.editor,
      body: { name: 'sneaky', role: 'admin', password: 'long-enough-password' },
    });
    expect(byEditor.status).toBe(403);
    const anonymous = await request(s.app, 'POST', '/api/v1/users', {
      body: { name: 'sneaky', role: 'admin', password: 'long-enough-password' },
    });
    expect(anonymous.status).toBe(401);
    expect(
      (await request(s.app, 'POST', '/api/v1/tokens', { token: s.tokens.viewer, body: { user: 'root' } }))
        .status,
    ).toBe(403);
  });
});

describe('CVE classes D, G and H: what mloop does not expose', () => {
  let s: SecureApp;
  beforeAll(async () => {
    s = await startSecureApp();
  });
  afterAll(async () => s?.close());

  it('D (SSRF, GHSA-wxj7-3fx5-pp9m, CVE-2026-2393): no gateway proxy or webhook endpoint forwards requests', async () => {
    for (const path of [
      '/ajax-api/2.0/mlflow/gateway-proxy',
      '/api/2.0/mlflow/gateway-proxy',
      '/api/2.0/mlflow/webhooks',
      '/api/2.0/mlflow/webhooks/x/test',
    ]) {
      const res = await request(s.app, 'POST', path, {
        token: s.tokens.admin,
        body: { gateway_path: 'http://169.254.169.254/latest/meta-data' },
      });
      expect(res.status, path).toBe(404);
    }
  });

  it('G (CVE-2025-0453): no GraphQL batching endpoint; batch and body limits hold', async () => {
    expect(
      (await request(s.app, 'POST', '/graphql', { token: s.tokens.admin, body: [{ query: '{a}' }] })).status,
    ).toBe(404);
    const run = await request(s.app, 'POST', '/api/2.0/mlflow/runs/create', {
      token: s.tokens.admin,
      body: { experiment_id: '0' },
    });
    const big = await request(s.app, 'POST', '/api/2.0/mlflow/runs/log-batch', {
      token: s.tokens.admin,
      body: {
        run_id: run.body.run.info.run_id,
        metrics: Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: i })),
      },
    });
    expect(big.status).toBe(400);
  });

  it('H (CVE-2024-37052…37060): model files are never deserialized by the server; registering a pickle is inert', async () => {
    const run = await request(s.app, 'POST', '/api/2.0/mlflow/runs/create', {
      token: s.tokens.admin,
      body: { experiment_id: '0' },
    });
    const root = `0/${run.body.run.info.run_id}/artifacts/model`;
    await s.app.request(`http://localhost/api/2.0/mlflow-artifacts/artifacts/${root}/model.pkl`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${s.tokens.admin}` },
      body: Buffer.from("cos\nsystem\n(S'touch /tmp/mloop-pwned'\ntR.", 'latin1'),
    });
    await s.app.request(`http://localhost/api/2.0/mlflow-artifacts/artifacts/${root}/MLmodel`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${s.tokens.admin}` },
      body: 'flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    model_path: model.pkl\n',
    });
    await request(s.app, 'POST', '/api/2.0/mlflow/registered-models/create', {
      token: s.tokens.admin,
      body: { name: 'pickled' },
    });
    const mv = await request(s.app, 'POST', '/api/2.0/mlflow/model-versions/create', {
      token: s.tokens.admin,
      body: { name: 'pickled', source: `runs:/${run.body.run.info.run_id}/model` },
    });
    expect(mv.status).toBe(200);
    const { existsSync } = await import('node:fs');
    expect(existsSync('/tmp/mloop-pwned')).toBe(false);
  });
});

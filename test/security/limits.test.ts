import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type SecureApp, startSecureApp } from '../support/secure-app.js';

describe('limits', () => {
  let s: SecureApp;
  beforeAll(async () => {
    s = await startSecureApp({ rateLimit: { perSecond: 5, burst: 5 } });
  });
  afterAll(async () => s?.close());

  it('refuses a JSON body over the size limit with 413 before reading it', async () => {
    const huge = { name: 'x', description: 'y'.repeat(33 * 1024 * 1024) };
    const res = await request(s.app, 'POST', '/api/v1/registered-models', {
      token: s.tokens.admin,
      body: huge,
    });
    expect(res.status).toBe(413);
    expect(res.body.message).toMatch(/exceeds the limit/);
  });

  it('rate-limits per token with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i++) {
      const res = await request(s.app, 'GET', '/api/v1/whoami', { token: s.tokens.viewer });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses.filter((x) => x === 200).length).toBeGreaterThanOrEqual(5);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // Another token has its own bucket.
    expect((await request(s.app, 'GET', '/api/v1/whoami', { token: s.tokens.editor })).status).toBe(200);
  });
});

describe('access rules of routes that only a running server mounts', () => {
  it('covers the Open Inference Protocol and /metrics', async () => {
    const { ruleFor } = await import('../../src/server/access-policy.js');
    for (const [method, path, action] of [
      ['GET', '/v2/health/ready', 'public'],
      ['GET', '/v2', 'public'],
      ['POST', '/v2/models/:name/infer', 'read'],
      ['POST', '/v2/models/:name/versions/:version/infer', 'read'],
      ['GET', '/metrics', 'authenticated'],
    ] as const) {
      expect(ruleFor(method, path)?.action, `${method} ${path}`).toBe(action);
    }
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { LocalArtifactStore } from '../../src/artifacts/local/local-artifact-store.js';
import { createApp } from '../../src/server/app.js';
import type { SecurityOptions } from '../../src/server/security.js';
import { createServices, type Services } from '../../src/server/services.js';
import { openStore } from '../../src/store/open-store.js';

export interface SecureApp {
  app: Hono;
  services: Services;
  tokens: Record<'admin' | 'editor' | 'viewer' | 'expired' | 'revoked', string>;
  close(): Promise<void>;
}

/** An in-process app with --auth on SQLite, with one user per role and an expired and a revoked token. */
export async function startSecureApp(security: Partial<SecurityOptions> = {}): Promise<SecureApp> {
  const store = await openStore(`sqlite:///${join(mkdtempSync(join(tmpdir(), 'mloop-auth-')), 'mloop.db')}`);
  const services = createServices(
    store,
    new LocalArtifactStore(mkdtempSync(join(tmpdir(), 'mloop-auth-art-'))),
  );
  await services.experiments.ensureDefault();
  const app = createApp(services, {
    security: { auth: true, allowedHosts: ['localhost'], corsOrigins: [], ...security },
    onUnexpectedError: (err) => {
      throw err;
    },
  });
  for (const [name, role] of [
    ['root', 'admin'],
    ['ed', 'editor'],
    ['vi', 'viewer'],
  ] as const) {
    await services.users.add({ name, role, password: `${name}-password-123` });
  }
  const token = async (user: string) => (await services.users.createToken({ user })).token;
  const expired = await services.users.createToken({ user: 'ed' });
  await store.db
    .updateTable('tokens')
    .set({ expires_at: Date.now() - 1000 })
    .where('id', '=', expired.id)
    .execute();
  const revoked = await services.users.createToken({ user: 'ed' });
  await services.users.revokeToken(revoked.id);
  return {
    app,
    services,
    tokens: {
      admin: await token('root'),
      editor: await token('ed'),
      viewer: await token('vi'),
      expired: expired.token,
      revoked: revoked.token,
    },
    close: () => store.close(),
  };
}

export async function request(
  app: Hono,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {
    ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    ...opts.headers,
  };
  const init: RequestInit = { method, headers };
  if (opts.body !== undefined) {
    init.body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await app.request(`http://localhost${path}`, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* text */
  }
  return { status: res.status, body, headers: res.headers };
}

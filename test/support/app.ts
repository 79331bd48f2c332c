import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { LocalArtifactStore } from '../../src/artifacts/local/local-artifact-store.js';
import { createApp } from '../../src/server/app.js';
import { createServices, type Services } from '../../src/server/services.js';
import type { StoreBackend } from './stores.js';

export interface TestApp {
  app: Hono;
  services: Services;
  artifactRoot: string;
  /** JSON request helper: returns status and parsed body. */
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** The whole HTTP app in-process (Hono's app.request), on a fresh store of the given backend. */
export async function startTestApp(backend: StoreBackend): Promise<TestApp> {
  const store = await backend.open();
  const artifactRoot = mkdtempSync(join(tmpdir(), 'mloop-artifacts-'));
  const services = createServices(store, new LocalArtifactStore(artifactRoot));
  await services.experiments.ensureDefault();
  const errors: unknown[] = [];
  const app = createApp(services, { onUnexpectedError: (err) => errors.push(err) });
  return {
    app,
    services,
    artifactRoot,
    async call(method, path, body, headers = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
      }
      const res = await app.request(path, init);
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* plain text body */
      }
      if (res.status >= 500)
        throw new Error(
          `${method} ${path} → ${res.status} ${text}; logged: ${errors.map(String).join('; ')}`,
        );
      return { status: res.status, body: parsed };
    },
    close: () => store.close(),
  };
}

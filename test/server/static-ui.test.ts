import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalArtifactStore } from '../../src/artifacts/local/local-artifact-store.js';
import { createApp } from '../../src/server/app.js';
import { createServices } from '../../src/server/services.js';
import { loadStaticUi } from '../../src/server/static-ui.js';
import type { Store } from '../../src/store/open-store.js';
import { STORE_BACKENDS } from '../support/stores.js';

const INDEX =
  '<!doctype html><title>mloop</title><script type="module" src="/assets/index-abc123.js"></script>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(4000))});`;

describe('the web UI served by the app', () => {
  let store: Store;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mloop-ui-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets/index-abc123.js'), SCRIPT);
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    store = await STORE_BACKENDS.find((b) => b.name === 'sqlite')!.open();
    const services = createServices(store, new LocalArtifactStore(mkdtempSync(join(tmpdir(), 'mloop-art-'))));
    app = createApp(services, { ui: loadStaticUi(dir)! });
  });
  afterAll(async () => store?.close());

  const get = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers });

  it('serves index.html at / with no-cache and a content security policy', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe(INDEX);
  });

  it('serves hashed assets as immutable, with their content type, gzip and ETag revalidation', async () => {
    const res = await get('/assets/index-abc123.js', { 'accept-encoding': 'gzip, br' });
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(Number(res.headers.get('content-length'))).toBeLessThan(SCRIPT.length);
    const plain = await get('/assets/index-abc123.js');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(SCRIPT);
    const etag = plain.headers.get('etag')!;
    expect((await get('/assets/index-abc123.js', { 'if-none-match': etag })).status).toBe(304);
    expect((await get('/favicon.svg')).headers.get('content-type')).toBe('image/svg+xml');
    const head = await app.request('/assets/index-abc123.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('answers client-side routes with the app for browsers, and JSON 404s for everyone else', async () => {
    const page = await get('/experiments/3/runs?x=1', { accept: 'text/html,application/xhtml+xml' });
    expect(page.status).toBe(200);
    expect(await page.text()).toBe(INDEX);
    const script = await get('/experiments/3');
    expect(script.status).toBe(404);
    expect(((await script.json()) as { error_code: string }).error_code).toBe('ENDPOINT_NOT_FOUND');
    for (const path of ['/api/v1/nope', '/ajax-api/2.0/mlflow/nope', '/api/2.0/mlflow-artifacts/x']) {
      const res = await get(path, { accept: 'text/html' });
      expect(res.headers.get('content-type'), path).toContain('application/json');
    }
    const post = await app.request('/experiments', { method: 'POST', headers: { accept: 'text/html' } });
    expect(post.status).toBe(404);
  });

  it('serves only the files it loaded: no path leaves the UI folder', async () => {
    for (const path of [
      '/assets/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/assets/%2e%2e/index.html',
    ]) {
      const res = await get(path);
      expect(res.status === 404 || (await res.text()) === INDEX, path).toBe(true);
    }
  });
});

describe('an app without a built UI', () => {
  it('says at / how to build it', async () => {
    const store = await STORE_BACKENDS.find((b) => b.name === 'sqlite')!.open();
    const app = createApp(createServices(store, new LocalArtifactStore(mkdtempSync(join(tmpdir(), 'a-')))));
    const res = await app.request('/');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toContain('npm run build');
    await store.close();
  });
});

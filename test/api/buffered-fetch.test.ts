import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferedFetch } from '../../src/sdk/buffered-fetch.js';

describe('bufferedFetch (node:http transport of a tracked repro)', () => {
  let server: Server;
  let base: string;
  const f = bufferedFetch();
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        if (req.url === '/empty') return res.writeHead(204).end();
        if (req.url === '/moved') return res.writeHead(307, { location: '/echo' }).end();
        res.writeHead(req.url === '/missing' ? 404 : 201, 'Made', {
          'content-type': 'application/json',
          'set-cookie': ['a=1', 'b=2'],
        });
        res.end(JSON.stringify({ method: req.method, body, type: req.headers['content-type'] }));
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('sends method, headers and body and answers as fetch would: status, text, headers', async () => {
    const res = await f(new URL(`${base}/echo`), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"x":"é"}',
    });
    expect([res.status, res.statusText, res.ok]).toEqual([201, 'Made', true]);
    expect(res.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(await res.json()).toEqual({ method: 'POST', body: '{"x":"é"}', type: 'application/json' });
    const bytes = await f(`${base}/echo`, { method: 'PUT', body: new TextEncoder().encode('raw') });
    expect(((await bytes.json()) as { body: string }).body).toBe('raw');
  });

  it('keeps error statuses and empty answers, and follows a redirect through the global fetch', async () => {
    const missing = await f(`${base}/missing`);
    expect([missing.status, missing.ok]).toEqual([404, false]);
    const empty = await f(`${base}/empty`, { method: 'DELETE' });
    expect([empty.status, await empty.text()]).toEqual([204, '']);
    const moved = await f(`${base}/moved`, { method: 'POST', body: 'again' });
    expect(await moved.json()).toMatchObject({ method: 'POST', body: 'again' });
  });

  it('rejects as fetch does when nothing answers, with the socket error as the cause', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));
    const err = await f(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
  });
});

import { mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { resolveConfig } from '../../src/config/config.js';
import { type RunningServer, startServer } from '../../src/server/start.js';
import { buildOnnx, featureColumns, json, registerOnnx, waitFor } from '../support/serving.js';

let server: RunningServer;
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** A raw keep-alive POST (node:http), so that 20 concurrent clients really are 20 connections. */
function post(
  path: string,
  body: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* keep text */
          }
          resolve({ status: res.statusCode!, headers: res.headers, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const one = (name: string) =>
  JSON.stringify({ inputs: [{ name, shape: [1, 1], datatype: 'FP32', data: [1] }] });

beforeAll(async () => {
  server = await startServer(resolveConfig({ home: mkdtempSync(join(tmpdir(), 'mloop-load-')), port: 0 }), {
    pollMs: 100,
    workers: 1,
    log: () => undefined,
  });
  const py = inject('pythonBin');
  // 0.3 s or more per call: x -> x, after a K x K matrix cube that depends on x (~7 GFLOP).
  await registerOnnx(server.services, 'slow', await buildOnnx(py, 'slow', { size: 1500 }));
  for (const offset of [1, 2])
    await registerOnnx(
      server.services,
      'lin',
      await buildOnnx(py, 'linear', { features: 4, offset }),
      featureColumns(4),
    );
  await server.services.registry.setAlias('lin', 'champion', '1');
});
afterAll(async () => {
  agent.destroy();
  await server?.close();
});

async function deploy(name: string, model: string, batching?: Record<string, number>) {
  await server.services.deployments.create({ name, model, ...(batching ? { batching } : {}) });
  await server.services.serving!.sync();
  await waitFor(() => server.services.serving!.status(name).state === 'ready', 30_000, `${name} ready`);
}

describe('queue limits and timeouts', () => {
  it('answers 429 with Retry-After when the queue is full, and serves what it accepted', async () => {
    await deploy('slow-q', 'models:/slow/1', { maxQueueSize: 2, maxBatchSize: 1, timeoutMs: 60_000 });
    const results = await Promise.all(
      Array.from({ length: 10 }, () => post('/v2/models/slow-q/infer', one('x'))),
    );
    // Two in the worker (one running, one waiting), two queued; the rest are refused at once.
    const accepted = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    expect(accepted.length + refused.length).toBe(10);
    expect(accepted.length).toBeGreaterThanOrEqual(3);
    expect(refused.length).toBeGreaterThanOrEqual(3);
    for (const r of refused) {
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(r.body).toEqual({
        error: expect.stringMatching(/queue of this model is full \(2 requests waiting\); retry after \d+ s/),
      });
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(
      `nv_inference_request_failure{model="slow-q",version="1",reason="REJECTED"} ${refused.length}`,
    );
  });

  it('times out a request that waits or runs too long with 504', async () => {
    await deploy('slow-t', 'models:/slow/1', { timeoutMs: 30 });
    const r = await post('/v2/models/slow-t/infer', one('x'));
    expect(r.status).toBe(504);
    expect(r.body).toEqual({ error: expect.stringMatching(/did not complete within 30 ms/) });
    // A queue delay longer than the timeout: the deadline counts from arrival, so it fires while queued.
    await deploy('lin-t', 'models:/lin/1', { timeoutMs: 20, maxQueueDelayMs: 500, maxBatchSize: 64 });
    const q = await post(
      '/v2/models/lin-t/infer',
      JSON.stringify({ inputs: [{ name: 'X', shape: [1, 4], datatype: 'FP32', data: [1, 1, 1, 1] }] }),
    );
    expect(q).toMatchObject({
      status: 504,
      body: { error: expect.stringMatching(/within 20 ms \(still queued\)/) },
    });
  });

  it('batches concurrent requests into one runtime call', async () => {
    await deploy('lin-b', 'models:/lin/1', { maxQueueDelayMs: 50, maxBatchSize: 16 });
    const body = JSON.stringify({
      inputs: [{ name: 'X', shape: [1, 4], datatype: 'FP32', data: [1, 1, 1, 1] }],
    });
    const rs = await Promise.all(Array.from({ length: 16 }, () => post('/v2/models/lin-b/infer', body)));
    expect(rs.every((r) => r.status === 200 && r.body.outputs[0].data[0] === 3)).toBe(true);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const exec = Number(/^nv_inference_exec_count\{model="lin-b",version="1"\} (\d+)$/m.exec(metrics)?.[1]);
    const count = Number(/^nv_inference_count\{model="lin-b",version="1"\} (\d+)$/m.exec(metrics)?.[1]);
    expect(count).toBe(16);
    expect(exec).toBeLessThan(8);
  });
});

describe('moving an alias under load', () => {
  it('loses no request while 20 clients hammer the deployment and champion moves', async () => {
    await deploy('champ', 'models:/lin@champion');
    const body = JSON.stringify({
      inputs: [{ name: 'X', shape: [1, 4], datatype: 'FP32', data: [1, 1, 1, 1] }],
    });
    const seen: { t: number; version: string; value: number }[] = [];
    const failures: string[] = [];
    let stop = false;
    let movedAt = 0;
    const client = async () => {
      while (!stop) {
        try {
          const sent = Date.now();
          const r = await post('/v2/models/champ/infer', body);
          if (r.status !== 200) failures.push(`${r.status} ${JSON.stringify(r.body)}`);
          else seen.push({ t: sent, version: r.body.model_version, value: r.body.outputs[0].data[0] });
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const clients = Array.from({ length: 20 }, client);
    await new Promise((r) => setTimeout(r, 1500));
    movedAt = Date.now();
    await server.services.registry.setAlias('lin', 'champion', '2');
    // The next poll loads version 2 beside version 1, then swaps the route table.
    await waitFor(
      () => server.services.serving!.status('champ').routes[0]?.version === '2',
      30_000,
      'the swap',
    );
    const swappedAt = Date.now();
    await new Promise((r) => setTimeout(r, 1500));
    stop = true;
    await Promise.all(clients);
    expect(failures).toEqual([]);
    expect(seen.length).toBeGreaterThan(200);
    // By send time: everything sent before the move is answered by 1, everything sent after the swap by 2.
    const before = seen.filter((s) => s.t < movedAt);
    const after = seen.filter((s) => s.t > swappedAt);
    expect(after.length).toBeGreaterThan(20);
    expect(new Set(before.map((s) => s.version))).toEqual(new Set(['1']));
    expect(new Set(after.map((s) => s.version))).toEqual(new Set(['2']));
    // Every answer is the version it claims: v1 → 0.5 * 4 + 1, v2 → 0.5 * 4 + 2.
    for (const s of seen) expect(s.value).toBe(2 + Number(s.version));
    console.log(`alias move under load: ${seen.length} requests, 0 failed, ${before.length} before the move`);
  });

  it('loses no request when routes change under load either', async () => {
    const body = JSON.stringify({
      inputs: [{ name: 'X', shape: [1, 4], datatype: 'FP32', data: [1, 1, 1, 1] }],
    });
    const failures: string[] = [];
    const versions = new Set<string>();
    let stop = false;
    const client = async () => {
      while (!stop) {
        const r = await post('/v2/models/champ/infer', body);
        if (r.status !== 200) failures.push(`${r.status} ${JSON.stringify(r.body)}`);
        else versions.add(r.body.model_version);
      }
    };
    const clients = Array.from({ length: 20 }, client);
    await new Promise((r) => setTimeout(r, 500));
    await server.services.deployments.setRoutes('champ', { routes: [{ model: 'models:/lin/1', weight: 1 }] });
    await new Promise((r) => setTimeout(r, 1000));
    await server.services.deployments.rollback('champ');
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await Promise.all(clients);
    expect(failures).toEqual([]);
    expect(versions).toEqual(new Set(['1', '2']));
    expect((await json(await fetch(`${server.url}/v2/models/champ`))).versions).toEqual(['2']);
  });
});

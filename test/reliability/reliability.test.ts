import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, startPostgres } from '../support/postgres.js';
import { postJson, type ServerProcess, startServerProcess } from '../support/server-process.js';

const API = '/api/2.0/mlflow';
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop('SIGKILL');
});

async function run(server: ServerProcess, name: string): Promise<string> {
  const { body } = await postJson(`${server.url}${API}/runs/create`, { experiment_id: '0', run_name: name });
  return body.run.info.run_id;
}

/** Writers that log batches until stopped; only answers of 200 count as acknowledged. */
function writers(url: () => string, runIds: string[], perBatch: number) {
  const acknowledged = runIds.map(() => new Set<number>());
  const statuses = new Map<number, number>();
  const slowest = { ms: 0 };
  let stop = false;
  const loops = runIds.map(async (runId, w) => {
    for (let batch = 0; !stop; batch++) {
      const start = Date.now();
      try {
        const res = await postJson(`${url()}${API}/runs/log-batch`, {
          run_id: runId,
          metrics: Array.from({ length: perBatch }, (_, i) => ({
            key: 'm',
            value: i,
            timestamp: batch,
            step: batch * perBatch + i,
          })),
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 200) acknowledged[w]!.add(batch);
      } catch {
        statuses.set(0, (statuses.get(0) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 50));
      }
      slowest.ms = Math.max(slowest.ms, Date.now() - start);
    }
  });
  return {
    acknowledged,
    statuses,
    slowest,
    stop: async () => {
      stop = true;
      await Promise.all(loops);
    },
  };
}

async function storedSteps(url: string, runId: string): Promise<Set<number>> {
  const res = await fetch(`${url}${API}/metrics/get-history?run_id=${runId}&metric_key=m`);
  return new Set(((await res.json()) as { metrics: { step: number }[] }).metrics.map((m) => m.step));
}

describe('reliability', () => {
  it('kill -9 during 16-client ingestion loses no acknowledged write, and the server restarts in under 2 s', async () => {
    const first = await startServerProcess();
    servers.push(first);
    const runIds = await Promise.all(Array.from({ length: 16 }, (_, i) => run(first, `w${i}`)));
    const load = writers(() => first.url, runIds, 100);
    await new Promise((r) => setTimeout(r, 1500));
    first.child.kill('SIGKILL');
    await load.stop();
    const acked = load.acknowledged.reduce((n, s) => n + s.size, 0);
    expect(acked).toBeGreaterThan(16);

    const started = Date.now();
    const second = await startServerProcess({ home: first.home });
    const restartMs = Date.now() - started;
    servers.push(second);
    let checked = 0;
    for (const [w, runId] of runIds.entries()) {
      const stored = await storedSteps(second.url, runId);
      for (const batch of load.acknowledged[w]!) {
        for (let i = 0; i < 100; i++) {
          expect(stored.has(batch * 100 + i), `run ${w} point ${batch * 100 + i}`).toBe(true);
          checked++;
        }
      }
    }
    console.log(
      `[reliability] kill -9: ${acked} acknowledged batches (${checked} points) all present; restart to ready in ${restartMs} ms`,
    );
    expect(restartMs).toBeLessThan(2000);
    await second.stop();
  }, 120_000);

  it('a PostgreSQL restart under load answers 503 fast during the outage and recovers without a server restart', async () => {
    const pg = await startPostgres();
    try {
      const server = await startServerProcess({ args: ['--store', await createDatabase(pg.url)] });
      servers.push(server);
      const runIds = await Promise.all(Array.from({ length: 8 }, (_, i) => run(server, `pg${i}`)));
      const load = writers(() => server.url, runIds, 50);
      await new Promise((r) => setTimeout(r, 1000));
      await pg.pause();
      const duringStart = load.statuses.get(503) ?? 0;
      await new Promise((r) => setTimeout(r, 2500));
      const during503 = (load.statuses.get(503) ?? 0) - duringStart;
      await pg.resume();
      await new Promise((r) => setTimeout(r, 3000));
      const okBefore = load.statuses.get(200) ?? 0;
      await new Promise((r) => setTimeout(r, 1000));
      const recovered = (load.statuses.get(200) ?? 0) - okBefore;
      await load.stop();
      console.log(
        `[reliability] postgres restart: statuses ${JSON.stringify(Object.fromEntries(load.statuses))}; 503s during outage ${during503}; slowest answer ${load.slowest.ms} ms; writes in the second after recovery ${recovered}`,
      );
      expect(load.statuses.get(500) ?? 0).toBe(0);
      expect(during503).toBeGreaterThan(0);
      expect(recovered).toBeGreaterThan(0);
      expect(load.slowest.ms).toBeLessThan(10_000);
      for (const [w, runId] of runIds.entries()) {
        const stored = await storedSteps(server.url, runId);
        for (const batch of load.acknowledged[w]!)
          expect(stored.has(batch * 50), `run ${w} batch ${batch}`).toBe(true);
      }
      await server.stop();
    } finally {
      await pg.stop();
    }
  }, 180_000);

  it('a full artifact disk gives a clear error and lists no partial artifact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mloop-full-'));
    const artifacts = join(dir, 'artifacts');
    mkdirSync(artifacts);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', artifacts]);
    try {
      const server = await startServerProcess({ args: ['--artifacts', `file://${artifacts}`] });
      servers.push(server);
      const runId = await run(server, 'disk');
      const base = `${server.url}/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts`;
      const small = await fetch(`${base}/small.txt`, { method: 'PUT', body: 'fits' });
      expect(small.status).toBe(200);
      // The server answers before reading the whole body; a fresh connection keeps the client from reusing it.
      const big = await fetch(`${base}/big.bin`, {
        method: 'PUT',
        body: Buffer.alloc(1024 * 1024, 7),
        headers: { connection: 'close' },
      });
      const body = (await big.json()) as { error_code: string; message: string };
      console.log(`[reliability] disk full: ${big.status} ${JSON.stringify(body)}`);
      expect(big.status).toBe(507);
      expect(body.error_code).toBe('INSUFFICIENT_STORAGE');
      const list = (await (await fetch(`${server.url}${API}/artifacts/list?run_id=${runId}`)).json()) as {
        files: { path: string }[];
      };
      expect(list.files.map((f) => f.path)).toEqual(['small.txt']);
      expect(readdirSync(join(artifacts, '0', runId, 'artifacts'))).toEqual(['small.txt']);
      const again = await fetch(`${base}/after.txt`, { method: 'PUT', body: 'still works' });
      expect(again.status).toBe(200);
      await server.stop();
    } finally {
      execFileSync('umount', [artifacts]);
    }
  }, 120_000);
});

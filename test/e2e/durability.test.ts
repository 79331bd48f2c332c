import { afterAll, describe, expect, it } from 'vitest';
import { postJson, type ServerProcess, startServerProcess } from '../support/server-process.js';
import { STORE_BACKENDS } from '../support/stores.js';

const API = '/api/2.0/mlflow';

for (const backend of STORE_BACKENDS) {
  describe(`durability and concurrency on ${backend.name}`, () => {
    const servers: ServerProcess[] = [];
    afterAll(async () => {
      for (const s of servers) await s.stop('SIGKILL');
    });

    it('keeps every acknowledged write after kill -9 of the server', async () => {
      const store = await backend.uri();
      const first = await startServerProcess({ args: ['--store', store] });
      servers.push(first);
      const { body } = await postJson(`${first.url}${API}/runs/create`, {
        experiment_id: '0',
        run_name: 'crash',
      });
      const runId = body.run.info.run_id as string;
      const acknowledged: number[] = [];
      // Writes stream in until the kill; only those answered 200 count as acknowledged.
      let stop = false;
      const writer = (async () => {
        for (let step = 0; !stop; step++) {
          try {
            const res = await postJson(`${first.url}${API}/runs/log-batch`, {
              run_id: runId,
              metrics: Array.from({ length: 50 }, (_, i) => ({
                key: 'm',
                value: step * 50 + i,
                timestamp: step,
                step: step * 50 + i,
              })),
            });
            if (res.status === 200) acknowledged.push(step);
          } catch {
            return;
          }
        }
      })();
      await new Promise((r) => setTimeout(r, 700));
      first.child.kill('SIGKILL');
      stop = true;
      await writer;
      expect(acknowledged.length).toBeGreaterThan(5);

      const second = await startServerProcess({ home: first.home, args: ['--store', store] });
      servers.push(second);
      const res = await fetch(`${second.url}${API}/metrics/get-history?run_id=${runId}&metric_key=m`);
      const history = (await res.json()) as { metrics: { step: number }[] };
      const stored = new Set(history.metrics.map((m) => m.step));
      for (const step of acknowledged) {
        for (let i = 0; i < 50; i++)
          expect(stored.has(step * 50 + i), `acknowledged point ${step * 50 + i}`).toBe(true);
      }
      await second.stop();
    });

    it('serves 50 concurrent writers without a lock error', async () => {
      const server = await startServerProcess({ args: ['--store', await backend.uri()] });
      servers.push(server);
      const { body } = await postJson(`${server.url}${API}/experiments/create`, { name: 'concurrent' });
      const experimentId = body.experiment_id as string;
      const results = await Promise.all(
        Array.from({ length: 50 }, async (_, w) => {
          const statuses: number[] = [];
          const run = await postJson(`${server.url}${API}/runs/create`, {
            experiment_id: experimentId,
            run_name: `w${w}`,
          });
          statuses.push(run.status);
          const runId = run.body.run.info.run_id as string;
          for (let i = 0; i < 10; i++) {
            const res = await postJson(`${server.url}${API}/runs/log-batch`, {
              run_id: runId,
              metrics: Array.from({ length: 20 }, (_, j) => ({
                key: 'loss',
                value: Math.random(),
                timestamp: Date.now(),
                step: i * 20 + j,
              })),
              params: i === 0 ? [{ key: 'worker', value: String(w) }] : [],
              tags: [{ key: 'iter', value: String(i) }],
            });
            statuses.push(res.status);
            if (res.status !== 200) throw new Error(JSON.stringify(res.body));
          }
          return statuses;
        }),
      );
      expect(results.flat().every((s) => s === 200)).toBe(true);
      const search = await postJson(`${server.url}${API}/runs/search`, {
        experiment_ids: [experimentId],
        max_results: 100,
      });
      expect(search.body.runs).toHaveLength(50);
      for (const run of search.body.runs) {
        expect(run.data.metrics).toEqual([expect.objectContaining({ key: 'loss', step: 199 })]);
      }
      expect(server.stderr()).not.toMatch(/locked|SQLITE_BUSY/i);
      await server.stop();
    });
  });
}

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import type { RunningServer } from '../../src/server/start.js';
import { buildOnnx, featureColumns } from '../support/serving.js';
import { STORE_BACKENDS } from '../support/stores.js';
import {
  api,
  registerVersion,
  startLoopServer,
  trainCommand,
  until,
  waitForRun,
  writePackage,
} from './support.js';

/**
 * A server that stops in the middle of a loop run, and a new one on the same store: a bake resumes (with an event)
 * and finishes; training that was cut off fails cleanly. Traffic is never left shifted without a record.
 */
for (const backend of STORE_BACKENDS) {
  describe(`loop across a server restart (${backend.name})`, () => {
    it('resumes a bake after a restart and fails training that a restart cut off', async () => {
      const py = inject('pythonBin');
      const v1 = writePackage(await buildOnnx(py, 'linear', { features: 4, offset: 1 }), featureColumns(4));
      const v2 = writePackage(await buildOnnx(py, 'linear', { features: 4, offset: 2 }), featureColumns(4));
      const home = mkdtempSync(join(tmpdir(), 'mloop-home-'));
      const workdir = mkdtempSync(join(tmpdir(), 'mloop-project-'));
      const store = await backend.uri();
      let open: RunningServer | undefined;
      const start = async () => {
        open = await startLoopServer(home, store);
        return open;
      };
      const stop = async (s: RunningServer) => {
        const t = Date.now();
        await s.close();
        open = undefined;
        return Date.now() - t;
      };
      try {
        let server = await start();
        let call = api(server.url);
        await registerVersion(server.url, 'rs', v1, ['accuracy=0.8']);
        await call('PUT', '/registered-models/rs/aliases/champion', { version: '1' });
        await call('POST', '/deployments', { name: 'rs-live', model: 'models:/rs@champion' });
        const policy = {
          model: 'rs',
          deployment: 'rs-live',
          train: { command: trainCommand('rs', v2, ['accuracy=0.9']) },
          gate: { bounds: ['accuracy>=0.5'] },
          rollout: { canary: 25, bake: { time: '3s' }, rollback_on: { error_rate: 0.5 } },
        };
        expect((await call('PUT', '/loops/rs', { policy, workdir })).status).toBe(200);
        const id = (await call('POST', '/loops/rs/runs')).body.run.id;
        await waitForRun(server.url, id, ['canary']);
        // Mid-bake: the canary routes are set and the run's record says so (and what to return to).
        // (The state is written before the routes are set, so the routes may follow a moment later.)
        const canaryRoutes = [
          { model: 'models:/rs@champion', weight: 75 },
          { model: 'models:/rs@challenger', weight: 25 },
        ];
        await until('the canary routes', async () => {
          const routes = (await call('GET', '/deployments/rs-live')).body.routes;
          return JSON.stringify(routes) === JSON.stringify(canaryRoutes) ? true : undefined;
        });
        const mid = (await call('GET', `/loop-runs/${id}`)).body.run;
        expect(mid).toMatchObject({
          state: 'canary',
          routesBefore: [{ model: 'models:/rs@champion', weight: 100 }],
        });
        await stop(server);

        server = await start();
        call = api(server.url);
        const { run, events } = await waitForRun(server.url, id, ['succeeded', 'rolled_back', 'failed']);
        expect(run.state).toBe('succeeded');
        const kinds = events.map((e: { kind: string }) => e.kind);
        expect(kinds).toEqual([
          'triggered',
          'training_started',
          'challenger_registered',
          'canary_started',
          'resumed',
          'bake_passed',
          'promoted',
        ]);
        expect(events.find((e: { kind: string }) => e.kind === 'resumed').message).toMatch(
          /server restarted during the bake/,
        );
        expect((await call('GET', '/registered-models/rs')).body.aliases).toEqual([
          { alias: 'champion', version: '2' },
        ]);
        expect((await call('GET', '/deployments/rs-live')).body.routes).toEqual([
          { model: 'models:/rs@champion', weight: 100 },
        ]);

        // Training cut off by a restart: the run fails with a record; nothing is registered or routed.
        const slow = {
          ...policy,
          train: { command: trainCommand('rs', v1, ['accuracy=0.9'], 'SLEEP_MS=20000') },
        };
        expect((await call('PUT', '/loops/rs', { policy: slow, workdir })).status).toBe(200);
        const cut = (await call('POST', '/loops/rs/runs')).body.run.id;
        await waitForRun(server.url, cut, ['training']);
        // Stopping kills the training command's process group instead of waiting for it.
        expect(await stop(server)).toBeLessThan(10_000);
        server = await start();
        const failed = await waitForRun(server.url, cut, ['failed', 'succeeded']);
        expect(failed.run.state).toBe('failed');
        expect(failed.events.at(-1)).toMatchObject({ kind: 'interrupted', state: 'failed' });
        const model = (await api(server.url)('GET', '/registered-models/rs')).body;
        expect(model.aliases).toEqual([{ alias: 'champion', version: '2' }]);
        expect(model.latestVersions.map((v: { version: string }) => v.version)).toEqual(['2']);
        // The model is free again: a new run can start.
        expect((await api(server.url)('POST', '/loops/rs/runs')).body.outcome).toBe('started');
      } finally {
        await open?.close();
      }
    }, 180_000);
  });
}

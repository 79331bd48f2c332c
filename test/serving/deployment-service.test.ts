import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalArtifactStore } from '../../src/artifacts/local/local-artifact-store.js';
import { createServices, type Services } from '../../src/server/services.js';
import type { Store } from '../../src/store/open-store.js';
import { STORE_BACKENDS } from '../support/stores.js';

for (const backend of STORE_BACKENDS) {
  describe(`DeploymentService on ${backend.name}`, () => {
    let store: Store;
    let s: Services;
    beforeAll(async () => {
      store = await backend.open();
      s = createServices(store, new LocalArtifactStore(mkdtempSync(join(tmpdir(), 'mloop-dep-'))));
      await s.experiments.ensureDefault();
      const run = await s.runs.create({});
      await s.artifacts.put(
        `${run.info.artifactUri.slice('mlflow-artifacts:/'.length)}/model/MLmodel`,
        Buffer.from('x'),
      );
      await s.registry.createModel({ name: 'm' });
      for (let i = 0; i < 3; i++)
        await s.registry.createVersion({ name: 'm', source: `runs:/${run.info.runId}/model` });
      await s.registry.setAlias('m', 'champion', '1');
    });
    afterAll(async () => store?.close());

    it('creates, updates routes, records history and walks back on rollback', async () => {
      const d = await s.deployments.create(
        { name: 'd1', model: 'models:/m@champion', stickyHeader: 'X-User', batching: { maxBatchSize: 8 } },
        'ann',
      );
      expect(d).toMatchObject({
        name: 'd1',
        model: 'm',
        revision: 1,
        stickyHeader: 'x-user',
        routes: [{ model: 'models:/m@champion', weight: 100 }],
        shadows: [],
        batching: { maxBatchSize: 8, maxQueueDelayMs: 0, maxQueueSize: 1024, timeoutMs: 30_000 },
      });
      await s.deployments.setRoutes('d1', { routes: [{ model: 'models:/m/2', weight: 1 }] }, 'bob');
      const r3 = await s.deployments.setRoutes('d1', {
        routes: [
          { model: 'models:/m/2', weight: 90 },
          { model: 'models:/m/3', weight: 10 },
        ],
        shadows: [{ model: 'models:/m/latest', percent: 25 }],
      });
      expect(r3.revision).toBe(3);
      expect((await s.deployments.revisions()).get('d1')).toBe(3);
      expect((await s.deployments.rollback('d1')).routes).toEqual([{ model: 'models:/m/2', weight: 1 }]);
      expect((await s.deployments.rollback('d1')).routes).toEqual([
        { model: 'models:/m@champion', weight: 100 },
      ]);
      await expect(s.deployments.rollback('d1')).rejects.toThrow(/no earlier routes/);
      const events = await s.deployments.events('d1');
      expect(events.map((e) => [e.seq, e.kind, e.previousSeq, e.actor])).toEqual([
        [1, 'created', undefined, 'ann'],
        [2, 'routes', 1, 'bob'],
        [3, 'routes', 2, 'anonymous'],
        [4, 'rollback', 1, 'anonymous'],
        [5, 'rollback', undefined, 'anonymous'],
      ]);
      expect((await s.deployments.get('d1')).batching.maxBatchSize).toBe(8);
      expect((await s.deployments.list()).map((x) => x.name)).toEqual(['d1']);
      await s.deployments.delete('d1');
      await expect(s.deployments.get('d1')).rejects.toThrow(/Deployment 'd1' not found/);
    });

    it('refuses bad names, references, weights and batching with messages that say what is valid', async () => {
      const bad: [Record<string, unknown>, RegExp][] = [
        [{ name: '../x', model: 'models:/m/1' }, /Invalid deployment name "..\/x"/],
        [{ name: 'x', model: 'models:/m/9' }, /Model Version \(name=m, version=9\) not found/],
        [{ name: 'x', model: 'models:/m@nope' }, /alias nope not found/],
        [{ name: 'x', model: 's3://bucket/model' }, /expected models:\/<name>\/<version>/],
        [
          { name: 'x', model: 'models:/m/1', batching: { maxBatchSize: 0 } },
          /batching.maxBatchSize.*at least 1/,
        ],
        [{ name: 'x', model: 'models:/m/1', batching: { size: 3 } }, /Unknown field "size" in 'batching'/],
        [{ name: 'x', model: 'models:/m/1', stickyHeader: 'a b' }, /Invalid stickyHeader/],
      ];
      for (const [input, message] of bad)
        await expect(s.deployments.create(input as any), JSON.stringify(input)).rejects.toThrow(message);
      await s.deployments.create({ name: 'd2', model: 'models:/m/1' });
      await expect(s.deployments.create({ name: 'd2', model: 'models:/m/1' })).rejects.toThrow(
        /already exists/,
      );
      const routes: [unknown, RegExp][] = [
        [[], /'routes' must be a list of 1 to 16/],
        [[{ model: 'models:/m/1', weight: 0 }], /At least one route needs a weight above 0/],
        [[{ model: 'models:/m/1', weight: -1 }], /must be at least 0/],
        [
          [
            { model: 'models:/m/1', weight: 1 },
            { model: 'models:/m/1', weight: 2 },
          ],
          /names "models:\/m\/1" twice/,
        ],
        [[{ model: 'models:/m/1' }], /routes\[0\].weight/],
      ];
      for (const [r, message] of routes)
        await expect(s.deployments.setRoutes('d2', { routes: r }), JSON.stringify(r)).rejects.toThrow(
          message,
        );
      await expect(
        s.deployments.setRoutes('d2', {
          routes: [{ model: 'models:/m/1', weight: 1 }],
          shadows: [{ model: 'models:/m/2', percent: 101 }],
        }),
      ).rejects.toThrow(/shadows\[0\].percent.*at most 100/);
    });
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { STORE_BACKENDS } from '../support/stores.js';

const API = '/api/v1';

for (const backend of STORE_BACKENDS) {
  describe(`native registry routes on ${backend.name}`, () => {
    let t: TestApp;
    let runId: string;
    beforeAll(async () => {
      t = await startTestApp(backend);
      const run = await t.services.runs.create({ runName: 'trainer' });
      runId = run.info.runId;
      await t.services.runs.logBatch(runId, { params: [{ key: 'lr', value: '0.1' }] });
      await t.services.registry.createModel({ name: 'churn' });
      for (let i = 0; i < 2; i++)
        await t.services.registry.createVersion({ name: 'churn', source: `runs:/${runId}/model`, runId });
      await t.services.registry.setAlias('churn', 'champion', '1', 'alice');
      await t.services.registry.setAlias('churn', 'challenger', '2', 'bob');
      await t.services.registry.setAlias('churn', 'champion', '2', 'alice');
      await t.services.registry.deleteAlias('churn', 'challenger', 'bob');
    });
    afterAll(async () => t?.close());

    it("answers a model's alias history, oldest first, optionally for one alias", async () => {
      const all = await t.call('GET', `${API}/registered-models/churn/aliases/history`);
      expect(all.status).toBe(200);
      expect(
        all.body.items.map((e: any) => [e.alias, e.fromVersion ?? null, e.toVersion ?? null, e.actor]),
      ).toEqual(
        expect.arrayContaining([
          ['champion', null, '1', 'alice'],
          ['challenger', null, '2', 'bob'],
          ['champion', '1', '2', 'alice'],
          ['challenger', '2', null, 'bob'],
        ]),
      );
      expect(all.body.items).toHaveLength(4);
      const champion = await t.call('GET', `${API}/registered-models/churn/aliases/history?alias=champion`);
      expect(champion.body.items.map((e: any) => [e.seq, e.toVersion])).toEqual([
        [1, '1'],
        [2, '2'],
      ]);
      const missing = await t.call('GET', `${API}/registered-models/nope/aliases/history`);
      expect(missing.status).toBe(404);
      expect(missing.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    });

    it("answers a version's lineage by number or alias, and 404 for unknown versions", async () => {
      const byAlias = await t.call('GET', `${API}/lineage/model-versions/churn/@champion`);
      expect(byAlias.status).toBe(200);
      expect(byAlias.body.root).toBe('model_version:churn/2');
      const kinds = byAlias.body.nodes.map((n: any) => n.kind).sort();
      expect(kinds).toEqual(['experiment', 'model_version', 'registered_model', 'run']);
      const run = byAlias.body.nodes.find((n: any) => n.kind === 'run');
      expect(run).toMatchObject({ id: `run:${runId}`, label: 'trainer' });
      expect(run.attributes['param.lr']).toBe('0.1');
      expect(byAlias.body.edges).toContainEqual({
        from: 'model_version:churn/2',
        to: `run:${runId}`,
        relation: 'produced_by',
      });
      const byNumber = await t.call('GET', `${API}/lineage/model-versions/churn/1`);
      expect(byNumber.body.root).toBe('model_version:churn/1');
      expect((await t.call('GET', `${API}/lineage/model-versions/churn/7`)).status).toBe(404);
      expect((await t.call('GET', `${API}/lineage/model-versions/churn/@nobody`)).status).toBe(404);
      expect((await t.call('GET', `${API}/lineage/model-versions/bad:name/1`)).status).toBe(400);
    });
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { STORE_BACKENDS } from '../support/stores.js';

const API = '/api/v1';
const MISSING_RUN = '0'.repeat(32);

for (const backend of STORE_BACKENDS) {
  describe(`native API /api/v1 on ${backend.name}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(backend);
    });
    afterAll(async () => t?.close());

    it('creates, gets, renames, lists, deletes and restores experiments', async () => {
      const created = await t.call('POST', `${API}/experiments`, {
        name: 'churn',
        tags: [{ key: 'team', value: 'growth' }],
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'churn',
        lifecycleStage: 'active',
        artifactLocation: `mlflow-artifacts:/${created.body.experimentId}`,
        tags: [{ key: 'team', value: 'growth' }],
      });
      const id = created.body.experimentId as string;

      expect((await t.call('GET', `${API}/experiments/${id}`)).body).toEqual(created.body);
      expect((await t.call('GET', `${API}/experiments/by-name/churn`)).body.experimentId).toBe(id);

      const renamed = await t.call('PATCH', `${API}/experiments/${id}`, { name: 'churn-v2' });
      expect(renamed).toMatchObject({ status: 200, body: { experimentId: id, name: 'churn-v2' } });

      const list = await t.call('GET', `${API}/experiments?orderBy=name%20ASC`);
      expect(list.status).toBe(200);
      // Byte order: upper case first.
      expect(list.body.items.map((e: { name: string }) => e.name)).toEqual(['Default', 'churn-v2']);
      expect(list.body.nextPageToken).toBeUndefined();

      const first = await t.call('GET', `${API}/experiments?maxResults=1&orderBy=name%20ASC`);
      expect(first.body.items).toHaveLength(1);
      const second = await t.call(
        'GET',
        `${API}/experiments?maxResults=1&orderBy=name%20ASC&pageToken=${encodeURIComponent(first.body.nextPageToken)}`,
      );
      expect(second.body.items[0].name).toBe('churn-v2');

      const deleted = await t.call('DELETE', `${API}/experiments/${id}`);
      expect(deleted).toEqual({ status: 204, body: '' });
      const active = await t.call('GET', `${API}/experiments`);
      expect(active.body.items.map((e: { experimentId: string }) => e.experimentId)).not.toContain(id);
      const gone = await t.call('GET', `${API}/experiments?viewType=DELETED_ONLY`);
      expect(gone.body.items.map((e: { experimentId: string }) => e.experimentId)).toEqual([id]);
      const filtered = await t.call(
        'GET',
        `${API}/experiments?viewType=ALL&filter=${encodeURIComponent("name = 'Default'")}`,
      );
      expect(filtered.body.items.map((e: { name: string }) => e.name)).toEqual(['Default']);

      const restored = await t.call('POST', `${API}/experiments/${id}/restore`);
      expect(restored).toMatchObject({ status: 200, body: { experimentId: id, lifecycleStage: 'active' } });
    });

    it('runs: create, log a batch, get, update, search, history, delete and restore', async () => {
      const exp = (await t.call('POST', `${API}/experiments`, { name: 'runs-exp' })).body
        .experimentId as string;
      const created = await t.call('POST', `${API}/runs`, {
        experimentId: exp,
        runName: 'first',
        startTime: 1000,
        tags: [{ key: 'owner', value: 'ana' }],
      });
      expect(created.status).toBe(201);
      expect(created.body.info).toMatchObject({
        runName: 'first',
        experimentId: exp,
        status: 'RUNNING',
        startTime: 1000,
        lifecycleStage: 'active',
      });
      expect(created.body.info.endTime).toBeUndefined();
      const runId = created.body.info.runId as string;

      const logged = await t.call('POST', `${API}/runs/${runId}/batch`, {
        params: [{ key: 'lr', value: '0.1' }],
        tags: [{ key: 'stage', value: 'dev' }],
        metrics: [
          { key: 'train/loss', value: 0.9, timestamp: 10, step: 0 },
          { key: 'train/loss', value: 0.5, timestamp: 11, step: 1 },
          { key: 'train/loss', value: 0.3, timestamp: 12, step: 2 },
          { key: 'odd', value: 'NaN', timestamp: 13 },
          { key: 'big', value: 'Infinity', timestamp: 13 },
        ],
      });
      expect(logged).toEqual({ status: 204, body: '' });

      const run = (await t.call('GET', `${API}/runs/${runId}`)).body;
      expect(run.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
      expect(run.data.tags).toEqual(
        expect.arrayContaining([
          { key: 'owner', value: 'ana' },
          { key: 'stage', value: 'dev' },
          { key: 'mlflow.runName', value: 'first' },
        ]),
      );
      const metrics = Object.fromEntries(
        run.data.metrics.map((m: { key: string; value: unknown }) => [m.key, m.value]),
      );
      // +Infinity is stored as DBL_MAX, as MLflow stores it; NaN survives.
      expect(metrics).toEqual({ 'train/loss': 0.3, odd: 'NaN', big: Number.MAX_VALUE });

      const updated = await t.call('PATCH', `${API}/runs/${runId}`, { status: 'FINISHED', endTime: 2000 });
      expect(updated).toMatchObject({ status: 200, body: { runId, status: 'FINISHED', endTime: 2000 } });
      const renamed = await t.call('PATCH', `${API}/runs/${runId}`, { runName: 'renamed' });
      expect(renamed.body.runName).toBe('renamed');
      const unchanged = await t.call('PATCH', `${API}/runs/${runId}`, {});
      expect(unchanged).toEqual({ status: 200, body: renamed.body });

      // The key holds a '/', sent encoded.
      const history = await t.call('GET', `${API}/runs/${runId}/metrics/${encodeURIComponent('train/loss')}`);
      expect(history.status).toBe(200);
      expect(history.body.items.map((m: { value: number }) => m.value)).toEqual([0.9, 0.5, 0.3]);
      const page1 = await t.call('GET', `${API}/runs/${runId}/metrics/train%2Floss?maxResults=2`);
      expect(page1.body.items.map((m: { step: number }) => m.step)).toEqual([0, 1]);
      const page2 = await t.call(
        'GET',
        `${API}/runs/${runId}/metrics/train%2Floss?maxResults=2&pageToken=${encodeURIComponent(page1.body.nextPageToken)}`,
      );
      expect(page2.body).toEqual({ items: [{ key: 'train/loss', value: 0.3, timestamp: 12, step: 2 }] });

      const other = (await t.call('POST', `${API}/runs`, { experimentId: exp, runName: 'second' })).body.info;
      await t.call('POST', `${API}/runs/${other.runId}/batch`, {
        metrics: [{ key: 'train/loss', value: 0.1, timestamp: 1 }],
      });
      const search = await t.call('POST', `${API}/runs/search`, {
        experimentIds: [exp],
        orderBy: ['metrics.`train/loss` ASC'],
      });
      expect(search.status).toBe(200);
      expect(search.body.items.map((r: { info: { runName: string } }) => r.info.runName)).toEqual([
        'second',
        'renamed',
      ]);
      const filtered = await t.call('POST', `${API}/runs/search`, {
        experimentIds: [exp],
        filter: "params.lr = '0.1'",
        maxResults: 1,
      });
      expect(filtered.body.items.map((r: { info: { runId: string } }) => r.info.runId)).toEqual([runId]);

      expect((await t.call('DELETE', `${API}/runs/${other.runId}`)).status).toBe(204);
      const afterDelete = await t.call('POST', `${API}/runs/search`, { experimentIds: [exp] });
      expect(afterDelete.body.items).toHaveLength(1);
      const deletedOnly = await t.call('POST', `${API}/runs/search`, {
        experimentIds: [exp],
        viewType: 'DELETED_ONLY',
      });
      expect(deletedOnly.body.items[0].info.runId).toBe(other.runId);
      const restored = await t.call('POST', `${API}/runs/${other.runId}/restore`);
      expect(restored).toMatchObject({ status: 200, body: { runId: other.runId, lifecycleStage: 'active' } });
    });

    it('records dataset and model inputs in camelCase', async () => {
      const run = (await t.call('POST', `${API}/runs`, {})).body.info;
      expect(run.experimentId).toBe('0');
      const input = {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: { name: 'flights', digest: 'abc123', sourceType: 'local', source: 'data/flights.parquet' },
      };
      const res = await t.call('POST', `${API}/runs/${run.runId}/inputs`, {
        datasets: [input],
        models: [{ modelId: 'm-1' }],
      });
      expect(res.status).toBe(204);
      const got = (await t.call('GET', `${API}/runs/${run.runId}`)).body;
      expect(got.inputs).toEqual({ datasetInputs: [input], modelInputs: [{ modelId: 'm-1' }] });
    });

    it('creates a run with its inputs, and finishes it with its results, in one request each', async () => {
      const input = {
        tags: [{ key: 'mlflow.data.context', value: 'pipeline' }],
        dataset: { name: 'out/a.txt', digest: 'd1', sourceType: 'mloop-stage-output', source: '{}' },
      };
      const created = await t.call('POST', `${API}/runs`, {
        runName: 'stage',
        tags: [{ key: 'mloop.pipeline.stage', value: 'a' }],
        inputs: { datasets: [input] },
      });
      expect(created.status).toBe(201);
      expect(created.body.inputs).toEqual({ datasetInputs: [input], modelInputs: [] });
      const runId = created.body.info.runId as string;

      // A bad metric rejects the whole request: neither the batch nor the status is written.
      const bad = await t.call('PATCH', `${API}/runs/${runId}`, {
        status: 'FINISHED',
        params: [{ key: 'lr', value: '0.1' }],
        metrics: [{ key: 'auc', value: 'high', timestamp: 1 }],
      });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(/'metrics\[0\]\.value'/);
      const untouched = (await t.call('GET', `${API}/runs/${runId}`)).body;
      expect(untouched.info.status).toBe('RUNNING');
      expect(untouched.data.params).toEqual([]);

      const finished = await t.call('PATCH', `${API}/runs/${runId}`, {
        status: 'FINISHED',
        endTime: 5000,
        params: [{ key: 'lr', value: '0.1' }],
        metrics: [{ key: 'auc', value: 0.9, timestamp: 4000 }],
        tags: [{ key: 'mloop.pipeline.how', value: 'ran' }],
      });
      expect(finished).toMatchObject({ status: 200, body: { runId, status: 'FINISHED', endTime: 5000 } });
      const got = (await t.call('GET', `${API}/runs/${runId}`)).body;
      expect(got.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
      expect(got.data.metrics).toMatchObject([{ key: 'auc', value: 0.9 }]);
      expect(got.data.tags).toContainEqual({ key: 'mloop.pipeline.how', value: 'ran' });

      const badInput = await t.call('POST', `${API}/runs`, {
        inputs: { datasets: [{ dataset: { name: 'x' } }] },
      });
      expect(badInput.status).toBe(400);
      expect(badInput.body.message).toMatch(/'inputs\.datasets\[0\]\.dataset\.digest'/);
    });

    it("lists a run's artifacts relative to its artifact root", async () => {
      const run = (await t.call('POST', `${API}/runs`, {})).body.info;
      const root = run.artifactUri.slice('mlflow-artifacts:/'.length);
      await t.services.artifacts.put(`${root}/model/MLmodel`, Buffer.from('flavors: {}\n'));
      await t.services.artifacts.put(`${root}/metrics.json`, Buffer.from('{}'));
      const top = await t.call('GET', `${API}/runs/${run.runId}/artifacts`);
      expect(top).toEqual({
        status: 200,
        body: {
          rootUri: run.artifactUri,
          files: [
            { path: 'metrics.json', isDir: false, size: 2 },
            { path: 'model', isDir: true },
          ],
        },
      });
      const sub = await t.call('GET', `${API}/runs/${run.runId}/artifacts?path=model`);
      expect(sub.body.files).toEqual([{ path: 'model/MLmodel', isDir: false, size: 12 }]);
      const traversal = await t.call(
        'GET',
        `${API}/runs/${run.runId}/artifacts?path=${encodeURIComponent('../..')}`,
      );
      expect(traversal.status).toBe(400);
      expect(traversal.body.message).toMatch(/'path'/);
    });

    it('answers 404 for unknown ids, names and endpoints', async () => {
      const cases: [string, string][] = [
        ['GET', `${API}/experiments/987654`],
        ['GET', `${API}/experiments/by-name/nope`],
        ['DELETE', `${API}/experiments/987654`],
        ['POST', `${API}/experiments/987654/restore`],
        ['GET', `${API}/runs/${MISSING_RUN}`],
        ['DELETE', `${API}/runs/${MISSING_RUN}`],
        ['POST', `${API}/runs/${MISSING_RUN}/restore`],
        ['GET', `${API}/runs/${MISSING_RUN}/metrics/loss`],
        ['GET', `${API}/runs/${MISSING_RUN}/artifacts`],
        ['GET', `${API}/nothing-here`],
      ];
      for (const [method, path] of cases) {
        const res = await t.call(method, path);
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
        expect(res.body.error_code).toMatch(/^(RESOURCE_DOES_NOT_EXIST|ENDPOINT_NOT_FOUND)$/);
      }
      const patch = await t.call('PATCH', `${API}/runs/${MISSING_RUN}`, { status: 'FAILED' });
      expect(patch.status).toBe(404);
      const batch = await t.call('POST', `${API}/runs/${MISSING_RUN}/batch`, {
        params: [{ key: 'a', value: '1' }],
      });
      expect(batch.status).toBe(404);
      const runInMissingExperiment = await t.call('POST', `${API}/runs`, { experimentId: '987654' });
      expect(runInMissingExperiment.status).toBe(404);
    });

    it('answers 400 naming the field, the value and what is valid', async () => {
      const run = (await t.call('POST', `${API}/runs`, {})).body.info;
      const cases: [method: string, path: string, body: unknown, message: RegExp][] = [
        ['POST', `${API}/experiments`, {}, /Missing value for required parameter 'name'/],
        [
          'POST',
          `${API}/experiments`,
          { name: 42 },
          /Invalid value 42 for parameter 'name'.*expected a string/,
        ],
        ['POST', `${API}/experiments`, { name: 'x', artifactLocation: 7 }, /'artifactLocation'/],
        [
          'POST',
          `${API}/experiments`,
          { name: 'x', tag: [] },
          /Unknown field "tag".*expected name, artifactLocation, tags/,
        ],
        ['PATCH', `${API}/experiments/0`, {}, /Missing value for required parameter 'name'/],
        [
          'GET',
          `${API}/experiments/abc`,
          undefined,
          /Invalid value "abc" for parameter 'experimentId'.*decimal integer/,
        ],
        ['GET', `${API}/experiments?viewType=SOME`, undefined, /'viewType'.*ACTIVE_ONLY, DELETED_ONLY, ALL/],
        ['GET', `${API}/experiments?maxResults=0`, undefined, /'maxResults' supplied: must be at least 1/],
        [
          'GET',
          `${API}/experiments?maxResults=ten`,
          undefined,
          /Invalid value "ten" for parameter 'maxResults'/,
        ],
        ['POST', `${API}/runs`, { experimentId: 'x' }, /Invalid value "x" for parameter 'experimentId'/],
        ['POST', `${API}/runs`, { startTime: -5 }, /'startTime' supplied: must be at least 0/],
        ['POST', `${API}/runs`, { runName: ['a'] }, /'runName'.*expected a string/],
        ['POST', `${API}/runs`, { tags: [{ key: '../x', value: 'v' }] }, /'tags\[0\]\.key'/],
        ['GET', `${API}/runs/not-a-run!`, undefined, /Invalid value "not-a-run!" for parameter 'runId'/],
        [
          'PATCH',
          `${API}/runs/${run.runId}`,
          { status: 'DONE' },
          /Invalid value "DONE" for parameter 'status'.*RUNNING/,
        ],
        ['PATCH', `${API}/runs/${run.runId}`, { endTime: 'soon' }, /'endTime'.*expected an integer/],
        ['PATCH', `${API}/runs/${run.runId}`, { stauts: 'FAILED' }, /Unknown field "stauts"/],
        [
          'POST',
          `${API}/runs/${run.runId}/batch`,
          { metrics: [{ key: 'm', value: 'high', timestamp: 1 }] },
          /'metrics\[0\]\.value'/,
        ],
        [
          'POST',
          `${API}/runs/${run.runId}/batch`,
          { metrics: [{ key: 'm', value: 1 }] },
          /'metrics\[0\]\.timestamp'/,
        ],
        ['POST', `${API}/runs/${run.runId}/batch`, { params: 'lr=1' }, /'params'.*expected a list/],
        ['POST', `${API}/runs/search`, {}, /'experimentIds'/],
        ['POST', `${API}/runs/search`, { experimentIds: '1' }, /'experimentIds'.*expected a list/],
        ['POST', `${API}/runs/search`, { experimentIds: ['0'], maxResults: 0 }, /'maxResults'/],
        ['POST', `${API}/runs/search`, { experimentIds: ['0'], orderBy: 'start_time' }, /'orderBy'/],
        ['POST', `${API}/runs/search`, { experimentIds: ['0'], filter: 'metrics.x >' }, /filter/i],
        ['POST', `${API}/runs/search`, { experimentIds: ['0'], viewType: 'all' }, /'viewType'/],
        ['POST', `${API}/runs/search`, { experimentIds: ['0'], pageToken: 'garbage' }, /page token/i],
        ['GET', `${API}/runs/${run.runId}/metrics/a%20b%3Bc`, undefined, /'key'/],
        ['GET', `${API}/runs/${run.runId}/metrics/loss?maxResults=-1`, undefined, /'maxResults'/],
      ];
      for (const [method, path, body, message] of cases) {
        const res = await t.call(method, path, body);
        expect({ method, path, body, status: res.status, code: res.body.error_code }).toEqual({
          method,
          path,
          body,
          status: 400,
          code: 'INVALID_PARAMETER_VALUE',
        });
        expect(res.body.message).toMatch(message);
      }
    });

    it('requires a JSON object body declared as application/json on POST and PATCH', async () => {
      const text = await t.call('POST', `${API}/experiments`, JSON.stringify({ name: 'csrf' }), {
        'content-type': 'text/plain',
      });
      expect(text.status).toBe(400);
      expect(text.body.message).toMatch(
        /Content-Type must be one of \[application\/json\]; got "text\/plain"/,
      );
      const none = await t.call('PATCH', `${API}/experiments/0`, undefined);
      expect(none.body.message).toMatch(/Content-Type.*\(none\)/);
      const malformed = await t.call('POST', `${API}/experiments`, '{"name":');
      expect(malformed).toMatchObject({ status: 400, body: { error_code: 'BAD_REQUEST' } });
      const array = await t.call('POST', `${API}/runs/search`, '[1]');
      expect(array).toMatchObject({
        status: 400,
        body: { message: 'The request body must be a JSON object.' },
      });
      const exists = await t.call('GET', `${API}/experiments/by-name/csrf`);
      expect(exists.status).toBe(404);
    });

    it('refuses writes to deleted runs and duplicate names with 400', async () => {
      await t.call('POST', `${API}/experiments`, { name: 'dup' });
      const dup = await t.call('POST', `${API}/experiments`, { name: 'dup' });
      expect(dup).toMatchObject({ status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS' } });
      const run = (await t.call('POST', `${API}/runs`, {})).body.info;
      await t.call('POST', `${API}/runs/${run.runId}/batch`, { params: [{ key: 'p', value: '1' }] });
      const changed = await t.call('POST', `${API}/runs/${run.runId}/batch`, {
        params: [{ key: 'p', value: '2' }],
      });
      expect(changed.status).toBe(400);
      expect(changed.body.message).toMatch(/Changing param values is not allowed/);
      await t.call('DELETE', `${API}/runs/${run.runId}`);
      const write = await t.call('POST', `${API}/runs/${run.runId}/batch`, {
        tags: [{ key: 'a', value: 'b' }],
      });
      expect(write.status).toBe(400);
      expect(write.body.message).toMatch(/must be in the 'active' state/);
    });
  });
}

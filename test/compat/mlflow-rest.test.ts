import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { STORE_BACKENDS } from '../support/stores.js';

const API = '/api/2.0/mlflow';

for (const backend of STORE_BACKENDS) {
  describe(`MLflow REST on ${backend.name}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(backend);
    });
    afterAll(async () => t?.close());

    it('serves health, version and the Default experiment under both prefixes', async () => {
      expect((await t.call('GET', '/health')).body).toBe('OK');
      expect((await t.call('GET', '/version')).body).toMatch(/^\d+\.\d+\.\d+/);
      for (const prefix of ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow']) {
        const res = await t.call('GET', `${prefix}/experiments/get?experiment_id=0`);
        expect(res.status).toBe(200);
        expect(res.body.experiment).toMatchObject({
          experiment_id: '0',
          name: 'Default',
          lifecycle_stage: 'active',
        });
      }
    });

    it('answers errors in MLflow shape with MLflow statuses', async () => {
      const missing = await t.call('GET', `${API}/experiments/get-by-name?experiment_name=nope`);
      expect(missing).toEqual({
        status: 404,
        body: {
          error_code: 'RESOURCE_DOES_NOT_EXIST',
          message: "Could not find experiment with name 'nope'",
        },
      });
      await t.call('POST', `${API}/experiments/create`, { name: 'dup' });
      const dup = await t.call('POST', `${API}/experiments/create`, { name: 'dup' });
      expect(dup).toMatchObject({ status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS' } });
      const noName = await t.call('POST', `${API}/experiments/create`, {});
      expect(noName).toMatchObject({
        status: 400,
        body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("'name'") },
      });
      const wrongType = await t.call('POST', `${API}/experiments/create`, { name: 42 });
      expect(wrongType.body.message).toMatch(/Invalid value 42 for parameter 'name'/);
      const tooLong = await t.call('POST', `${API}/experiments/create`, { name: 'x'.repeat(501) });
      expect(tooLong.body.message).toMatch(/'name' exceeds the maximum length of 500/);
      const unknown = await t.call('GET', `${API}/nope/nothing`);
      expect(unknown).toMatchObject({ status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND' } });
    });

    it('requires application/json on POST and refuses malformed JSON (CVE-2023-43472)', async () => {
      const plain = await t.call('POST', `${API}/experiments/create`, JSON.stringify({ name: 'csrf' }), {
        'content-type': 'text/plain',
      });
      expect(plain).toMatchObject({
        status: 400,
        body: {
          error_code: 'INVALID_PARAMETER_VALUE',
          message: expect.stringContaining('Content-Type must be one of [application/json]'),
        },
      });
      for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        expect(
          (await t.call('POST', `${API}/experiments/create`, 'name=csrf', { 'content-type': type })).status,
        ).toBe(400);
      }
      expect((await t.call('GET', `${API}/experiments/get-by-name?experiment_name=csrf`)).status).toBe(404);
      const charset = await t.call(
        'POST',
        `${API}/experiments/create`,
        { name: 'with-charset' },
        { 'content-type': 'application/json; charset=utf-8' },
      );
      expect(charset.status).toBe(200);
      const broken = await t.call('POST', `${API}/experiments/create`, '{"name": ');
      expect(broken).toMatchObject({
        status: 400,
        body: { error_code: 'BAD_REQUEST', message: expect.stringContaining('Malformed JSON') },
      });
      const array = await t.call('POST', `${API}/experiments/create`, '[1,2]');
      expect(array.status).toBe(400);
    });

    it('runs the full tracking flow with MLflow shapes', async () => {
      const { body: created } = await t.call('POST', `${API}/experiments/create`, {
        name: 'flow',
        tags: [{ key: 'a', value: 'b' }],
      });
      const experimentId = created.experiment_id as string;
      expect(experimentId).toMatch(/^\d+$/);
      const { body: runBody } = await t.call('POST', `${API}/runs/create`, {
        experiment_id: experimentId,
        start_time: 1700000000000,
        run_name: 'flow-run',
        tags: [{ key: 'mlflow.user', value: 'ada' }],
      });
      const run = runBody.run;
      expect(run.info).toMatchObject({
        run_name: 'flow-run',
        experiment_id: experimentId,
        status: 'RUNNING',
        user_id: 'ada',
        lifecycle_stage: 'active',
      });
      expect(run.info.run_uuid).toBe(run.info.run_id);
      const runId = run.info.run_id as string;
      expect(
        (await t.call('POST', `${API}/runs/log-parameter`, { run_id: runId, key: 'lr', value: '0.01' }))
          .status,
      ).toBe(200);
      expect(
        (
          await t.call('POST', `${API}/runs/log-metric`, {
            run_uuid: runId,
            key: 'loss',
            value: 0.5,
            timestamp: 1,
            step: 0,
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await t.call('POST', `${API}/runs/log-metric`, {
            run_id: runId,
            key: 'loss',
            value: 'NaN',
            timestamp: 2,
            step: 1,
          })
        ).status,
      ).toBe(200);
      // Python's json module writes bare NaN; accept it.
      expect(
        (
          await t.call(
            'POST',
            `${API}/runs/log-metric`,
            `{"run_id": "${runId}", "key": "loss", "value": NaN, "timestamp": 3, "step": 2}`,
          )
        ).status,
      ).toBe(200);
      expect(
        (await t.call('POST', `${API}/runs/set-tag`, { run_id: runId, key: 'note', value: 'hello' })).status,
      ).toBe(200);
      const batch = await t.call('POST', `${API}/runs/log-batch`, {
        run_id: runId,
        metrics: [{ key: 'acc', value: 0.9, timestamp: 5, step: 3 }],
        params: [{ key: 'depth', value: '6' }],
        tags: [{ key: 'phase', value: 'train' }],
      });
      expect(batch).toEqual({ status: 200, body: {} });
      const changed = await t.call('POST', `${API}/runs/log-parameter`, {
        run_id: runId,
        key: 'lr',
        value: '0.02',
      });
      expect(changed).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });

      const { body: got } = await t.call('GET', `${API}/runs/get?run_id=${runId}`);
      expect(got.run.data.params).toEqual([
        { key: 'depth', value: '6' },
        { key: 'lr', value: '0.01' },
      ]);
      expect(got.run.data.metrics).toContainEqual({ key: 'loss', value: 'NaN', timestamp: 3, step: 2 });
      expect(got.run.data.tags).toContainEqual({ key: 'note', value: 'hello' });

      const { body: hist } = await t.call(
        'GET',
        `${API}/metrics/get-history?run_id=${runId}&metric_key=loss`,
      );
      expect(hist.metrics.map((m: { value: unknown }) => m.value)).toEqual([0.5, 'NaN', 'NaN']);

      const { body: search } = await t.call('POST', `${API}/runs/search`, {
        experiment_ids: [experimentId],
        filter: "params.lr = '0.01' and metrics.acc > 0.5",
        order_by: ['metrics.acc DESC'],
        max_results: 10,
      });
      expect(search.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([runId]);
      const getSearch = await t.call(
        'GET',
        `${API}/experiments/search?max_results=5&filter=name%20%3D%20'flow'`,
      );
      expect(getSearch.body.experiments.map((e: { name: string }) => e.name)).toEqual(['flow']);

      const updated = await t.call('POST', `${API}/runs/update`, {
        run_id: runId,
        status: 'FINISHED',
        end_time: 1700000001000,
      });
      expect(updated.body.run_info).toMatchObject({ status: 'FINISHED', end_time: 1700000001000 });
      expect((await t.call('POST', `${API}/runs/delete`, { run_id: runId })).status).toBe(200);
      const deleted = await t.call('POST', `${API}/runs/search`, {
        experiment_ids: [experimentId],
        run_view_type: 'DELETED_ONLY',
      });
      expect(deleted.body.runs).toHaveLength(1);
      expect((await t.call('POST', `${API}/runs/restore`, { run_id: runId })).status).toBe(200);
    });

    it('enforces log-batch limits', async () => {
      const { body } = await t.call('POST', `${API}/runs/create`, { experiment_id: '0' });
      const runId = body.run.info.run_id;
      const many = Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i }));
      const over = await t.call('POST', `${API}/runs/log-batch`, { run_id: runId, metrics: many });
      expect(over).toMatchObject({
        status: 400,
        body: { message: expect.stringContaining('limit of 1000') },
      });
      const huge = await t.call('POST', `${API}/runs/log-batch`, {
        run_id: runId,
        tags: [{ key: 'big', value: 'x'.repeat(1_100_000) }],
      });
      expect(huge).toMatchObject({
        status: 400,
        body: { message: expect.stringContaining('at most 1000000 bytes') },
      });
      const { body: after } = await t.call('GET', `${API}/runs/get?run_id=${runId}`);
      expect(after.run.data.metrics).toEqual([]);
    });

    it('proxies artifacts: upload, list, download, delete', async () => {
      const { body } = await t.call('POST', `${API}/runs/create`, { experiment_id: '0' });
      const root = `0/${body.run.info.run_id}/artifacts`;
      const put = await t.app.request(`/api/2.0/mlflow-artifacts/artifacts/${root}/model/MLmodel`, {
        method: 'PUT',
        body: 'flavors: {}\n',
      });
      expect(put.status).toBe(200);
      await t.app.request(`/api/2.0/mlflow-artifacts/artifacts/${root}/notes.txt`, {
        method: 'PUT',
        body: 'hello',
      });
      const list = await t.call('GET', `${API}/artifacts/list?run_id=${body.run.info.run_id}`);
      expect(list.body).toEqual({
        root_uri: `mlflow-artifacts:/${root}`,
        files: [
          { path: 'model', is_dir: true },
          { path: 'notes.txt', is_dir: false, file_size: 5 },
        ],
      });
      const nested = await t.call('GET', `${API}/artifacts/list?run_id=${body.run.info.run_id}&path=model`);
      expect(nested.body.files).toEqual([{ path: 'model/MLmodel', is_dir: false, file_size: 12 }]);
      const proxyList = await t.call('GET', `/api/2.0/mlflow-artifacts/artifacts?path=${root}/model`);
      expect(proxyList.body).toEqual({ files: [{ path: 'MLmodel', is_dir: false, file_size: 12 }] });
      const download = await t.app.request(`/api/2.0/mlflow-artifacts/artifacts/${root}/notes.txt`);
      expect(await download.text()).toBe('hello');
      expect(
        (await t.app.request(`/api/2.0/mlflow-artifacts/artifacts/${root}/notes.txt`, { method: 'DELETE' }))
          .status,
      ).toBe(200);
      expect((await t.app.request(`/api/2.0/mlflow-artifacts/artifacts/${root}/notes.txt`)).status).toBe(404);
    });

    it.each([
      '..%2f..%2f..%2fetc%2fpasswd',
      '%2e%2e/%2e%2e/etc/passwd',
      '%252e%252e%252fetc%252fpasswd',
      'a/..%5c..%5cetc',
      'a%00b',
      'a%23frag',
      'a%3b..%2f..%2fetc',
      '%2fetc%2fpasswd',
      'C:%5cwindows',
      'file:%2f%2f%2fetc%2fpasswd',
    ])('refuses the artifact path %s on every proxy verb (CVE classes A and C)', async (evil) => {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const res = await t.app.request(`/api/2.0/mlflow-artifacts/artifacts/${evil}`, {
          method,
          ...(method === 'PUT' ? { body: 'x' } : {}),
        });
        // 400 from the path check, or 404 where URL parsing already resolved the dots away from the proxy route.
        expect([400, 404], `${method} ${evil}`).toContain(res.status);
        const body = (await res.json()) as { error_code: string };
        expect(['INVALID_PARAMETER_VALUE', 'ENDPOINT_NOT_FOUND']).toContain(body.error_code);
        expect(JSON.stringify(body)).not.toContain('root:');
      }
      const list = await t.app.request(`/api/2.0/mlflow-artifacts/artifacts?path=${evil}`);
      expect(list.status).toBe(400);
      const { body } = await t.call('POST', `${API}/runs/create`, { experiment_id: '0' });
      const runList = await t.app.request(
        `${API}/artifacts/list?run_id=${body.run.info.run_id}&path=${evil}`,
      );
      expect(runList.status).toBe(400);
    });

    it('supports MLflow 3 logged models', async () => {
      const { body: runBody } = await t.call('POST', `${API}/runs/create`, { experiment_id: '0' });
      const runId = runBody.run.info.run_id;
      const { body } = await t.call('POST', `${API}/logged-models`, {
        experiment_id: '0',
        name: 'clf',
        source_run_id: runId,
        model_type: 'sklearn',
        params: [{ key: 'C', value: '1.0' }],
        tags: [{ key: 'k', value: 'v' }],
      });
      const model = body.model.info;
      expect(model).toMatchObject({
        name: 'clf',
        status: 'LOGGED_MODEL_PENDING',
        source_run_id: runId,
        experiment_id: '0',
      });
      expect(model.model_id).toMatch(/^m-[0-9a-f]{32}$/);
      expect(model.artifact_uri).toBe(`mlflow-artifacts:/0/models/${model.model_id}/artifacts`);
      const done = await t.call('PATCH', `${API}/logged-models/${model.model_id}`, {
        status: 'LOGGED_MODEL_READY',
      });
      expect(done.body.model.info.status).toBe('LOGGED_MODEL_READY');
      await t.call('PATCH', `${API}/logged-models/${model.model_id}/tags`, {
        tags: [{ key: 'k2', value: 'v2' }],
      });
      await t.call('POST', `${API}/logged-models/${model.model_id}/params`, {
        params: [{ key: 'penalty', value: 'l2' }],
      });
      await t.call('POST', `${API}/runs/outputs`, {
        run_id: runId,
        models: [{ model_id: model.model_id, step: 0 }],
      });
      const got = await t.call('GET', `${API}/logged-models/${model.model_id}`);
      expect(got.body.model.info.tags).toEqual([
        { key: 'k', value: 'v' },
        { key: 'k2', value: 'v2' },
      ]);
      expect(got.body.model.data.params).toHaveLength(2);
      const search = await t.call('POST', `${API}/logged-models/search`, {
        experiment_ids: ['0'],
        filter: "name = 'clf'",
      });
      expect(search.body.models).toHaveLength(1);
      const run = await t.call('GET', `${API}/runs/get?run_id=${runId}`);
      expect(run.body.run.outputs.model_outputs).toEqual([{ model_id: model.model_id, step: 0 }]);
      expect((await t.call('DELETE', `${API}/logged-models/${model.model_id}/tags/k2`)).status).toBe(200);
      expect((await t.call('DELETE', `${API}/logged-models/${model.model_id}`)).status).toBe(200);
      expect((await t.call('GET', `${API}/logged-models/${model.model_id}`)).status).toBe(404);
      expect((await t.call('GET', `${API}/logged-models/not-an-id`)).status).toBe(400);
    });

    it('accepts the legacy GET-with-JSON-body and repeated query keys', async () => {
      const res = await t.app.request(`${API}/experiments/get`, { method: 'GET' });
      expect(res.status).toBe(400);
      const search = await t.call(
        'GET',
        `${API}/metrics/get-history-bulk-interval?run_ids=a&run_ids=b&metric_key=m`,
      );
      expect(search.status).toBe(404);
    });
  });
}

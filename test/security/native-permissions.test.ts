import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeParams } from '../../src/server/access-policy.js';
import { request, type SecureApp, startSecureApp } from '../support/secure-app.js';

describe('path parameters in access rules', () => {
  it('are read from the answering route’s pattern, decoded, with regex parameters spanning slashes', () => {
    expect(routeParams('/api/v1/registered-models/:name', '/api/v1/registered-models/a%20b')).toEqual({
      name: 'a b',
    });
    expect(routeParams('/api/v1/runs/:id/metrics/:key{.+}', '/api/v1/runs/r1/metrics/a/b.c')).toEqual({
      id: 'r1',
      key: 'a/b.c',
    });
    expect(routeParams('/api/v1/experiments/:id', '/api/v1/runs/1')).toEqual({});
  });
});

describe('a NO_PERMISSIONS grant on the native API', () => {
  let s: SecureApp;
  let experimentId: string;
  let runId: string;
  beforeAll(async () => {
    s = await startSecureApp();
    const admin = s.tokens.admin;
    experimentId = (
      await request(s.app, 'POST', '/api/2.0/mlflow/experiments/create', {
        token: admin,
        body: { name: 'hidden' },
      })
    ).body.experiment_id;
    runId = (
      await request(s.app, 'POST', '/api/2.0/mlflow/runs/create', {
        token: admin,
        body: { experiment_id: experimentId },
      })
    ).body.run.info.run_id;
    await request(s.app, 'POST', '/api/2.0/mlflow/registered-models/create', {
      token: admin,
      body: { name: 'm' },
    });
    await request(s.app, 'POST', '/api/2.0/mlflow/model-versions/create', {
      token: admin,
      body: { name: 'm', source: `runs:/${runId}/model`, run_id: runId },
    });
    for (const [resourceType, resourceId] of [
      ['experiment', experimentId],
      ['registered_model', 'm'],
    ] as const)
      await s.services.permissions.grant({
        resourceType,
        resourceId,
        user: 'vi',
        permission: 'NO_PERMISSIONS',
      });
  });
  afterAll(async () => s?.close());

  it('is enforced on routes that name the resource in the path, as on the MLflow API', async () => {
    const paths = [
      `/api/v1/experiments/${experimentId}`,
      `/api/v1/runs/${runId}`,
      '/api/v1/registered-models/m',
      '/api/v1/registered-models/m/versions',
      '/api/v1/registered-models/m/versions/1',
      '/api/v1/lineage/model-versions/m/1',
    ];
    for (const path of paths) {
      const viewer = await request(s.app, 'GET', path, { token: s.tokens.viewer });
      expect([path, viewer.status]).toEqual([path, 403]);
      const editor = await request(s.app, 'GET', path, { token: s.tokens.editor });
      expect([path, editor.status]).toEqual([path, 200]);
    }
    const mlflow = await request(s.app, 'GET', '/api/2.0/mlflow/registered-models/get?name=m', {
      token: s.tokens.viewer,
    });
    expect(mlflow.status).toBe(403);
  });

  it('hides pipeline runs of an experiment the caller may not read, in the list and by id', async () => {
    await s.services.runs.setTag(runId, 'mloop.pipeline.run', 'true');
    const byId = `/api/v1/pipeline-runs/${runId}`;
    expect((await request(s.app, 'GET', byId, { token: s.tokens.viewer })).status).toBe(403);
    expect((await request(s.app, 'GET', byId, { token: s.tokens.editor })).status).toBe(200);
    const listed = (token: string) =>
      request(s.app, 'GET', '/api/v1/pipeline-runs', { token }).then((r) =>
        r.body.items.map((i: { runId: string }) => i.runId),
      );
    expect(await listed(s.tokens.viewer)).toEqual([]);
    expect(await listed(s.tokens.editor)).toEqual([runId]);
  });
});

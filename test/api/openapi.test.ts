import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, type HttpVerb, OPENAPI, type OperationObject } from '../../src/server/openapi.js';
import type { SchemaObject } from '../../src/server/openapi-schemas.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { schemaErrors } from '../support/json-schema.js';
import { STORE_BACKENDS } from '../support/stores.js';

const sqlite = STORE_BACKENDS.find((b) => b.name === 'sqlite')!;

/** `/runs/:id/metrics/:key{.+}` → `/runs/{id}/metrics/{key}`. */
const openApiPath = (honoPath: string) => honoPath.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}');

function operations(): { key: string; op: OperationObject }[] {
  return Object.entries(OPENAPI.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([verb, op]) => ({ key: `${verb.toUpperCase()} ${path}`, op: op! })),
  );
}

describe('OpenAPI document of /api/v1', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(sqlite);
  });
  afterAll(async () => t?.close());

  it('documents every route registered under /api/v1, and nothing else', () => {
    const registered = new Set(
      t.app.routes
        .filter((r) => r.path.startsWith(`${API_PREFIX}/`) && r.method !== 'ALL')
        .map((r) => `${r.method} ${openApiPath(r.path.slice(API_PREFIX.length))}`),
    );
    const documented = new Set(operations().map((o) => o.key));
    expect([...registered].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((d) => !registered.has(d))).toEqual([]);
    expect(registered.size).toBeGreaterThanOrEqual(18);
  });

  it('is self-consistent: unique operation ids, resolvable $refs, declared path parameters', () => {
    const ids = operations().map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const refs = JSON.stringify(OPENAPI).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const ref of refs) expect(OPENAPI.components.schemas).toHaveProperty(ref.split('/').pop()!);
    for (const [path, item] of Object.entries(OPENAPI.paths)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const op of Object.values(item)) {
        const declared = (op!.parameters ?? [])
          .filter((p) => p.in === 'path')
          .map((p) => p.name)
          .sort();
        expect({ path, declared }).toEqual({ path, declared: inPath });
      }
    }
  });

  it('is served at /api/v1/openapi.json', async () => {
    const res = await t.call('GET', `${API_PREFIX}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(OPENAPI)));
    expect(res.body.openapi).toBe('3.1.0');
  });

  it('describes what every operation really answers, success and error alike', async () => {
    const seen = new Set<string>();
    const schemas = OPENAPI.components.schemas as Record<string, SchemaObject>;
    /** Calls a documented operation and checks the answer against its documented response. */
    const call = async (
      verb: HttpVerb,
      path: string,
      url: string,
      body?: unknown,
      headers?: Record<string, string>,
    ) => {
      const op = OPENAPI.paths[path]?.[verb];
      if (!op) throw new Error(`not documented: ${verb} ${path}`);
      const res = await t.call(verb.toUpperCase(), `${API_PREFIX}${url}`, body, headers);
      const documented = op.responses[String(res.status)];
      expect(documented, `${verb} ${url} answered ${res.status}, which is not documented`).toBeDefined();
      const schema = documented?.content?.['application/json']?.schema;
      if (schema) expect(schemaErrors(res.body, schema, schemas), `${verb} ${url}`).toEqual([]);
      else if (documented?.content?.['application/octet-stream']) expect(typeof res.body).toBe('string');
      else expect(res.body).toBe('');
      if (res.status < 300) seen.add(`${verb} ${path}`);
      return res.body;
    };

    await call('get', '/openapi.json', '/openapi.json');
    const exp = await call('post', '/experiments', '/experiments', {
      name: 'doc',
      tags: [{ key: 'a', value: 'b' }],
    });
    await call('get', '/experiments', '/experiments?maxResults=1');
    await call('get', '/experiments/{id}', `/experiments/${exp.experimentId}`);
    await call('get', '/experiments/by-name/{name}', '/experiments/by-name/doc');
    await call('patch', '/experiments/{id}', `/experiments/${exp.experimentId}`, { name: 'doc2' });
    await call('delete', '/experiments/{id}', `/experiments/${exp.experimentId}`);
    await call('post', '/experiments/{id}/restore', `/experiments/${exp.experimentId}/restore`);

    const run = await call('post', '/runs', '/runs', { experimentId: exp.experimentId, startTime: 5 });
    const id = run.info.runId;
    await call('post', '/runs/{id}/batch', `/runs/${id}/batch`, {
      metrics: [
        { key: 'loss', value: 0.5, timestamp: 1, step: 0 },
        { key: 'loss', value: 'NaN', timestamp: 2, step: 1 },
      ],
      params: [{ key: 'p', value: '1' }],
      tags: [{ key: 't', value: 'v' }],
    });
    await call('post', '/runs/{id}/inputs', `/runs/${id}/inputs`, {
      datasets: [
        { tags: [], dataset: { name: 'd', digest: 'x', sourceType: 'local', source: 's', schema: '{}' } },
      ],
      models: [{ modelId: 'm-1' }],
    });
    await call('patch', '/runs/{id}', `/runs/${id}`, { status: 'FINISHED', endTime: 9 });
    await call('get', '/runs/{id}', `/runs/${id}`);
    await call('post', '/runs/search', '/runs/search', { experimentIds: [exp.experimentId], maxResults: 1 });
    await call('get', '/runs/{id}/metrics/{key}', `/runs/${id}/metrics/loss?maxResults=1`);
    await t.services.artifacts.put(
      `${run.info.artifactUri.slice('mlflow-artifacts:/'.length)}/a/b.txt`,
      Buffer.from('x'),
    );
    await call('get', '/runs/{id}/artifacts', `/runs/${id}/artifacts`);
    await call('delete', '/runs/{id}', `/runs/${id}`);
    await call('post', '/runs/{id}/restore', `/runs/${id}/restore`);

    const model = await call('post', '/registered-models', '/registered-models', {
      name: 'doc-model',
      tags: [{ key: 'k', value: 'v' }],
    });
    await call('get', '/registered-models', '/registered-models?maxResults=1');
    const version = await call(
      'post',
      '/registered-models/{name}/versions',
      '/registered-models/doc-model/versions',
      {
        source: `runs:/${id}/a`,
        description: 'first',
      },
    );
    await call('get', '/registered-models/{name}/versions', '/registered-models/doc-model/versions');
    await call(
      'put',
      '/registered-models/{name}/aliases/{alias}',
      '/registered-models/doc-model/aliases/champion',
      {
        version: version.version,
      },
    );
    await call(
      'get',
      '/registered-models/{name}/versions/{ref}',
      '/registered-models/doc-model/versions/@champion',
    );
    await call('get', '/registered-models/{name}', `/registered-models/${model.name}`);
    await call('get', '/lineage/model-versions/{name}/{ref}', '/lineage/model-versions/doc-model/1');
    await call(
      'delete',
      '/registered-models/{name}/aliases/{alias}',
      '/registered-models/doc-model/aliases/champion',
    );
    await call(
      'get',
      '/registered-models/{name}/aliases/history',
      '/registered-models/doc-model/aliases/history',
    );
    await call('post', '/deployments', '/deployments', {
      name: 'doc-dep',
      model: 'models:/doc-model@champion',
    });
    await call(
      'put',
      '/registered-models/{name}/aliases/{alias}',
      '/registered-models/doc-model/aliases/champion',
      {
        version: version.version,
      },
    );
    const dep = await call('post', '/deployments', '/deployments', {
      name: 'doc-dep',
      model: 'models:/doc-model@champion',
      batching: { maxBatchSize: 8 },
    });
    expect(dep.status.state).toBe('not_served');
    await call('get', '/deployments', '/deployments');
    await call('get', '/deployments/{name}', '/deployments/doc-dep');
    await call('put', '/deployments/{name}/routes', '/deployments/doc-dep/routes', {
      routes: [
        { model: 'models:/doc-model/1', weight: 90 },
        { model: 'models:/doc-model@champion', weight: 10 },
      ],
      shadows: [{ model: 'models:/doc-model/latest', percent: 50 }],
    });
    await call('put', '/deployments/{name}/routes', '/deployments/doc-dep/routes', { routes: [] });
    await call('post', '/deployments/{name}/rollback', '/deployments/doc-dep/rollback');
    await call('get', '/deployments/{name}/events', '/deployments/doc-dep/events');
    await call('delete', '/deployments/{name}', '/deployments/doc-dep');
    await call('get', '/deployments/{name}', '/deployments/doc-dep');
    await call(
      'delete',
      '/registered-models/{name}/aliases/{alias}',
      '/registered-models/doc-model/aliases/champion',
    );
    await call('patch', '/registered-models/{name}', '/registered-models/doc-model', {
      name: 'doc-model-2',
      description: 'd',
    });
    await call('delete', '/registered-models/{name}', '/registered-models/doc-model-2');
    await call('get', '/registered-models/{name}', '/registered-models/doc-model-2');
    await call('put', '/registered-models/{name}/aliases/{alias}', '/registered-models/nope/aliases/latest', {
      version: '1',
    });

    await call('get', '/whoami', '/whoami');
    await call('post', '/users', '/users', {
      name: 'ada',
      role: 'editor',
      password: 'correct horse battery',
    });
    await call('get', '/users', '/users');
    await call('patch', '/users/{name}', '/users/ada', { role: 'viewer' });
    const token = await call('post', '/tokens', '/tokens', { name: 'ci', user: 'ada', expiresInDays: 7 });
    await call('get', '/tokens', '/tokens?user=ada');
    await call('delete', '/tokens/{id}', `/tokens/${token.id}`);
    await call('put', '/permissions', '/permissions', {
      resourceType: 'experiment',
      resourceId: '0',
      user: 'ada',
      permission: 'READ',
    });
    await call('get', '/permissions', '/permissions?resourceType=experiment&resourceId=0');
    await call('delete', '/permissions', '/permissions?resourceType=experiment&resourceId=0&user=ada');
    await call('get', '/audit', '/audit?limit=5');
    await call('post', '/session', '/session', { user: 'ada', password: 'correct horse battery' });
    await call('delete', '/session', '/session');
    await call('delete', '/users/{name}', '/users/ada');
    await call('post', '/session', '/session', { user: 'ada', password: 'nope' });

    // Datasets: content first, then the version that names it.
    const content = 'a,b\n1,2\n';
    const hash = createHash('sha256').update(content).digest('hex');
    await call('post', '/dataset-content/missing', '/dataset-content/missing', { hashes: [hash] });
    const octet = { 'content-type': 'application/octet-stream' };
    await call('put', '/dataset-content/{hash}', `/dataset-content/${hash}`, content, octet);
    await call('put', '/dataset-content/{hash}', `/dataset-content/${hash}`, content, octet);
    await call('put', '/dataset-content/{hash}', `/dataset-content/${'0'.repeat(64)}`, content, octet);
    await call('get', '/dataset-content/{hash}', `/dataset-content/${hash}`);
    const record = {
      hash,
      kind: 'file',
      size: content.length,
      files: 1,
      rows: 1,
      format: 'csv',
      sourcePath: 'd.csv',
    };
    await call('post', '/datasets/{name}/versions', '/datasets/d/versions', record);
    await call('post', '/datasets/{name}/versions', '/datasets/d/versions', record);
    await call('get', '/datasets', '/datasets');
    await call('get', '/datasets/{name}/versions', '/datasets/d/versions');
    await call('get', '/datasets/{name}/versions/{ref}', `/datasets/d/versions/${hash.slice(0, 8)}`);
    await call('get', '/datasets/{name}/versions/{ref}', '/datasets/d/versions/9');
    await call('get', '/datasets/{name}/versions/{ref}/validation', '/datasets/d/versions/1/validation');
    await call('get', '/datasets/{name}/versions/{ref}/validation', '/datasets/d/versions/9/validation');

    // Continuous training: this app runs no controller, so runs stay where the calls below move them.
    await call('post', '/registered-models', '/registered-models', { name: 'loop-model' });
    const loopPolicy = {
      model: 'loop-model',
      train: { command: 'true' },
      gate: { bounds: ['accuracy>=0.5'] },
    };
    await call('put', '/loops/{model}', '/loops/loop-model', { policy: loopPolicy, workdir: '/tmp' });
    await call('put', '/loops/{model}', '/loops/loop-model', {
      policy: { model: 'loop-model' },
      workdir: '/tmp',
    });
    await call('get', '/loops', '/loops');
    await call('get', '/loops/{model}', '/loops/loop-model');
    await call('get', '/loops/{model}', '/loops/no-such-model');
    const first = await call('post', '/loops/{model}/runs', '/loops/loop-model/runs', { reason: 'doc' });
    const second = await call('post', '/loops/{model}/runs', '/loops/loop-model/runs', {});
    await call('get', '/loops/{model}/runs', '/loops/loop-model/runs');
    await call('get', '/loops/{model}/events', '/loops/loop-model/events');
    await call('get', '/loop-runs/{id}', `/loop-runs/${first.run.id}`);
    await call('get', '/loop-runs/{id}', `/loop-runs/${'0'.repeat(32)}`);
    await call('post', '/loop-runs/{id}/approve', `/loop-runs/${first.run.id}/approve`);
    const move = (id: string, from: string, to: string) =>
      t.services.loops.transition(id, from as never, to as never, { kind: 'doc', message: 'doc' });
    await move(first.run.id, 'pending', 'awaiting_approval');
    await call('post', '/loop-runs/{id}/approve', `/loop-runs/${first.run.id}/approve`);
    await call('post', '/loop-runs/{id}/reject', `/loop-runs/${first.run.id}/reject`, { reason: 'late' });
    await move(first.run.id, 'promoting', 'succeeded');
    await t.services.loops.startQueued('loop-model');
    await move(second.run.id, 'pending', 'canary');
    await call('post', '/loop-runs/{id}/reject', `/loop-runs/${second.run.id}/reject`, { reason: 'doc' });
    await call('delete', '/loops/{model}', '/loops/loop-model');
    await move(second.run.id, 'rolling_back', 'rolled_back');
    await call('delete', '/loops/{model}', '/loops/loop-model');
    // Monitoring: config, a prediction through the ingest path, its feedback, windows, report, alerts.
    await call('get', '/deployments/{name}/monitoring', '/deployments/doc-mon/monitoring');
    await call('patch', '/deployments/{name}/monitoring', '/deployments/doc-mon/monitoring', {
      windowMs: 1000,
      alerts: [{ name: 'errors', kind: 'error_rate', above: 0.1 }],
    });
    await call('patch', '/deployments/{name}/monitoring', '/deployments/doc-mon/monitoring', { windowMs: 1 });
    await call('patch', '/deployments/{name}/monitoring', '/deployments/doc-mon/monitoring', {
      referenceDataset: 'nope@1',
    });
    const ingest = t.services.monitoring.ingest;
    ingest.onPrediction({
      predictionId: 'doc-prediction',
      deployment: 'doc-mon',
      model: 'doc-model',
      modelVersion: '1',
      shadow: false,
      timestamp: Date.now(),
      latencyMs: 1,
      inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], data: new Float32Array([1]) }],
      outputs: [{ name: 'variable', datatype: 'FP32', shape: [1, 1], data: new Float32Array([2]) }],
    });
    await ingest.drainAndFlush();
    await call('post', '/feedback', '/feedback', { predictionId: 'doc-prediction', value: 2.5 });
    await call('post', '/feedback', '/feedback', { predictionId: 'doc-prediction', value: 2.5 });
    await call('post', '/feedback', '/feedback', { items: [{ predictionId: 'unknown', label: 'a' }] });
    await call('post', '/feedback', '/feedback', { predictionId: 'x', label: { a: 1 } });
    await call(
      'get',
      '/deployments/{name}/monitoring/windows',
      '/deployments/doc-mon/monitoring/windows?profiles=true',
    );
    await call(
      'get',
      '/deployments/{name}/monitoring/windows',
      '/deployments/doc-mon/monitoring/windows?from=yesterday',
    );
    await call('get', '/deployments/{name}/monitoring/report', '/deployments/doc-mon/monitoring/report');
    await call('get', '/alerts', '/alerts?deployment=doc-mon');
    await call('get', '/alerts', '/alerts?maxResults=0');
    await call('delete', '/deployments/{name}/monitoring', '/deployments/doc-mon/monitoring');

    // Pipeline runs: a parent as `mloop repro` tags it and one stage execution (no record: rebuilt from it).
    const pipe = await t.services.runs.create({ tags: [{ key: 'mloop.pipeline.run', value: 'true' }] });
    const stage = await t.services.runs.create({
      tags: [
        { key: 'mlflow.parentRunId', value: pipe.info.runId },
        { key: 'mloop.pipeline.stage', value: 'train' },
        { key: 'mloop.pipeline.attempt', value: '1' },
      ],
    });
    await t.services.runs.setTag(stage.info.runId, 'mloop.pipeline.how', 'ran');
    await call('get', '/pipeline-runs', '/pipeline-runs');
    await call('get', '/pipeline-runs', '/pipeline-runs?status=NOPE');
    await call('get', '/pipeline-runs/{id}', `/pipeline-runs/${pipe.info.runId}`);
    await call('get', '/pipeline-runs/{id}', `/pipeline-runs/${stage.info.runId}`);

    // Errors are documented too.
    await call('get', '/runs/{id}', `/runs/${'f'.repeat(32)}`);
    await call('get', '/experiments/{id}', '/experiments/x');
    await call('post', '/runs/search', '/runs/search', { experimentIds: [] });

    expect(
      operations()
        .map((o) => o.key.replace(/^(\w+)/, (v) => v.toLowerCase()))
        .filter((k) => !seen.has(k)),
    ).toEqual([]);
  });
});

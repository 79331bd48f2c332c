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
    const call = async (verb: HttpVerb, path: string, url: string, body?: unknown) => {
      const op = OPENAPI.paths[path]?.[verb];
      if (!op) throw new Error(`not documented: ${verb} ${path}`);
      const res = await t.call(verb.toUpperCase(), `${API_PREFIX}${url}`, body);
      const documented = op.responses[String(res.status)];
      expect(documented, `${verb} ${url} answered ${res.status}, which is not documented`).toBeDefined();
      const schema = documented?.content?.['application/json'].schema;
      if (schema) expect(schemaErrors(res.body, schema, schemas), `${verb} ${url}`).toEqual([]);
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

    await t.services.registry.createModel({ name: 'doc-model' });
    await t.services.registry.createVersion({
      name: 'doc-model',
      source: `runs:/${id}/model`,
      runId: id,
    });
    await t.services.registry.setAlias('doc-model', 'champion', '1');
    await call(
      'get',
      '/registered-models/{name}/aliases/history',
      '/registered-models/doc-model/aliases/history?alias=champion',
    );
    await call(
      'get',
      '/lineage/model-versions/{name}/{version}',
      '/lineage/model-versions/doc-model/@champion',
    );
    await call('get', '/lineage/model-versions/{name}/{version}', '/lineage/model-versions/doc-model/9');
    await call('get', '/registered-models/{name}/aliases/history', '/registered-models/nope/aliases/history');

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

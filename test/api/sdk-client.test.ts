import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MloopClient } from '../../src/sdk/client.js';
import { MloopApiError, MloopConnectionError } from '../../src/sdk/errors.js';
import { openLocalClient } from '../../src/sdk/local.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { makeRepo } from '../support/git-repo.js';
import { closedPort } from '../support/net.js';
import { STORE_BACKENDS } from '../support/stores.js';

const sqlite = STORE_BACKENDS.find((b) => b.name === 'sqlite')!;

describe('MloopClient against the in-process app', () => {
  let t: TestApp;
  let client: MloopClient;
  const seen: Headers[] = [];
  beforeAll(async () => {
    t = await startTestApp(sqlite);
    client = new MloopClient({
      baseUrl: 'http://localhost/',
      headers: { 'x-team': 'growth' },
      git: false,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        seen.push(request.headers);
        return t.app.fetch(request);
      },
    });
  });
  afterAll(async () => t?.close());

  it('manages experiments', async () => {
    const created = await client.createExperiment({ name: 'sdk', tags: [{ key: 'a', value: '1' }] });
    expect(created).toMatchObject({
      name: 'sdk',
      lifecycleStage: 'active',
      tags: [{ key: 'a', value: '1' }],
    });
    expect(await client.getExperiment(created.experimentId)).toEqual(created);
    expect((await client.getExperimentByName('sdk')).experimentId).toBe(created.experimentId);
    expect((await client.renameExperiment(created.experimentId, 'sdk 2')).name).toBe('sdk 2');
    expect((await client.getExperimentByName('sdk 2')).experimentId).toBe(created.experimentId);
    const first = await client.listExperiments({ maxResults: 1, orderBy: ['name ASC'] });
    expect(first.items.map((e) => e.name)).toEqual(['Default']);
    const next = await client.listExperiments({
      maxResults: 1,
      orderBy: ['name ASC'],
      pageToken: first.nextPageToken!,
    });
    expect(next.items.map((e) => e.name)).toEqual(['sdk 2']);
    await client.deleteExperiment(created.experimentId);
    expect((await client.listExperiments({ viewType: 'DELETED_ONLY' })).items).toHaveLength(1);
    expect((await client.restoreExperiment(created.experimentId)).lifecycleStage).toBe('active');
    expect(seen.at(-1)?.get('x-team')).toBe('growth');
  });

  it('logs runs and reads them back, NaN and infinities included', async () => {
    const exp = await client.createExperiment({ name: 'sdk-runs' });
    const run = await client.createRun({ experimentId: exp.experimentId, runName: 'r1' });
    const id = run.info.runId;
    expect(run.info).toMatchObject({ runName: 'r1', status: 'RUNNING', experimentId: exp.experimentId });
    const before = Date.now();
    await client.logBatch(id, {
      metrics: [
        { key: 'train/loss', value: 0.5, step: 0 },
        { key: 'train/loss', value: 0.25, step: 1 },
      ],
    });
    await client.logMetric(id, 'odd', Number.NaN);
    await client.logMetric(id, 'low', Number.NEGATIVE_INFINITY, 3);
    await client.logParams(id, { lr: 0.1, deep: true });
    await client.setTags(id, { owner: 'ana' });
    const got = await client.getRun(id);
    const metrics = Object.fromEntries(got.data.metrics.map((m) => [m.key, m]));
    expect(metrics['train/loss']).toMatchObject({ value: 0.25, step: 1 });
    expect(metrics['train/loss']!.timestamp).toBeGreaterThanOrEqual(before);
    expect(metrics.odd!.value).toBeNaN();
    expect(metrics.low).toMatchObject({ value: -Number.MAX_VALUE, step: 3 });
    expect(got.data.params).toEqual([
      { key: 'deep', value: 'true' },
      { key: 'lr', value: '0.1' },
    ]);
    expect(got.data.tags).toContainEqual({ key: 'owner', value: 'ana' });

    const history = await client.getMetricHistory(id, 'train/loss', { maxResults: 1 });
    expect(history.items.map((m) => m.value)).toEqual([0.5]);
    const rest = await client.getMetricHistory(id, 'train/loss', {
      maxResults: 1,
      pageToken: history.nextPageToken!,
    });
    expect(rest.items.map((m) => m.value)).toEqual([0.25]);
    const nan = await client.getMetricHistory(id, 'odd');
    expect(nan.items[0]!.value).toBeNaN();

    const finished = await client.finishRun(id);
    expect(finished.status).toBe('FINISHED');
    expect(finished.endTime).toBeGreaterThanOrEqual(before);
    expect((await client.updateRun(id, { runName: 'r1b' })).runName).toBe('r1b');

    await client.logInputs(id, {
      datasets: [{ dataset: { name: 'd', digest: 'abc', sourceType: 'local', source: 'x.csv' } }],
    });
    expect((await client.getRun(id)).inputs.datasetInputs[0]?.dataset.name).toBe('d');

    const second = await client.createRun({ experimentId: exp.experimentId });
    await client.logMetric(second.info.runId, 'train/loss', 0.1);
    const search = await client.searchRuns({
      experimentIds: [exp.experimentId],
      orderBy: ['metrics.`train/loss` ASC'],
      maxResults: 1,
    });
    expect(search.items.map((r) => r.info.runId)).toEqual([second.info.runId]);
    const page2 = await client.searchRuns({
      experimentIds: [exp.experimentId],
      orderBy: ['metrics.`train/loss` ASC'],
      pageToken: search.nextPageToken!,
    });
    expect(page2.items.map((r) => r.info.runId)).toEqual([id]);
    expect(page2.items[0]!.data.metrics.find((m) => m.key === 'odd')!.value).toBeNaN();

    await client.deleteRun(second.info.runId);
    expect((await client.restoreRun(second.info.runId)).lifecycleStage).toBe('active');

    await t.services.artifacts.put(
      `${run.info.artifactUri.slice('mlflow-artifacts:/'.length)}/model.onnx`,
      Buffer.from('abc'),
    );
    expect(await client.listArtifacts(id)).toEqual({
      rootUri: run.info.artifactUri,
      files: [{ path: 'model.onnx', isDir: false, size: 3 }],
    });
    expect((await client.openApi()).openapi).toBe('3.1.0');
  });

  it('throws MloopApiError with the status, code and message of the answer', async () => {
    const missing = await client.getRun('f'.repeat(32)).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(MloopApiError);
    expect(missing).toMatchObject({
      status: 404,
      code: 'RESOURCE_DOES_NOT_EXIST',
      message: `Run with id=${'f'.repeat(32)} not found`,
    });
    const invalid = await client.createExperiment({ name: '' }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({
      status: 400,
      code: 'INVALID_PARAMETER_VALUE',
      message: "Missing value for required parameter 'name'.",
    });
  });
});

describe('MloopClient transport errors', () => {
  it('throws MloopConnectionError naming the URL when nothing listens', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const err = await new MloopClient({ baseUrl: url }).listExperiments().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MloopConnectionError);
    expect(err).toMatchObject({ url, reason: 'ECONNREFUSED' });
    expect((err as Error).message).toBe(`Cannot reach the mloop server at ${url} (ECONNREFUSED).`);
  });

  it('says so when the server is not an mloop server', async () => {
    const html = (status: number) =>
      new MloopClient({
        baseUrl: 'http://elsewhere.test',
        fetch: async () =>
          new Response('<html>hello</html>', { status, statusText: status === 404 ? 'Not Found' : 'OK' }),
      });
    await expect(html(404).listExperiments()).rejects.toMatchObject({
      status: 404,
      code: 'HTTP_404',
      message: expect.stringMatching(
        /answered HTTP 404 Not Found .*is http:\/\/elsewhere\.test an mloop server\?/,
      ),
    });
    await expect(html(200).listExperiments()).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
  });
});

describe('MloopClient.createRun records the git context', () => {
  let t: TestApp;
  let client: MloopClient;
  beforeAll(async () => {
    t = await startTestApp(sqlite);
    client = new MloopClient({
      baseUrl: 'http://localhost',
      fetch: async (i, init) => t.app.fetch(new Request(i, init)),
    });
  });
  afterAll(async () => t?.close());

  const tagsOf = (run: { data: { tags: { key: string; value: string }[] } }) =>
    Object.fromEntries(run.data.tags.map((x) => [x.key, x.value]));

  it('tags commit, dirty flag, branch and source inside a repository', async () => {
    const { dir, commit } = makeRepo({ remote: 'git@github.com:team/churn.git' });
    const tags = tagsOf(await client.createRun({}, { cwd: dir }));
    expect(tags).toMatchObject({
      'mlflow.source.git.commit': commit,
      'mloop.source.git.dirty': 'false',
      'mlflow.source.git.branch': 'main',
      'mlflow.source.git.repoURL': 'git@github.com:team/churn.git',
    });
    expect(tags['mlflow.source.name']).toBeDefined();
  });

  it('lets given tags win, and can be turned off per call or per client', async () => {
    const { dir } = makeRepo();
    const mine = tagsOf(
      await client.createRun({ tags: [{ key: 'mlflow.source.git.commit', value: 'pinned' }] }, { cwd: dir }),
    );
    expect(mine['mlflow.source.git.commit']).toBe('pinned');
    expect(mine['mloop.source.git.dirty']).toBe('false');
    const off = tagsOf(await client.createRun({}, { cwd: dir, git: false }));
    expect(off['mlflow.source.git.commit']).toBeUndefined();
    const outside = tagsOf(await client.createRun({}, { cwd: mkdtempSync(join(tmpdir(), 'mloop-nogit-')) }));
    expect(outside['mlflow.source.git.commit']).toBeUndefined();
  });
});

describe('openLocalClient', () => {
  it('works on a home directory with no server, through the same app', async () => {
    const home = join(mkdtempSync(join(tmpdir(), 'mloop-local-')), 'home');
    await expect(openLocalClient({ home, create: false })).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
      message: expect.stringContaining(home),
    });
    const first = await openLocalClient({ home, git: false });
    const exp = await first.createExperiment({ name: 'local' });
    const run = await first.createRun({ experimentId: exp.experimentId });
    await first.logMetric(run.info.runId, 'acc', 0.9);
    await first.close();

    const again = await openLocalClient({ home, create: false });
    expect((await again.listExperiments()).items.map((e) => e.name).sort()).toEqual(['Default', 'local']);
    expect((await again.getRun(run.info.runId)).data.metrics[0]).toMatchObject({ key: 'acc', value: 0.9 });
    await expect(again.getRun('0'.repeat(32))).rejects.toBeInstanceOf(MloopApiError);
    await again.close();
  });
});

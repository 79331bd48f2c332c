import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';

// The npm `mlflow` package (2.0.7) is CommonJS and logs every request body; silence that during the test.
const require = createRequire(import.meta.url);
const MLflow = require('mlflow') as new (args: { endpoint: string }) => any;

describe('the npm mlflow client (2.0.7)', () => {
  let server: ServerProcess;
  let client: any;
  beforeAll(async () => {
    server = await startServerProcess();
    client = new MLflow({ endpoint: server.url });
    vi.spyOn(console, 'log').mockImplementation(() => {});
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await server?.stop();
  });

  it('drives experiments, runs, metrics, params, tags, search and artifacts', async () => {
    const { experiment_id } = await client.Experiments.create({ name: 'npm-client' });
    expect((await client.Experiments.get({ experiment_id })).experiment.name).toBe('npm-client');
    await client.Experiments.update({ experiment_id, new_name: 'npm-client-2' });
    const listed = await client.Experiments.list({ view_type: 'ACTIVE_ONLY' });
    expect(listed.experiments.map((e: { name: string }) => e.name)).toContain('npm-client-2');

    const { run } = await client.Runs.create({
      experiment_id,
      user_id: 'node',
      start_time: 1700000000000,
      tags: [{ key: 'k', value: 'v' }],
    });
    const run_id = run.info.run_id as string;
    expect(run.info.user_id).toBe('node');
    await client.Runs.logMetric({ run_id, key: 'loss', value: 0.5, timestamp: 1, step: 0 });
    await client.Runs.logMetric({ run_id, key: 'loss', value: 0.25, timestamp: 2, step: 1 });
    await client.Runs.logParameter({ run_id, key: 'lr', value: '0.1' });
    await client.Runs.setTag({ run_id, key: 'phase', value: 'train' });
    await client.Runs.deleteTag({ run_id, key: 'k' });
    await client.Runs.logBatch({
      run_id,
      metrics: [{ key: 'acc', value: 0.9, timestamp: 3, step: 1 }],
      params: [{ key: 'depth', value: '4' }],
      tags: [{ key: 'batch', value: 'yes' }],
    });
    const got = (await client.Runs.get({ run_id })).run;
    expect(got.data.params).toEqual([
      { key: 'depth', value: '4' },
      { key: 'lr', value: '0.1' },
    ]);
    expect(got.data.tags.map((t: { key: string }) => t.key)).not.toContain('k');
    expect(got.data.metrics).toContainEqual({ key: 'loss', value: 0.25, timestamp: 2, step: 1 });

    const history = await client.Metrics.getHistory({ run_id, metric_key: 'loss' });
    expect(history.metrics.map((m: { value: number }) => m.value)).toEqual([0.5, 0.25]);

    const found = await client.Runs.search({
      experiment_ids: [experiment_id],
      filter: "params.lr = '0.1'",
      run_view_type: 'ACTIVE_ONLY',
      max_results: 10,
      order_by: ['metrics.acc DESC'],
    });
    expect(found.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([run_id]);

    await client.Runs.update({ run_id, status: 'FINISHED', end_time: 1700000001000 });
    expect((await client.Runs.get({ run_id })).run.info.status).toBe('FINISHED');
    expect(await client.Artifacts.list({ run_id, path: '' })).toMatchObject({
      root_uri: expect.stringContaining(run_id),
    });

    await client.Runs.delete({ run_id });
    await client.Runs.restore({ run_id });
    await client.Experiments.delete({ experiment_id });
    await client.Experiments.restore({ experiment_id });
  });

  it('surfaces MLflow error bodies to the client', async () => {
    await expect(client.Runs.get({ run_id: '0123456789abcdef0123456789abcdef' })).rejects.toThrow(
      /RESOURCE_DOES_NOT_EXIST/,
    );
  });
});

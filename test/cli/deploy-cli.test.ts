import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { packageFiles } from '../../src/registry/model-package.js';
import { BIN, postJson, type ServerProcess, startServerProcess } from '../support/server-process.js';
import { buildOnnx, featureColumns, waitFor } from '../support/serving.js';

const exec = promisify(execFile);

async function mloop(
  server: ServerProcess,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
      env: { ...process.env, NO_COLOR: '1', MLOOP_TRACKING_URI: server.url },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Logs a run over the MLflow API, uploads a model package through the artifact proxy, registers it. */
async function register(server: ServerProcess, name: string, onnx: Uint8Array): Promise<void> {
  const { body } = await postJson(`${server.url}/api/2.0/mlflow/runs/create`, { experiment_id: '0' });
  const runId = body.run.info.run_id;
  const files = packageFiles({ onnxModel: onnx, signature: featureColumns(4) });
  for (const [path, bytes] of files)
    await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/model/${path}`, {
      method: 'PUT',
      body: bytes,
    });
  expect((await mloop(server, 'models', 'register', runId, '--name', name)).code).toBe(0);
}

const infer = async (server: ServerProcess, name: string) => {
  const res = await fetch(`${server.url}/v2/models/${name}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'X', shape: [1, 4], datatype: 'FP32', data: [0, 0, 0, 0] }] }),
  });
  return { status: res.status, body: (await res.json()) as any };
};

describe('mloop deploy', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ env: { MLOOP_SERVING_POLL_MS: '100' } });
    const py = inject('pythonBin');
    for (const offset of [1, 2])
      await register(server, 'fd', await buildOnnx(py, 'linear', { features: 4, offset }));
    expect((await mloop(server, 'models', 'alias', 'set', 'fd', 'champion', '1')).code).toBe(0);
  });
  afterAll(async () => server?.stop());

  it('creates, routes, shows, lists and rolls back a deployment the server serves', async () => {
    const created = await mloop(
      server,
      'deploy',
      'create',
      'flight',
      '--model',
      'models:/fd@champion',
      '--max-batch-size',
      '32',
      '--json',
    );
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      name: 'flight',
      model: 'fd',
      routes: [{ model: 'models:/fd@champion', weight: 100 }],
      batching: { maxBatchSize: 32, maxQueueDelayMs: 0 },
    });
    await waitFor(async () => (await infer(server, 'flight')).status === 200);
    expect((await infer(server, 'flight')).body.model_version).toBe('1');

    const routed = await mloop(
      server,
      'deploy',
      'routes',
      'flight',
      '--set',
      '1=90,2=10',
      '--shadow',
      '2=100',
    );
    expect(routed.stdout).toMatch(
      /Deployment flight routes \(revision 2\): fd\/1 90, fd\/2 10; shadow fd\/2 100%/,
    );
    await waitFor(async () => {
      const shown = JSON.parse((await mloop(server, 'deploy', 'show', 'flight', '--json')).stdout);
      return shown.status.state === 'ready' && shown.status.routes.length === 3;
    });
    const list = await mloop(server, 'deploy', 'list');
    expect(list.stdout).toMatch(/flight\s+fd\/1=90 fd\/2=10\s+fd\/2=100%\s+ready/);
    const show = await mloop(server, 'deploy', 'show', 'flight');
    expect(show.stdout).toMatch(/Endpoint\s+\/v2\/models\/flight\/infer/);
    expect(show.stdout).toMatch(/models:\/fd\/2\s+100%\s+shadow\s+2\s+ready/);
    expect(show.stdout).toMatch(/2\s+.+routes\s+fd\/1=90 fd\/2=10 shadow fd\/2=100%/);

    const rolled = await mloop(server, 'deploy', 'rollback', 'flight', '--json');
    expect(JSON.parse(rolled.stdout)).toMatchObject({
      revision: 3,
      routes: [{ model: 'models:/fd@champion', weight: 100 }],
      shadows: [],
    });
    const events = JSON.parse((await mloop(server, 'deploy', 'show', 'flight', '--json')).stdout).events;
    expect(events.map((e: { kind: string }) => e.kind)).toEqual(['created', 'routes', 'rollback']);
    expect(events[1].actor).not.toBe('anonymous');
    await waitFor(
      async () =>
        JSON.parse((await mloop(server, 'deploy', 'show', 'flight', '--json')).stdout).status.routes
          .length === 1,
    );
    expect((await infer(server, 'flight')).body.model_version).toBe('1');
  });

  it('exits non-zero with a clear message on bad input', async () => {
    const noModel = await mloop(server, 'deploy', 'create', 'x', '--model', 'models:/nope@champion');
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toMatch(/Registered model alias champion not found|nope/);
    const badUri = await mloop(server, 'deploy', 'create', 'x', '--model', 'runs:/abc/model');
    expect(badUri.stderr).toMatch(/expected models:\/<name>\/<version>, models:\/<name>@<alias>/);
    const badSet = await mloop(server, 'deploy', 'routes', 'flight', '--set', '1:90');
    expect(badSet.code).toBe(2);
    expect(badSet.stderr).toMatch(/expected VERSION=WEIGHT/);
    const missing = await mloop(server, 'deploy', 'routes', 'flight', '--set', '7=100');
    expect(missing.stderr).toMatch(/Model Version \(name=fd, version=7\) not found/);
    const unknown = await mloop(server, 'deploy', 'show', 'nope');
    expect(unknown.stderr).toMatch(/Deployment 'nope' not found/);
    const twice = await mloop(server, 'deploy', 'create', 'flight', '--model', 'models:/fd/1');
    expect(twice.stderr).toMatch(/Deployment 'flight' already exists/);
    // The previous test rolled back to the first routes; there is nothing before them.
    const none = await mloop(server, 'deploy', 'rollback', 'flight');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no earlier routes to roll back to/);
  });
});

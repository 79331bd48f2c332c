import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, postJson, type ServerProcess, startServerProcess } from '../support/server-process.js';

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

describe('mloop models', () => {
  let server: ServerProcess;
  let runId: string;
  beforeAll(async () => {
    server = await startServerProcess();
    const { body } = await postJson(`${server.url}/api/2.0/mlflow/runs/create`, {
      experiment_id: '0',
      run_name: 'train',
      tags: [{ key: 'mlflow.source.git.commit', value: 'abcdef1234567890abcdef1234567890abcdef12' }],
    });
    runId = body.run.info.run_id;
    await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/model/MLmodel`, {
      method: 'PUT',
      body: 'flavors: {}',
    });
    await postJson(`${server.url}/api/2.0/mlflow/runs/log-inputs`, {
      run_id: runId,
      datasets: [
        {
          tags: [],
          dataset: { name: 'flights', digest: '9f2c', source_type: 'local', source: 'flights.parquet' },
        },
      ],
    });
  });
  afterAll(async () => server?.stop());

  it('registers, aliases, shows, lists, records history and traces lineage', async () => {
    const registered = await mloop(server, 'models', 'register', runId, '--name', 'flight-delay', '--json');
    expect(registered.code).toBe(0);
    expect(JSON.parse(registered.stdout)).toMatchObject({ name: 'flight-delay', version: '1', runId });
    expect(
      (await mloop(server, 'models', 'register', `${runId}:model`, '--name', 'flight-delay')).stdout,
    ).toMatch(/version 2 from run/);
    expect((await mloop(server, 'models', 'alias', 'set', 'flight-delay', 'champion', '1')).stdout).toMatch(
      /new alias/,
    );
    expect((await mloop(server, 'models', 'alias', 'set', 'flight-delay', 'champion', '2')).stdout).toMatch(
      /moved from version 1 to 2/,
    );
    const history = JSON.parse(
      (await mloop(server, 'models', 'alias', 'history', 'flight-delay', '--json')).stdout,
    );
    expect(
      history.items.map((e: { fromVersion?: string; toVersion?: string }) => [e.fromVersion, e.toVersion]),
    ).toEqual([
      [undefined, '1'],
      ['1', '2'],
    ]);
    const shown = JSON.parse(
      (await mloop(server, 'models', 'show', 'flight-delay@champion', '--json')).stdout,
    );
    expect(shown).toMatchObject({ version: '2', aliases: ['champion'] });
    const listed = JSON.parse((await mloop(server, 'models', 'list', '--json')).stdout);
    expect(listed.items.map((m: { name: string }) => m.name)).toEqual(['flight-delay']);
    const lineage = await mloop(server, 'models', 'lineage', 'flight-delay@champion');
    expect(lineage.stdout).toMatch(/produced_by → run train/);
    expect(lineage.stdout).toMatch(/read → dataset flights@9f2c/);
    expect(lineage.stdout).toMatch(/at_commit → commit abcdef123456/);
    expect(lineage.stdout).toMatch(/in_experiment → experiment Default/);
  });

  it('exits non-zero with a clear message on bad input', async () => {
    const missing = await mloop(server, 'models', 'show', 'flight-delay/99');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Model Version \(name=flight-delay, version=99\) not found/);
    const reserved = await mloop(server, 'models', 'alias', 'set', 'flight-delay', 'latest', '1');
    expect(reserved.code).toBe(1);
    expect(reserved.stderr).toMatch(/reserved for version references/);
    const badRun = await mloop(server, 'models', 'register', 'not-a-run', '--name', 'x');
    expect(badRun.code).toBe(2);
    expect((await mloop(server, 'models', 'register', runId)).code).toBe(2);
  });
});

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalClient } from '../../src/sdk/local.js';
import { closedPort } from '../support/net.js';
import { BIN, REPO_ROOT, type ServerProcess, startServerProcess } from '../support/server-process.js';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (`node bin/mloop.js`) with no tracking URI or home inherited from the environment. */
function mloop(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(MLOOP_|MLFLOW_|FORCE_COLOR)/.test(k)),
  );
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: REPO_ROOT, env: { ...clean, NO_COLOR: '1', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** What a person sees, with the parts that change from run to run replaced by placeholders of the same width. */
const normalize = (text: string) =>
  text
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, 'YYYY-MM-DD hh:mm:ss')
    .replace(/\b[0-9a-f]{32}\b/g, '<run-id>'.padEnd(32, '_'));

describe('mloop CLI (built, end to end)', () => {
  const home = join(mkdtempSync(join(tmpdir(), 'mloop-cli-')), 'home');
  const runIds: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(REPO_ROOT, 'dist/cli/main.js')))
      throw new Error('dist/ is missing: run `npm run build` first.');
    const created = await mloop(['experiments', 'create', 'churn', '--home', home, '--json']);
    expect(created, created.stderr).toMatchObject({ code: 0 });
    const client = await openLocalClient({ home, git: false });
    const start = 1_700_000_000_000;
    for (const [i, lr] of ['0.1', '0.01'].entries()) {
      const run = await client.createRun({
        experimentId: '1',
        runName: `gbdt-${i}`,
        startTime: start + i * 1000,
      });
      await client.logBatch(run.info.runId, {
        params: [{ key: 'lr', value: lr }],
        metrics: [
          { key: 'rmse', value: 0.5 - i * 0.1, timestamp: start + 5000, step: 3 },
          { key: 'odd', value: Number.NaN, timestamp: start + 5000 },
        ],
        tags: [{ key: 'mlflow.source.git.commit', value: 'a'.repeat(40) }],
      });
      await client.updateRun(run.info.runId, { status: 'FINISHED', endTime: start + i * 1000 + 83_000 });
      runIds.push(run.info.runId);
    }
    await client.close();
  });

  it('has --help on every command, exiting 0', async () => {
    const top = await mloop(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/experiments/);
    expect(top.stdout).toMatch(/runs/);
    for (const command of [
      ['experiments', 'list'],
      ['experiments', 'create'],
      ['runs', 'list'],
      ['runs', 'show'],
    ]) {
      const help = await mloop([...command, '--help']);
      expect(help.code).toBe(0);
      for (const flag of ['--json', '--server <url>', '--home <dir>']) expect(help.stdout).toContain(flag);
    }
  });

  it('lists and creates experiments on a local home without a server', async () => {
    const json = await mloop(['experiments', 'list', '--home', home, '--json']);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    const page = JSON.parse(json.stdout);
    expect(page.items.map((e: { name: string }) => e.name)).toEqual(['churn', 'Default']);

    const human = await mloop(['experiments', 'list', '--home', home]);
    expect(normalize(human.stdout)).toMatchInlineSnapshot(`
      "ID  NAME     CREATED              ARTIFACT LOCATION
       1  churn    YYYY-MM-DD hh:mm:ss  mlflow-artifacts:/1
       0  Default  YYYY-MM-DD hh:mm:ss  mlflow-artifacts:/0
      "
    `);

    const created = await mloop(['experiments', 'create', 'second', '--home', home]);
    expect(created).toMatchObject({ code: 0, stdout: 'Created experiment "second" with id 2.\n' });
    const dup = await mloop(['experiments', 'create', 'second', '--home', home]);
    expect(dup).toMatchObject({
      code: 1,
      stdout: '',
      stderr: "mloop: Experiment 'second' already exists.\n",
    });
  });

  it('lists runs by experiment name or id, with filter, order and JSON', async () => {
    const byName = await mloop(['runs', 'list', '--experiment', 'churn', '--home', home, '--json']);
    expect(byName.code).toBe(0);
    const page = JSON.parse(byName.stdout);
    expect(page.items.map((r: { info: { runName: string } }) => r.info.runName)).toEqual([
      'gbdt-1',
      'gbdt-0',
    ]);
    expect(page.items[0].data.metrics.find((m: { key: string }) => m.key === 'odd').value).toBe('NaN');

    const filtered = await mloop([
      ...['runs', 'list', '--experiment', '1', '--home', home, '--json'],
      ...['--filter', "params.lr = '0.1'"],
    ]);
    expect(JSON.parse(filtered.stdout).items.map((r: { info: { runId: string } }) => r.info.runId)).toEqual([
      runIds[0],
    ]);

    const ordered = await mloop([
      ...['runs', 'list', '--experiment', 'churn', '--home', home],
      ...['--order-by', 'metrics.rmse DESC', '--order-by', 'params.lr'],
    ]);
    expect(ordered.code).toBe(0);
    expect(normalize(ordered.stdout)).toMatchInlineSnapshot(`
      "RUN ID                            NAME    STATUS    STARTED              DURATION  rmse  lr
      <run-id>________________________  gbdt-0  FINISHED  YYYY-MM-DD hh:mm:ss  1m 23s     0.5  0.1
      <run-id>________________________  gbdt-1  FINISHED  YYYY-MM-DD hh:mm:ss  1m 23s     0.4  0.01
      "
    `);

    const limited = await mloop([
      'runs',
      'list',
      '--experiment',
      'churn',
      '--home',
      home,
      '--max-results',
      '1',
    ]);
    expect(limited.stdout.trim().split('\n')).toHaveLength(2);
    expect(limited.stderr).toMatch(/More runs match; raise --max-results/);
  });

  it('shows a run with params, latest metrics and tags', async () => {
    const json = await mloop(['runs', 'show', runIds[0]!, '--home', home, '--json']);
    expect(json.code).toBe(0);
    const run = JSON.parse(json.stdout);
    expect(run.info).toMatchObject({ runId: runIds[0], runName: 'gbdt-0', status: 'FINISHED' });
    expect(run.data.params).toEqual([{ key: 'lr', value: '0.1' }]);

    const human = await mloop(['runs', 'show', runIds[0]!, '--home', home]);
    expect(human.code).toBe(0);
    expect(normalize(human.stdout)).toMatchInlineSnapshot(`
      "Run         <run-id>________________________
      Name        gbdt-0
      Experiment  churn (1)
      Status      FINISHED
      Started     YYYY-MM-DD hh:mm:ss
      Ended       YYYY-MM-DD hh:mm:ss (1m 23s)
      Git         aaaaaaaaaaaa
      Artifacts   mlflow-artifacts:/1/<run-id>________________________/artifacts

      Params
      KEY  VALUE
      lr   0.1

      Metrics (latest)
      KEY   VALUE  STEP  TIME
      odd     NaN     0  YYYY-MM-DD hh:mm:ss
      rmse    0.5     3  YYYY-MM-DD hh:mm:ss

      Tags
      KEY                       VALUE
      mlflow.source.git.commit  aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
      "
    `);
  });

  it('exits 1 on failures and 2 on usage errors, with a message on stderr', async () => {
    const unknownRun = await mloop(['runs', 'show', '0'.repeat(32), '--home', home]);
    expect(unknownRun).toMatchObject({ code: 1, stdout: '' });
    expect(unknownRun.stderr).toBe(`mloop: Run with id=${'0'.repeat(32)} not found\n`);

    const badId = await mloop(['runs', 'show', 'nope!', '--home', home, '--json']);
    expect(badId).toMatchObject({ code: 1, stdout: '' });
    expect(badId.stderr).toMatch(/^mloop: Invalid value "nope!" for parameter 'runId'/);

    const unknownExperiment = await mloop(['runs', 'list', '--experiment', 'nope', '--home', home]);
    expect(unknownExperiment).toMatchObject({ code: 1 });
    expect(unknownExperiment.stderr).toMatch(/No experiment with id or name "nope"/);

    const badFilter = await mloop([
      'runs',
      'list',
      '--experiment',
      'churn',
      '--home',
      home,
      '--filter',
      'metrics.x >',
    ]);
    expect(badFilter.code).toBe(1);
    expect(badFilter.stderr).toMatch(/^mloop: .*filter/i);

    const missingHome = await mloop(['experiments', 'list', '--home', join(home, 'typo')]);
    expect(missingHome.code).toBe(1);
    expect(missingHome.stderr).toMatch(/No mloop home at ".*typo"/);

    const usageErrors = [
      ['runs', 'list', '--experiment', 'churn', '--bogus'],
      ['runs', 'list', '--home', home],
      ['runs', 'list', '--experiment', 'churn', '--max-results', 'many', '--home', home],
      ['experiments', 'list', '--view', 'some', '--home', home],
      ['experiments', 'list', '--server', 'http://127.0.0.1:1', '--home', home],
      ['runs', 'show'],
      ['nonsense'],
    ];
    for (const [i, usage] of (await Promise.all(usageErrors.map((args) => mloop(args)))).entries()) {
      const args = usageErrors[i];
      expect({ args, code: usage.code, stdout: usage.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(usage.stderr).toMatch(/error:/);
    }
  });

  it('explains how to point at a server when none answers', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const flag = await mloop(['experiments', 'list', '--server', url]);
    expect(flag).toMatchObject({ code: 1, stdout: '' });
    expect(flag.stderr).toContain(
      `mloop: Cannot reach the mloop server at ${url} (ECONNREFUSED). (That URL is set by --server.)`,
    );
    expect(flag.stderr).toMatch(/--server URL or MLOOP_TRACKING_URI/);
    expect(flag.stderr).toMatch(/--home DIR/);

    const env = await mloop(['runs', 'show', '0'.repeat(32)], { MLOOP_TRACKING_URI: url });
    expect(env.code).toBe(1);
    expect(env.stderr).toContain('set by MLOOP_TRACKING_URI');

    const notHttp = await mloop(['experiments', 'list'], { MLFLOW_TRACKING_URI: 'databricks' });
    expect(notHttp.code).toBe(2);
    expect(notHttp.stderr).toBe(
      'mloop: MLFLOW_TRACKING_URI is "databricks", which is not an http(s) URL: pass --server http://host:port, or --home DIR to work without a server.\n',
    );
  });

  describe('against a running server', () => {
    let server: ServerProcess;
    beforeAll(async () => {
      server = await startServerProcess();
    });
    afterAll(async () => server?.stop());

    it('finds it from --server, MLOOP_TRACKING_URI, then MLFLOW_TRACKING_URI', async () => {
      const created = await mloop(['experiments', 'create', 'remote', '--json'], {
        MLOOP_TRACKING_URI: server.url,
      });
      expect(created.code, created.stderr).toBe(0);
      const id = JSON.parse(created.stdout).experimentId;

      const viaFlag = await mloop(['experiments', 'list', '--server', server.url, '--json'], {
        MLOOP_TRACKING_URI: 'http://127.0.0.1:1',
      });
      expect(JSON.parse(viaFlag.stdout).items.map((e: { name: string }) => e.name)).toContain('remote');

      const viaMlflowEnv = await mloop(['runs', 'list', '--experiment', 'remote', '--json'], {
        MLFLOW_TRACKING_URI: `${server.url}/`,
      });
      expect(viaMlflowEnv.code, viaMlflowEnv.stderr).toBe(0);
      expect(JSON.parse(viaMlflowEnv.stdout)).toEqual({ items: [] });

      const byId = await mloop(['runs', 'list', '--experiment', id, '--server', server.url]);
      expect(byId).toMatchObject({ code: 0, stdout: 'No runs.\n' });
    });
  });
});

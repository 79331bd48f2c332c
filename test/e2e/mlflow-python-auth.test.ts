import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BIN, REPO_ROOT, type ServerProcess, startServerProcess } from '../support/server-process.js';

const run = promisify(execFile);
const mloop = async (...args: string[]) => (await run(process.execPath, [BIN, ...args])).stdout;

describe('the mlflow Python client against a server with --auth', () => {
  let server: ServerProcess;
  let token: string;
  const home = mkdtempSync(join(tmpdir(), 'mloop-auth-home-'));

  beforeAll(async () => {
    // Users and tokens are managed on the home directory before the server starts, as an operator would.
    await mloop(
      'users',
      'add',
      'admin',
      '--role',
      'admin',
      '--password',
      'admin-password-123',
      '--home',
      home,
    );
    await mloop('users', 'add', 'ada', '--role', 'editor', '--password', 'ada-password-1234', '--home', home);
    token = JSON.parse(
      await mloop('tokens', 'create', '--user', 'ada', '--name', 'notebook', '--home', home, '--json'),
    ).token;
    server = await startServerProcess({ home, args: ['--auth'] });
  });
  afterAll(async () => server?.stop());

  const flow = (env: Record<string, string>) =>
    run(inject('pythonBin'), [join(REPO_ROOT, 'test/python/mlflow_auth_flow.py')], {
      env: { ...process.env, MLFLOW_TRACKING_URI: server.url, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0', ...env },
      timeout: 120_000,
    });

  it('works with MLFLOW_TRACKING_TOKEN', async () => {
    const { stdout } = await flow({ MLFLOW_TRACKING_TOKEN: token });
    expect(JSON.parse(stdout.trim().split('\n').pop()!).run_id).toMatch(/^[0-9a-f]{32}$/);
  }, 180_000);

  it('works with MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD', async () => {
    const { stdout } = await flow({
      MLFLOW_TRACKING_USERNAME: 'ada',
      MLFLOW_TRACKING_PASSWORD: 'ada-password-1234',
    });
    expect(stdout).toMatch(/run_id/);
  }, 180_000);

  it('is refused without credentials, and after the token is revoked', async () => {
    await expect(flow({})).rejects.toMatchObject({
      stderr: expect.stringMatching(/401|UNAUTHENTICATED|Authentication required/),
    });
    const id = token.split('_')[1]!;
    await mloop('tokens', 'revoke', id, '--server', server.url, '--json').catch(() => undefined);
    const revoked = await run(process.execPath, [BIN, 'tokens', 'revoke', id, '--home', home, '--json']);
    expect(JSON.parse(revoked.stdout).revokedAt).toBeGreaterThan(0);
    await expect(flow({ MLFLOW_TRACKING_TOKEN: token })).rejects.toMatchObject({
      stderr: expect.stringMatching(/401|UNAUTHENTICATED/),
    });
    const audit = JSON.parse(
      (
        await run(process.execPath, [BIN, 'audit', '--server', server.url, '--json', '--limit', '200'], {
          env: {
            ...process.env,
            MLFLOW_TRACKING_USERNAME: 'admin',
            MLFLOW_TRACKING_PASSWORD: 'admin-password-123',
          },
        })
      ).stdout,
    );
    const writes = audit.items.filter((e: { actor: string }) => e.actor === 'ada');
    expect(writes.length).toBeGreaterThan(3);
    expect(
      audit.items.some(
        (e: { actor: string; status: number }) => e.actor === 'unauthenticated' && e.status === 401,
      ),
    ).toBe(true);
  }, 240_000);
});

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT, type ServerProcess, startServerProcess } from '../support/server-process.js';
import { STORE_BACKENDS } from '../support/stores.js';

const run = promisify(execFile);

for (const backend of STORE_BACKENDS) {
  describe(`the unmodified mlflow Python client on ${backend.name}`, () => {
    let server: ServerProcess | undefined;
    afterAll(async () => server?.stop());

    it('logs, searches, reads back and downloads everything it wrote', async () => {
      server = await startServerProcess({ args: ['--store', await backend.uri()] });
      const { stdout } = await run(
        inject('pythonBin'),
        [join(REPO_ROOT, 'test/python/mlflow_client_flow.py')],
        {
          env: {
            ...process.env,
            MLFLOW_TRACKING_URI: server.url,
            MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
            GIT_PYTHON_REFRESH: 'quiet',
          },
          timeout: 240_000,
          maxBuffer: 16 * 1024 * 1024,
        },
      ).catch((err: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(
          `python flow failed: ${err.message}\n${err.stderr ?? ''}\nserver stderr: ${server?.stderr()}`,
        );
      });
      const facts = JSON.parse(stdout.trim().split('\n').pop()!) as {
        run_id: string;
        model_id: string;
        mlflow_version: string;
      };
      expect(facts.mlflow_version).toBe('3.17.2');
      // What the client wrote is visible through the REST API too.
      const res = await fetch(`${server.url}/api/2.0/mlflow/runs/get?run_id=${facts.run_id}`);
      const body = (await res.json()) as { run: { data: { params: unknown[] } } };
      expect(body.run.data.params).toHaveLength(4);
      expect(server.stderr()).not.toMatch(/unexpected error/);
    }, 300_000);
  });
}

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT, type ServerProcess, startServerProcess } from '../support/server-process.js';
import { STORE_BACKENDS } from '../support/stores.js';

const run = promisify(execFile);

for (const backend of STORE_BACKENDS) {
  describe(`the mlflow Python client's model registry on ${backend.name}`, () => {
    let server: ServerProcess | undefined;
    afterAll(async () => server?.stop());

    it('registers, aliases, stages, searches, downloads and deletes through models:/ URIs', async () => {
      server = await startServerProcess({ args: ['--store', await backend.uri()] });
      const { stdout } = await run(
        inject('pythonBin'),
        [join(REPO_ROOT, 'test/python/mlflow_registry_flow.py')],
        {
          env: {
            ...process.env,
            MLFLOW_TRACKING_URI: server.url,
            MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
            GIT_PYTHON_REFRESH: 'quiet',
          },
          timeout: 240_000,
        },
      ).catch((err: { stderr?: string; message: string }) => {
        throw new Error(
          `python registry flow failed: ${err.message}\n${err.stderr ?? ''}\nserver stderr: ${server?.stderr()}`,
        );
      });
      const facts = JSON.parse(stdout.trim().split('\n').pop()!) as { run_id: string };
      const history = await fetch(
        `${server.url}/api/2.0/mlflow/registered-models/alias?name=flight-delay&alias=champion`,
      );
      expect(((await history.json()) as { model_version: { version: string } }).model_version.version).toBe(
        '2',
      );
      expect(facts.run_id).toMatch(/^[0-9a-f]{32}$/);
      expect(server.stderr()).not.toMatch(/unexpected error/);
    }, 300_000);
  });
}

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startS3 } from '../support/s3.js';
import { REPO_ROOT, type ServerProcess, startServerProcess } from '../support/server-process.js';
import { STORE_BACKENDS } from '../support/stores.js';

const run = promisify(execFile);

async function runFlow(
  server: ServerProcess,
): Promise<{ run_id: string; model_id: string; mlflow_version: string }> {
  const { stdout } = await run(inject('pythonBin'), [join(REPO_ROOT, 'test/python/mlflow_client_flow.py')], {
    env: {
      ...process.env,
      MLFLOW_TRACKING_URI: server.url,
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
      GIT_PYTHON_REFRESH: 'quiet',
    },
    timeout: 240_000,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(
      `python flow failed: ${err.message}\n${err.stderr ?? ''}\nserver stderr: ${server.stderr()}`,
    );
  });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

for (const backend of STORE_BACKENDS) {
  describe(`the unmodified mlflow Python client on ${backend.name}`, () => {
    let server: ServerProcess | undefined;
    afterAll(async () => server?.stop());

    it('logs, searches, reads back and downloads everything it wrote', async () => {
      server = await startServerProcess({ args: ['--store', await backend.uri()] });
      const facts = await runFlow(server);
      expect(facts.mlflow_version).toBe('3.17.2');
      // What the client wrote is visible through the REST API too.
      const res = await fetch(`${server.url}/api/2.0/mlflow/runs/get?run_id=${facts.run_id}`);
      const body = (await res.json()) as { run: { data: { params: unknown[] } } };
      expect(body.run.data.params).toHaveLength(4);
      expect(server.stderr()).not.toMatch(/unexpected error/);
    }, 300_000);
  });
}

describe('the mlflow Python client with artifacts on S3', () => {
  it('uploads through the proxy into an S3-compatible store and reads them back', async () => {
    const s3 = await startS3();
    const server = await startServerProcess({
      args: ['--artifacts', `s3://${s3.bucket}/mloop`],
      env: {
        MLOOP_S3_ENDPOINT_URL: s3.endpoint,
        AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      },
    });
    try {
      const facts = await runFlow(server);
      const { S3Client, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
      const client = new S3Client({
        endpoint: s3.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: s3.credentials,
      });
      const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'mloop/' }));
      const keys = (listed.Contents ?? []).map((o) => o.Key);
      expect(keys.some((k) => k?.endsWith(`${facts.run_id}/artifacts/notes.txt`))).toBe(true);
      expect(keys.some((k) => k?.includes(`models/${facts.model_id}/artifacts/MLmodel`))).toBe(true);
      client.destroy();
    } finally {
      await server.stop();
      await s3.stop();
    }
  }, 300_000);
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { resolveConfig } from '../../src/config/config.js';
import { type RunningServer, startServer } from '../../src/server/start.js';
import { buildOnnx, featureColumns, json, registerOnnx, waitFor } from '../support/serving.js';

let server: RunningServer;
beforeAll(async () => {
  process.env.MLOOP_SERVING_POLL_MS = '100';
  server = await startServer(resolveConfig({ home: mkdtempSync(join(tmpdir(), 'mloop-serve-')), port: 0 }));
});
afterAll(async () => server?.close());

it('serves a deployment', async () => {
  const py = inject('pythonBin');
  const model = await buildOnnx(py, 'linear', { features: 4, offset: 1 });
  await registerOnnx(server.services, 'lin', model, featureColumns(4));
  await server.services.deployments.create({ name: 'lin', model: 'models:/lin/1' });
  await waitFor(async () => (await fetch(`${server.url}/v2/models/lin/ready`)).status === 200);
  const res = await fetch(`${server.url}/v2/models/lin/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      inputs: [
        {
          name: 'X',
          shape: [2, 4],
          datatype: 'FP32',
          data: [
            [1, 1, 1, 1],
            [2, 2, 2, 2],
          ],
        },
      ],
    }),
  });
  const body = await json(res);
  console.log(res.status, JSON.stringify(body));
  expect(res.status).toBe(200);
  console.log(JSON.stringify(await json(await fetch(`${server.url}/v2/models/lin`))));
  console.log((await (await fetch(`${server.url}/metrics`)).text()).slice(0, 1500));
});

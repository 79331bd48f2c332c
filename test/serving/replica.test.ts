import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openArtifactStore } from '../../src/artifacts/open-artifact-store.js';
import { resolveConfig } from '../../src/config/config.js';
import { createServices, type Services } from '../../src/server/services.js';
import { type RunningReplica, startReplica } from '../../src/serving/replica.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { fuzzer, MALFORMED, rng } from '../support/fuzz.js';
import { BIN } from '../support/server-process.js';
import { buildOnnx, featureColumns, json, registerOnnx, waitFor } from '../support/serving.js';

let home: string;
let store: Store;
let services: Services;
let replica: RunningReplica;

async function invoke(body: string, contentType = 'application/json') {
  const res = await fetch(`${replica.url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return { status: res.status, headers: res.headers, body: await json(res) };
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'mloop-replica-'));
  const config = resolveConfig({ home, port: 0 });
  store = await openStore(config.store);
  services = createServices(store, openArtifactStore(config.artifacts));
  await services.experiments.ensureDefault();
  const py = inject('pythonBin');
  for (const offset of [1, 2])
    await registerOnnx(
      services,
      'lin',
      await buildOnnx(py, 'linear', { features: 3, offset }),
      featureColumns(3),
    );
  await registerOnnx(services, 'two', await buildOnnx(py, 'two_inputs', { offset: 0 }), {
    inputs: [
      { type: 'float', name: 'x' },
      { type: 'long', name: 'k' },
    ],
  });
  await services.registry.setAlias('lin', 'champion', '1');
  replica = await startReplica(config, { model: 'models:/lin@champion', pollMs: 100, log: () => undefined });
});
afterAll(async () => {
  await replica?.close();
  await store?.close();
});

describe('mloop serve: MLflow scoring protocol', () => {
  it('answers /ping, /health and /version', async () => {
    expect((await fetch(`${replica.url}/ping`)).status).toBe(200);
    expect((await fetch(`${replica.url}/health`)).status).toBe(200);
    expect(await (await fetch(`${replica.url}/version`)).text()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('takes dataframe_split, dataframe_records, instances, inputs and CSV', async () => {
    // y = 0.5 * (a + b + c) + 1
    const split = await invoke(
      JSON.stringify({
        dataframe_split: {
          columns: ['f0', 'f1', 'f2'],
          data: [
            [1, 1, 2],
            [2, 2, 2],
          ],
        },
      }),
    );
    expect(split.status).toBe(200);
    expect(split.body).toEqual({ predictions: [{ variable: 3 }, { variable: 4 }] });
    expect(split.headers.get('x-mloop-model-version')).toBe('1');
    expect(split.headers.get('x-mloop-prediction-id')).toMatch(/^[0-9a-f-]{36}$/);
    // Column order comes from the signature, not the request.
    const reordered = await invoke(
      JSON.stringify({ dataframe_split: { columns: ['f2', 'f0', 'f1'], data: [[2, 1, 1]] } }),
    );
    expect(reordered.body).toEqual({ predictions: [{ variable: 3 }] });
    const records = await invoke(JSON.stringify({ dataframe_records: [{ f0: 1, f1: 1, f2: 2 }] }));
    expect(records.body).toEqual({ predictions: [{ variable: 3 }] });
    const noColumns = await invoke(JSON.stringify({ dataframe_split: { data: [[1, 1, 2]] } }));
    expect(noColumns.body).toEqual({ predictions: [{ variable: 3 }] });
    const instances = await invoke(
      JSON.stringify({
        instances: [
          [1, 1, 2],
          [2, 2, 2],
        ],
      }),
    );
    expect(instances.body).toEqual({ predictions: { variable: [[3], [4]] } });
    const inputs = await invoke(JSON.stringify({ inputs: { X: [[1, 1, 2]] } }));
    expect(inputs.body).toEqual({ predictions: { variable: [[3]] } });
    const csv = await invoke('f0,f1,f2\n1,1,2\n2,2,2\n', 'text/csv');
    expect(csv.body).toEqual({ predictions: [{ variable: 3 }, { variable: 4 }] });
    const nan = await invoke('f0,f1,f2\n1,,2\n', 'text/csv');
    expect(nan.body).toEqual({ predictions: [{ variable: null }] }); // NaN is allowed in a float column
  });

  it('refuses bad input with MLflow error bodies that name the column and type', async () => {
    const cases: [string, string, number, RegExp][] = [
      [
        JSON.stringify({ dataframe_split: { columns: ['f0', 'f1'], data: [[1, 1]] } }),
        'application/json',
        400,
        /Missing column\(s\) 'f2' \(float\)/,
      ],
      [
        JSON.stringify({ dataframe_split: { columns: ['f0', 'f1', 'f2', 'f9'], data: [[1, 1, 1, 1]] } }),
        'application/json',
        400,
        /Unexpected column\(s\) 'f9'/,
      ],
      [
        JSON.stringify({ dataframe_split: { columns: ['f0', 'f1', 'f2'], data: [[1, 'x', 1]] } }),
        'application/json',
        400,
        /Column 'f1' \(float\), row 0: got "x", which is not a float \(the model takes FP32\)/,
      ],
      [
        JSON.stringify({ dataframe_split: { columns: ['f0', 'f1', 'f2'], data: [[1, 1]] } }),
        'application/json',
        400,
        /Every row must have 3 value\(s\)/,
      ],
      [
        JSON.stringify({ instances: [[1, 1]] }),
        'application/json',
        400,
        /Input 'X': expected FP32 \[-1, 3\], got shape \[1, 2\]/,
      ],
      [
        JSON.stringify({ inputs: [[1, 1, 1]], instances: [[1, 1, 1]] }),
        'application/json',
        400,
        /exactly one of 'dataframe_split'/,
      ],
      [JSON.stringify({ data: [[1, 1, 1]] }), 'application/json', 400, /exactly one of/],
      ['{"inputs": [', 'application/json', 400, /Malformed JSON/],
      ['f0,f1,f2\n1,1,2\n', 'text/plain', 415, /only supports the following content types/],
      ['{}', 'application/json; charset=latin-1', 415, /Unsupported charset/],
    ];
    for (const [body, type, status, message] of cases) {
      const r = await invoke(body, type);
      expect(r.status, body).toBe(status);
      expect(r.body, body).toEqual({ error_code: 'BAD_REQUEST', message: expect.stringMatching(message) });
    }
  });

  it('serves OIP and /metrics on the same port, under the model name', async () => {
    const res = await fetch(`${replica.url}/v2/models/lin/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'X', shape: [1, 3], datatype: 'FP32', data: [1, 1, 2] }] }),
    });
    expect((await json(res)).outputs[0].data).toEqual([3]);
    expect(await (await fetch(`${replica.url}/metrics`)).text()).toMatch(
      /nv_inference_request_success\{model="lin",version="1"\} \d+/,
    );
    expect((await fetch(`${replica.url}/nothing`)).status).toBe(404);
  });

  it('follows the alias without a restart', async () => {
    await services.registry.setAlias('lin', 'champion', '2');
    await waitFor(
      async () =>
        (await invoke(JSON.stringify({ inputs: { X: [[0, 0, 0]] } }))).body.predictions
          ?.variable?.[0]?.[0] === 2,
    );
    expect(
      (await invoke(JSON.stringify({ instances: [[0, 0, 0]] }))).headers.get('x-mloop-model-version'),
    ).toBe('2');
  });
});

describe('mloop serve: Open Inference Protocol on the direct path', () => {
  const infer = (path: string, init: RequestInit = {}) =>
    fetch(`${replica.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'X', shape: [1, 3], datatype: 'FP32', data: [0, 0, 0] }] }),
      ...init,
    });
  /** node:http, which sends the Host and Content-Length it is given. */
  const raw = (path: string, headers: Record<string, string>, body: string) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = request(`${replica.url}${path}`, { method: 'POST', headers, agent: false }, (res) => {
        let text = '';
        res.on('data', (d) => {
          text += String(d);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.once('error', reject);
      req.end(body);
    });

  it('answers with the prediction id, the version and the security headers of every answer', async () => {
    const res = await infer('/v2/models/lin/infer');
    expect(res.status).toBe(200);
    const body = await json(res);
    const version = res.headers.get('x-mloop-model-version');
    expect(body).toMatchObject({
      model_name: 'lin',
      model_version: version,
      outputs: [{ name: 'variable' }],
    });
    expect(body.parameters.prediction_id).toBe(res.headers.get('x-mloop-prediction-id'));
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const pinned = await infer(`/v2/models/lin/versions/${version}/infer?ignored=1`);
    expect([pinned.status, pinned.headers.get('x-mloop-model-version')]).toEqual([200, version]);
    const unknown = await infer('/v2/models/lin/versions/9/infer');
    expect(unknown.status).toBe(404);
    expect((await json(unknown)).error).toMatch(/no version "9"/);
    expect((await infer('/v2/models/l%ZZ/infer')).status).toBeLessThan(500);
  });

  it('speaks the binary tensor data extension', async () => {
    const header = Buffer.from(
      JSON.stringify({
        inputs: [{ name: 'X', shape: [2, 3], datatype: 'FP32', parameters: { binary_data_size: 24 } }],
        outputs: [{ name: 'variable', parameters: { binary_data: true } }],
      }),
    );
    const res = await infer('/v2/models/lin/infer', {
      headers: {
        'content-type': 'application/octet-stream',
        'inference-header-content-length': String(header.length),
      },
      body: Buffer.concat([header, Buffer.from(new Float32Array([0, 0, 0, 1, 1, 1]).buffer)]),
    });
    expect(res.status).toBe(200);
    const n = Number(res.headers.get('inference-header-content-length'));
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(JSON.parse(bytes.subarray(0, n).toString()).outputs[0].parameters).toEqual({
      binary_data_size: 8,
    });
    expect(bytes.length).toBe(n + 8);
  });

  it('refuses a foreign Host, a cross-origin write and a body over the limit, as the Hono routes do', async () => {
    const cases = [
      {
        path: '/v2/models/lin/infer',
        body: JSON.stringify({ inputs: [{ name: 'X', shape: [1, 3], datatype: 'FP32', data: [0, 0, 0] }] }),
        message: (b: Record<string, string>) => b.error,
      },
      {
        path: '/invocations',
        body: JSON.stringify({ instances: [[0, 0, 0]] }),
        message: (b: Record<string, string>) => `${b.error_code}: ${b.message}`,
      },
    ];
    const type = { 'content-type': 'application/json' };
    for (const { path, body, message } of cases) {
      const rebinding = await raw(path, { ...type, host: 'attacker.example' }, body);
      expect([path, rebinding.status, rebinding.body]).toEqual([
        path,
        403,
        expect.stringMatching(/Invalid Host header/),
      ]);
      const crossOrigin = await infer(path, { body, headers: { ...type, origin: 'https://evil.example' } });
      expect(crossOrigin.status).toBe(403);
      expect(await crossOrigin.text()).toMatch(/Cross-origin request from https:\/\/evil.example refused/);
      const declared = await raw(path, { ...type, 'content-length': String(64 << 20) }, '');
      expect([declared.status, declared.headers.connection]).toEqual([413, 'close']);
      expect(message(JSON.parse(declared.body))).toMatch(/is 67108864 bytes; the limit is 16777216 bytes/);
      const streamed = await infer(path, { body: 'x'.repeat((16 << 20) + 1) });
      expect(streamed.status).toBe(413);
      expect(message(await json(streamed))).toMatch(/the limit is 16777216 bytes/);
      // The connection pool is still good afterwards.
      const ok = await infer(path, { body });
      expect([path, ok.status]).toEqual([path, 200]);
      expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});

describe('fuzzing the inference endpoints', () => {
  it('never answers 5xx to random or malformed bodies', async () => {
    const fields = [
      'inputs',
      'name',
      'shape',
      'datatype',
      'data',
      'outputs',
      'parameters',
      'id',
      'binary_data_size',
      'dataframe_split',
      'dataframe_records',
      'columns',
      'instances',
      'X',
      'f0',
      'f1',
      'f2',
    ];
    const { randomValue, randomObject } = fuzzer(fields);
    const r = rng(6);
    const bodies: string[] = [...MALFORMED];
    for (let i = 0; i < 150; i++) bodies.push(JSON.stringify(randomObject(r)));
    for (let i = 0; i < 100; i++)
      bodies.push(
        JSON.stringify({
          inputs: [
            {
              name: r() < 0.7 ? 'X' : randomValue(r, 2),
              shape: r() < 0.5 ? [1, 3] : randomValue(r, 2),
              datatype: r() < 0.6 ? 'FP32' : randomValue(r, 1),
              data: randomValue(r, 3),
            },
          ],
        }),
        JSON.stringify({
          dataframe_split: {
            columns: r() < 0.5 ? ['f0', 'f1', 'f2'] : randomValue(r, 2),
            data: randomValue(r, 3),
          },
        }),
        JSON.stringify({ instances: randomValue(r, 3) }),
      );
    for (const body of bodies) {
      for (const path of ['/v2/models/lin/infer', '/invocations']) {
        const res = await fetch(`${replica.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        const text = await res.text();
        expect(res.status, `${path} ${body.slice(0, 200)} → ${text}`).toBeLessThan(500);
      }
    }
  });
});

describe('mloop serve --auth', () => {
  let secured: RunningReplica;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    for (const [user, role] of [
      ['ann', 'viewer'],
      ['bob', 'viewer'],
    ] as const) {
      await services.users.add({ name: user, role, password: `${user}-password-123` });
      tokens[user] = (await services.users.createToken({ user })).token;
    }
    await services.permissions.grant({
      resourceType: 'registered_model',
      resourceId: 'lin',
      user: 'bob',
      permission: 'NO_PERMISSIONS',
    });
    secured = await startReplica(resolveConfig({ home, port: 0, auth: true }), {
      model: 'models:/lin@champion',
      log: () => undefined,
    });
  });
  afterAll(async () => secured?.close());

  const call = (path: string, headers: Record<string, string> = {}, body?: unknown) =>
    fetch(`${secured.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const rows = { dataframe_records: [{ f0: 1, f1: 1, f2: 2 }] };
  const tensor = { inputs: [{ name: 'X', shape: [1, 3], datatype: 'FP32', data: [1, 1, 2] }] };

  it('answers health probes without credentials and nothing else', async () => {
    for (const path of ['/ping', '/health', '/v2/health/ready', '/v2/health/live'])
      expect([path, (await call(path)).status]).toEqual([path, 200]);
    const anonymous = await call('/invocations', {}, rows);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic/);
    for (const path of ['/v2/models/lin', '/metrics'])
      expect([path, (await call(path)).status]).toEqual([path, 401]);
    expect((await call('/invocations', { authorization: 'Bearer mlt_forged' }, rows)).status).toBe(401);
    const oip = await call('/v2/models/lin/infer', {}, tensor);
    expect(oip.status).toBe(401);
    expect(oip.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await json(oip)).error).toMatch(/Authentication required/);
  });

  it("takes the server's tokens and passwords, and needs READ on the model", async () => {
    const byToken = await call('/invocations', { authorization: `Bearer ${tokens.ann}` }, rows);
    expect(byToken.status).toBe(200);
    expect(await json(byToken)).toEqual({ predictions: [{ variable: expect.any(Number) }] });
    const basic = `Basic ${Buffer.from('ann:ann-password-123').toString('base64')}`;
    expect((await call('/v2/models/lin', { authorization: basic })).status).toBe(200);
    const denied = await call('/invocations', { authorization: `Bearer ${tokens.bob}` }, rows);
    expect(denied.status).toBe(403);
    expect((await json(denied)).error).toMatch(
      /cannot read registered model lin \(has NO_PERMISSIONS, needs READ\)/,
    );
    const oip = await call('/v2/models/lin/infer', { authorization: `Bearer ${tokens.ann}` }, tensor);
    expect(oip.status).toBe(200);
    expect((await json(oip)).outputs[0].name).toBe('variable');
    const oipDenied = await call('/v2/models/lin/infer', { authorization: `Bearer ${tokens.bob}` }, tensor);
    expect(oipDenied.status).toBe(403);
    expect((await json(oipDenied)).error).toMatch(/needs READ/);
  });

  it('keeps the Host allow-list of a loopback bind (DNS rebinding)', async () => {
    // fetch() may not set Host; node:http may.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${secured.url}/ping`, { headers: { host: 'attacker.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });
});

describe('mloop serve as a process', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill();
  });

  it('starts from the CLI, serves the multi-input model by column names and says which version answered', async () => {
    // The built CLI, as users run it (npm test builds first).
    child = spawn(
      process.execPath,
      [
        BIN,
        'serve',
        '--home',
        home,
        '--model',
        'models:/two/latest',
        '--name',
        'adder',
        '--port',
        '0',
        '--host',
        '0.0.0.0',
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr!.on('data', (d) => {
      err += String(d);
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child!.stdout!.on('data', (d) => {
        out += String(d);
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line).url);
      });
      child!.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    const res = await fetch(`${url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        dataframe_records: [
          { x: 0.5, k: 2 },
          { x: 1, k: 1 },
        ],
      }),
    });
    expect(await json(res)).toEqual({ predictions: [{ y: 2.5 }, { y: 2 }] });
    expect(res.headers.get('x-mloop-model-version')).toBe('1');
    // Asked for every interface without --auth: it keeps to loopback and says why, as the server does.
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    await waitFor(async () => /authentication is off, so the replica listens on 127\.0\.0\.1 only/.test(err));
    const bad = await fetch(`${url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dataframe_records: [{ x: 0.5, k: 2.5 }] }),
    });
    expect(bad.status).toBe(400);
    expect((await json(bad)).message).toMatch(/Column 'k' \(long\), row 0: got 2.5, which is not a long/);
    const nullInt = await fetch(`${url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'x,k\n1,\n',
    });
    expect((await json(nullInt)).message).toMatch(
      /Column 'k' \(long\), row 0: missing or NaN value, which long does not allow/,
    );
    const meta = await json(await fetch(`${url}/v2/models/adder`));
    expect(meta.inputs).toEqual([
      { name: 'x', datatype: 'FP32', shape: [-1, 1] },
      { name: 'k', datatype: 'INT64', shape: [-1, 1] },
    ]);
    expect(err).toMatch(/"event":"model_loaded"/);
  });
});

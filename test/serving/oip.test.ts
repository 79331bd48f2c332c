import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { resolveConfig } from '../../src/config/config.js';
import { type RunningServer, startServer } from '../../src/server/start.js';
import type { PredictionRecord } from '../../src/serving/payload-hook.js';
import { REPO_ROOT } from '../support/server-process.js';
import { buildOnnx, featureColumns, json, registerOnnx, waitFor } from '../support/serving.js';

const exec = promisify(execFile);

let server: RunningServer;
const records: PredictionRecord[] = [];
const logs: { event: string; fields: Record<string, unknown> }[] = [];

async function infer(
  name: string,
  body: unknown,
  opts: { version?: string; headers?: Record<string, string> } = {},
) {
  const path = opts.version
    ? `/v2/models/${name}/versions/${opts.version}/infer`
    : `/v2/models/${name}/infer`;
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...opts.headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: await json(res) };
}

const row = (x: number, n = 4) => ({
  inputs: [{ name: 'X', shape: [1, n], datatype: 'FP32', data: Array(n).fill(x) }],
});

async function deploy(name: string, model: string, extra: Record<string, unknown> = {}) {
  await server.services.deployments.create({ name, model, ...extra });
  await server.services.serving!.sync();
  await waitFor(
    async () => (await fetch(`${server.url}/v2/models/${name}/ready`)).status === 200,
    30_000,
    `${name} ready`,
  );
}

beforeAll(async () => {
  const py = inject('pythonBin');
  server = await startServer(resolveConfig({ home: mkdtempSync(join(tmpdir(), 'mloop-oip-')), port: 0 }), {
    pollMs: 100,
    hook: { onPrediction: (r) => records.push(r) },
    log: (_level, event, fields = {}) => logs.push({ event, fields }),
  });
  const s = server.services;
  // linear: y = 0.5 * sum(x) + offset; the offset tells the versions apart.
  for (const offset of [1, 2, 3])
    await registerOnnx(s, 'lin', await buildOnnx(py, 'linear', { features: 4, offset }), featureColumns(4));
  await registerOnnx(s, 'two', await buildOnnx(py, 'two_inputs', { offset: 0 }), {
    inputs: [
      { type: 'float', name: 'x' },
      { type: 'long', name: 'k' },
    ],
  });
  await registerOnnx(s, 'cls', await buildOnnx(py, 'classifier', { features: 4, trees: 3, depth: 2 }));
  await s.registry.setAlias('lin', 'champion', '1');
  await deploy('lin', 'models:/lin@champion');
  await deploy('two', 'models:/two/1');
  await deploy('cls', 'models:/cls/1');
});
afterAll(async () => server?.close());

describe('Open Inference Protocol', () => {
  it('answers server metadata, liveness and readiness', async () => {
    expect(await json(await fetch(`${server.url}/v2`))).toEqual({
      name: 'mloop',
      version: expect.any(String),
      extensions: ['binary_tensor_data'],
    });
    const live = await fetch(`${server.url}/v2/health/live`);
    expect([live.status, await json(live)]).toEqual([200, { live: true }]);
    const ready = await fetch(`${server.url}/v2/health/ready`);
    expect([ready.status, await json(ready)]).toEqual([200, { ready: true }]);
  });

  it('answers model metadata and readiness, with and without a version', async () => {
    const meta = await json(await fetch(`${server.url}/v2/models/lin`));
    expect(meta).toEqual({
      name: 'lin',
      versions: ['1'],
      platform: 'onnx_onnxv1',
      inputs: [{ name: 'X', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'variable', datatype: 'FP32', shape: [-1, 1] }],
    });
    expect((await json(await fetch(`${server.url}/v2/models/lin/versions/1`))).versions).toEqual(['1']);
    expect(await json(await fetch(`${server.url}/v2/models/lin/ready`))).toEqual({
      name: 'lin',
      ready: true,
    });
    expect((await fetch(`${server.url}/v2/models/lin/versions/1/ready`)).status).toBe(200);
    const cls = await json(await fetch(`${server.url}/v2/models/cls`));
    expect(cls.outputs).toEqual([
      { name: 'label', datatype: 'INT64', shape: [-1] },
      { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
    ]);
  });

  it('answers unknown models, versions and paths with 404 and an error body', async () => {
    for (const path of [
      '/v2/models/nope',
      '/v2/models/nope/ready',
      '/v2/models/lin/versions/9',
      '/v2/nothing',
    ]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await json(res), path).toEqual({ error: expect.any(String) });
    }
    const r = await infer('lin', row(1), { version: '9' });
    expect(r).toMatchObject({
      status: 404,
      body: { error: expect.stringMatching(/no version "9".*serves version\(s\) 1/) },
    });
    expect((await infer('nope', row(1))).body.error).toMatch(/Unknown model 'nope'/);
  });

  it('infers with nested and flat data, echoes the id, names the version and the prediction', async () => {
    const nested = await infer('lin', {
      id: '42',
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
    });
    expect(nested.status).toBe(200);
    expect(nested.body).toEqual({
      model_name: 'lin',
      model_version: '1',
      id: '42',
      parameters: { prediction_id: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      outputs: [{ name: 'variable', datatype: 'FP32', shape: [2, 1], data: [3, 5] }],
    });
    expect(nested.headers.get('x-mloop-prediction-id')).toBe(nested.body.parameters.prediction_id);
    expect(nested.headers.get('x-mloop-model-version')).toBe('1');
    const flat = await infer('lin', {
      inputs: [{ name: 'X', shape: [2, 4], datatype: 'FP32', data: [1, 1, 1, 1, 2, 2, 2, 2] }],
    });
    expect(flat.body.outputs[0].data).toEqual([3, 5]);
    expect(flat.body.id).toBe(flat.body.parameters.prediction_id);
    const v = await infer('lin', row(2), { version: '1' });
    expect(v.body).toMatchObject({ model_version: '1', outputs: [{ data: [5] }] });
  });

  it('returns only the requested outputs, and INT64 labels as numbers', async () => {
    const all = await infer('cls', row(0.3));
    expect(all.body.outputs.map((o: any) => o.name)).toEqual(['label', 'probabilities']);
    expect(Number.isInteger(all.body.outputs[0].data[0])).toBe(true);
    const one = await infer('cls', { ...row(0.3), outputs: [{ name: 'probabilities' }] });
    expect(one.body.outputs).toEqual([
      { name: 'probabilities', datatype: 'FP32', shape: [1, 2], data: expect.any(Array) },
    ]);
    const bad = await infer('cls', { ...row(0.3), outputs: [{ name: 'nope' }] });
    expect(bad).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/Unknown output "nope".*'label', 'probabilities'/) },
    });
  });

  it('takes several inputs of different datatypes', async () => {
    const r = await infer('two', {
      inputs: [
        { name: 'x', shape: [2, 1], datatype: 'FP32', data: [0.5, 1.5] },
        { name: 'k', shape: [2, 1], datatype: 'INT64', data: [1, 2] },
      ],
    });
    expect(r.body.outputs[0].data).toEqual([1.5, 3.5]);
  });

  it('speaks the binary tensor data extension', async () => {
    const header = Buffer.from(
      JSON.stringify({
        inputs: [{ name: 'X', shape: [2, 4], datatype: 'FP32', parameters: { binary_data_size: 32 } }],
        outputs: [{ name: 'variable', parameters: { binary_data: true } }],
      }),
    );
    const data = Buffer.from(new Float32Array([1, 1, 1, 1, 2, 2, 2, 2]).buffer);
    const res = await fetch(`${server.url}/v2/models/lin/infer`, {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        'inference-header-content-length': String(header.length),
      },
      body: Buffer.concat([header, data]),
    });
    expect(res.status).toBe(200);
    const n = Number(res.headers.get('inference-header-content-length'));
    const body = Buffer.from(await res.arrayBuffer());
    const head = JSON.parse(body.subarray(0, n).toString());
    expect(head.outputs).toEqual([
      { name: 'variable', datatype: 'FP32', shape: [2, 1], parameters: { binary_data_size: 8 } },
    ]);
    const out = body.subarray(n);
    expect(Array.from(new Float32Array(out.buffer.slice(out.byteOffset, out.byteOffset + 8)))).toEqual([
      3, 5,
    ]);
  });

  it('refuses bad input with 400 naming the input, the expected datatype and shape and what arrived', async () => {
    const cases: [unknown, RegExp][] = [
      [
        { inputs: [{ name: 'X', shape: [1, 4], datatype: 'FP64', data: [1, 2, 3, 4] }] },
        /Input 'X': expected FP32 \[-1, 4\], got datatype FP64/,
      ],
      [
        { inputs: [{ name: 'X', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] },
        /Input 'X': expected FP32 \[-1, 4\], got shape \[1, 3\]/,
      ],
      [
        { inputs: [{ name: 'X', shape: [4], datatype: 'FP32', data: [1, 2, 3, 4] }] },
        /expected FP32 \[-1, 4\], got shape \[4\]/,
      ],
      [
        { inputs: [{ name: 'X', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] },
        /shape \[2, 4\] holds 8 element\(s\) but data has 4/,
      ],
      [
        { inputs: [{ name: 'X', shape: [1, 4], datatype: 'FP32', data: [1, 'a', 3, 4] }] },
        /Input 'X': element 1 is "a", but FP32 needs a number/,
      ],
      [
        { inputs: [{ name: 'Y', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] },
        /Unexpected input "Y" for model 'lin'; it takes 'X' \(FP32 \[-1, 4\]\)/,
      ],
      [
        { inputs: [...row(1).inputs, { name: 'Z', shape: [1], datatype: 'FP32', data: [1] }] },
        /Unexpected input "Z"/,
      ],
      [
        { inputs: [{ name: 'X', shape: [1, 4], datatype: 'FLOAT', data: [1, 2, 3, 4] }] },
        /unknown datatype "FLOAT"/,
      ],
      [{ inputs: [] }, /'inputs' must be a non-empty list/],
      [{}, /'inputs' must be a non-empty list/],
      ['{"inputs": [', /Malformed JSON/],
    ];
    for (const [body, message] of cases) {
      const r = await infer('lin', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body, JSON.stringify(body)).toEqual({ error: expect.stringMatching(message) });
    }
    const missing = await infer('two', {
      inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [1] }],
    });
    expect(missing.body.error).toMatch(/Missing input\(s\) 'k' \(INT64 \[-1, 1\]\) for model 'two'; got 'x'/);
    const nan = await infer('two', {
      inputs: [
        { name: 'x', shape: [1, 1], datatype: 'FP32', data: ['NaN'] },
        { name: 'k', shape: [1, 1], datatype: 'INT64', data: ['NaN'] },
      ],
    });
    expect(nan).toMatchObject({
      status: 400,
      body: {
        error: expect.stringMatching(
          /Input 'k': element 0 is "NaN", but INT64 needs an integer \(NaN is not allowed\)/,
        ),
      },
    });
    const nanFloat = await infer(
      'two',
      '{"inputs":[{"name":"x","shape":[1,1],"datatype":"FP32","data":[NaN]},{"name":"k","shape":[1,1],"datatype":"INT64","data":[1]}]}',
    );
    expect(nanFloat.status).toBe(400); // bare NaN is not JSON; OIP clients send "NaN"
    const okNan = await infer('two', {
      inputs: [
        { name: 'x', shape: [1, 1], datatype: 'FP32', data: ['NaN'] },
        { name: 'k', shape: [1, 1], datatype: 'INT64', data: [1] },
      ],
    });
    expect(okNan.status).toBe(200);
    expect(okNan.body.outputs[0].data).toEqual([null]); // NaN as JSON
    const batch = await infer('two', {
      inputs: [
        { name: 'x', shape: [2, 1], datatype: 'FP32', data: [1, 2] },
        { name: 'k', shape: [1, 1], datatype: 'INT64', data: [1] },
      ],
    });
    expect(batch.body.error).toMatch(/same batch size/);
  });

  it('refuses bodies over the size limit with 413', async () => {
    const big = JSON.stringify({
      inputs: [{ name: 'X', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }],
      pad: 'x'.repeat(17 * 1024 * 1024),
    });
    const r = await infer('lin', big);
    expect(r).toMatchObject({
      status: 413,
      body: { error: expect.stringMatching(/limit is 16777216 bytes/) },
    });
  });
});

describe('traffic', () => {
  it('splits traffic by weight', async () => {
    await server.services.deployments.setRoutes('lin', {
      routes: [
        { model: 'models:/lin/1', weight: 70 },
        { model: 'models:/lin/2', weight: 30 },
      ],
    });
    await server.services.serving!.sync();
    const counts: Record<string, number> = {};
    for (let i = 0; i < 600; i++) {
      const r = await infer('lin', row(0));
      counts[r.body.model_version] = (counts[r.body.model_version] ?? 0) + 1;
      expect(r.body.outputs[0].data[0]).toBe(Number(r.body.model_version));
    }
    expect(counts['1']! / 600).toBeGreaterThan(0.62);
    expect(counts['1']! / 600).toBeLessThan(0.78);
    expect(counts['2']! + counts['1']!).toBe(600);
    // A version can be asked for by path, whichever way the weights fall.
    expect((await infer('lin', row(0), { version: '2' })).body.model_version).toBe('2');
    expect((await json(await fetch(`${server.url}/v2/models/lin`))).versions.sort()).toEqual(['1', '2']);
  });

  it('mirrors to shadow routes: results recorded with the prediction id, never returned', async () => {
    await server.services.deployments.setRoutes('lin', {
      routes: [{ model: 'models:/lin/1', weight: 1 }],
      shadows: [{ model: 'models:/lin/3', percent: 100 }],
    });
    await server.services.serving!.sync();
    records.length = 0;
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await infer('lin', row(0));
      expect(r.body.model_version).toBe('1');
      ids.push(r.body.parameters.prediction_id);
    }
    await waitFor(() => records.filter((r) => r.shadow).length === 20, 10_000, 'shadow records');
    const shadow = records.filter((r) => r.shadow);
    expect(new Set(shadow.map((r) => r.modelVersion))).toEqual(new Set(['3']));
    expect(shadow.map((r) => r.predictionId).sort()).toEqual([...ids].sort());
    expect(Array.from(shadow[0]!.outputs[0]!.data as Float32Array)).toEqual([3]);
    const primary = records.filter((r) => !r.shadow);
    expect(primary).toHaveLength(20);
    expect(primary[0]).toMatchObject({
      deployment: 'lin',
      model: 'lin',
      modelVersion: '1',
      latencyMs: expect.any(Number),
    });
    expect(primary[0]!.inputs[0]!.name).toBe('X');
  });

  it('keeps a sticky key on one route', async () => {
    await server.services.deployments.delete('two');
    await server.services.deployments.create({
      name: 'sticky',
      model: 'models:/lin/1',
      stickyHeader: 'X-User',
    });
    await server.services.deployments.setRoutes('sticky', {
      routes: [
        { model: 'models:/lin/1', weight: 50 },
        { model: 'models:/lin/2', weight: 50 },
      ],
    });
    await server.services.serving!.sync();
    await waitFor(() => server.services.serving!.status('sticky').state === 'ready');
    const seen = new Map<string, Set<string>>();
    for (let u = 0; u < 20; u++)
      for (let i = 0; i < 5; i++) {
        const r = await infer('sticky', row(0), { headers: { 'x-user': `user-${u}` } });
        const s = seen.get(`user-${u}`) ?? new Set();
        s.add(r.body.model_version);
        seen.set(`user-${u}`, s);
      }
    for (const versions of seen.values()) expect(versions.size).toBe(1);
    const versions = new Set([...seen.values()].map((s) => [...s][0]));
    expect(versions).toEqual(new Set(['1', '2']));
    expect(server.services.serving!.has('two')).toBe(false);
  });

  it('rolls back to the previous routes, one step at a time', async () => {
    const d = await server.services.deployments.rollback('lin');
    expect(d.routes).toEqual([
      { model: 'models:/lin/1', weight: 70 },
      { model: 'models:/lin/2', weight: 30 },
    ]);
    const back = await server.services.deployments.rollback('lin');
    expect(back.routes).toEqual([{ model: 'models:/lin@champion', weight: 100 }]);
    await expect(server.services.deployments.rollback('lin')).rejects.toThrow(/no earlier routes/);
    await server.services.serving!.sync();
    expect((await infer('lin', row(0))).body.model_version).toBe('1');
    const events = await server.services.deployments.events('lin');
    expect(events.map((e) => e.kind)).toEqual(['created', 'routes', 'routes', 'rollback', 'rollback']);
  });

  it('never lets a failed load replace a working version', async () => {
    const broken = await registerOnnx(
      server.services,
      'lin',
      new TextEncoder().encode('not an onnx model'),
      featureColumns(4),
    );
    await server.services.registry.setAlias('lin', 'champion', broken);
    await server.services.serving!.sync();
    await waitFor(
      () => logs.some((l) => l.event === 'model_load_failed' && l.fields.version === broken),
      10_000,
      `load failure: ${JSON.stringify(logs.slice(-5))}`,
    );
    for (let i = 0; i < 10; i++) expect((await infer('lin', row(0))).body.model_version).toBe('1');
    const status = server.services.serving!.status('lin');
    expect(status.state).toBe('degraded');
    expect(status.routes[0]).toMatchObject({
      version: '1',
      state: 'failed',
      message: expect.stringMatching(`version ${broken}: `),
    });
    // A signature that does not fit the graph fails the load too.
    const misfit = await registerOnnx(
      server.services,
      'lin',
      await buildOnnx(inject('pythonBin'), 'linear', { features: 4, offset: 9 }),
      featureColumns(5),
    );
    await server.services.registry.setAlias('lin', 'champion', misfit);
    await server.services.serving!.sync();
    await waitFor(() => logs.some((l) => l.event === 'model_load_failed' && l.fields.version === misfit));
    expect(String(logs.find((l) => l.fields.version === misfit)!.fields.error)).toMatch(
      /5 column\(s\) but the ONNX input 'X' \[-1, 4\] takes 4 features/,
    );
    expect((await infer('lin', row(0))).body.model_version).toBe('1');
    await server.services.registry.setAlias('lin', 'champion', '2');
    await server.services.serving!.sync();
    expect((await infer('lin', row(0))).body.model_version).toBe('2');
    expect(server.services.serving!.status('lin').state).toBe('ready');
  });

  it('exposes Triton-style metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/^# TYPE nv_inference_request_success counter$/m);
    expect(text).toMatch(/^nv_inference_request_success\{model="lin",version="1"\} \d+$/m);
    expect(text).toMatch(/^nv_inference_request_failure\{model="lin",version="1",reason="INVALID"\} \d+$/m);
    expect(text).toMatch(/^nv_inference_request_failure\{model="nope",version="",reason="OTHER"\} \d+$/m);
    expect(text).toMatch(/^nv_inference_count\{model="lin",version="1"\} \d+$/m);
    expect(text).toMatch(/^nv_inference_exec_count\{model="lin",version="1"\} \d+$/m);
    expect(text).toMatch(/^nv_inference_request_duration_ms_bucket\{model="lin",version="1",le="5"\} \d+$/m);
    expect(text).toMatch(/^nv_inference_queue_duration_ms_count\{model="lin",version="1"\} \d+$/m);
    expect(text).toMatch(/^nv_inference_compute_infer_duration_ms_sum\{model="lin",version="1"\} [\d.]+$/m);
    expect(text).toMatch(/^nv_inference_batch_size_bucket\{model="lin",version="1",le="\+Inf"\} \d+$/m);
    expect(text).toMatch(/^mloop_model_load_total\{model="lin",version="\d+",result="failure"\} 1$/m);
    expect(text).toMatch(/^nv_inference_pending_request_count\{model="lin",version="1"\} 0$/m);
  });
});

describe('the audit log', () => {
  it('records writes but not inference, which the access policy treats as a read', async () => {
    const count = async () => (await server.services.audit.list({ limit: 10_000 })).length;
    const before = await count();
    for (let i = 0; i < 5; i++) expect((await infer('lin', row(i))).status).toBe(200);
    expect(await count()).toBe(before);
    await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'audited-while-serving' }),
    });
    expect(await count()).toBe(before + 1);
  });
});

describe('the Python tritonclient', () => {
  it('checks health, reads metadata and infers over JSON and binary tensors', async () => {
    const { stdout } = await exec(
      inject('pythonBin'),
      [join(REPO_ROOT, 'test/python/triton_client_flow.py'), server.url.replace('http://', ''), 'cls'],
      {
        timeout: 120_000,
      },
    );
    const result = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(result).toMatchObject({
      live: true,
      ready: true,
      model_ready: true,
      metadata: {
        name: 'cls',
        platform: 'onnx_onnxv1',
        inputs: [{ name: 'X', datatype: 'FP32', shape: [-1, 4] }],
      },
      binary: { label_shape: [3], probabilities_shape: [3, 2], model_version: '1' },
      json: { probabilities_shape: [3, 2] },
      unknown_model_error: expect.stringMatching(/Unknown model 'nope'/),
      bad_shape_error: expect.stringMatching(/Input 'X': expected FP32 \[-1, 4\], got shape \[3, 3\]/),
    });
    expect(result.binary.probabilities).toEqual(result.json.probabilities);
    for (const p of result.binary.probabilities) expect(p[0] + p[1]).toBeCloseTo(1, 5);
  });
});

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/config.js';
import { frameFrom, predict, type TrainedModel } from '../../src/learn/index.js';
import { type RunningReplica, startReplica } from '../../src/serving/replica.js';
import { seeded, workdir } from '../data/fixtures.js';
import { BIN, type ServerProcess, startServerProcess } from '../support/server-process.js';
import { json, waitFor } from '../support/serving.js';

/**
 * The built-in learners' packages, served: a model trained and registered by `mloop train --register` is deployed
 * with `mloop deploy create` (OIP v2) and run by a replica (MLflow /invocations), and both answer what the learner's
 * TypeScript `predict` says, to 1e-5.
 */
const exec = promisify(execFile);

async function mloop(server: ServerProcess, cwd: string, ...args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(MLOOP_|MLFLOW_)/.test(k)));
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...env, NO_COLOR: '1', MLOOP_TRACKING_URI: server.url, MLOOP_STATE_DIR: join(cwd, '.state') },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function trainingTable(n: number): string {
  const rand = seeded(7);
  const lines = ['x1,x2,city,price,late,tier'];
  for (let i = 0; i < n; i++) {
    const x1 = rand() * 10 - 5;
    const x2 = rand() * 2;
    const city = ['Oslo', 'Rome', 'Lima', 'Pune'][Math.floor(rand() * 4)]!;
    const price = 2 * x1 - 3 * x2 + (city === 'Rome' ? 4 : 0) + rand();
    const late = x1 + (city === 'Lima' ? 2 : 0) + (rand() - 0.5) * 3 > 0 ? 1 : 0;
    const tier = price < -2 ? 'low' : price < 3 ? 'mid' : 'high';
    lines.push(
      `${i % 13 === 0 ? '' : x1.toFixed(3)},${x2.toFixed(3)},${city},${price.toFixed(3)},${late},${tier}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Rows to predict: include a missing number (NaN) and a city never seen in training. */
const ROWS = {
  x1: [-4.25, 0.5, Number.NaN, 3.75, 1.125, -0.5],
  x2: [0.25, 1.5, 0.75, 1.875, 0, 1],
  city: ['Oslo', 'Rome', 'Lima', 'Paris', 'Pune', 'Rome'],
};

const CASES = [
  { learner: 'ridge', target: 'price', name: 'price-ridge', params: [] as string[] },
  { learner: 'logistic', target: 'late', name: 'late-logistic', params: [] },
  { learner: 'gbdt', target: 'tier', name: 'tier-gbdt', params: ['--param', 'trees=30', 'maxLeaves=8'] },
];

/** What the TypeScript model says for ROWS, on the float32 values the ONNX graph sees. */
function expected(model: TrainedModel) {
  const frame = frameFrom({
    x1: ROWS.x1.map((v) => (Number.isNaN(v) ? null : Math.fround(v))),
    x2: ROWS.x2.map((v) => Math.fround(v)),
    city: ROWS.city,
  });
  return predict(model, frame);
}

function expectClose(actual: readonly (number | null)[], wanted: ArrayLike<number>, what: string) {
  expect(actual, what).toHaveLength(wanted.length);
  for (let i = 0; i < wanted.length; i++) {
    const tolerance = 1e-5 * Math.max(1, Math.abs(wanted[i]!));
    expect(Math.abs((actual[i] as number) - wanted[i]!), `${what}[${i}]`).toBeLessThanOrEqual(tolerance);
  }
}

describe('built-in learners served through ONNX', () => {
  let server: ServerProcess;
  let cwd: string;
  const models = new Map<string, TrainedModel>();
  const replicas: RunningReplica[] = [];

  beforeAll(async () => {
    server = await startServerProcess({ env: { MLOOP_SERVING_POLL_MS: '100', MLOOP_SERVING_WORKERS: '1' } });
    cwd = workdir({ 'train.csv': trainingTable(800) });
    for (const c of CASES) {
      const r = await mloop(
        server,
        cwd,
        'train',
        '--data',
        'train.csv',
        '--target',
        c.target,
        '--learner',
        c.learner,
        '--features',
        'x1,x2,city',
        ...c.params,
        '--register',
        c.name,
        '--out',
        c.name,
        '--json',
      );
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).registered.uri).toBe(`models:/${c.name}/1`);
      models.set(c.name, JSON.parse(readFileSync(join(cwd, c.name, 'mloop-model.json'), 'utf8')));
      const d = await mloop(server, cwd, 'deploy', 'create', c.name, '--model', `models:/${c.name}/1`);
      expect(d.code, d.stderr).toBe(0);
    }
  });
  afterAll(async () => {
    for (const r of replicas) await r.close();
    await server?.stop();
  });

  it('answers OIP v2 /infer with the TypeScript predictions (ridge, logistic, gbdt)', async () => {
    const n = ROWS.x1.length;
    const inputs = [
      {
        name: 'x1',
        datatype: 'FP32',
        shape: [n, 1],
        data: ROWS.x1.map((v) => (Number.isNaN(v) ? 'NaN' : v)),
      },
      { name: 'x2', datatype: 'FP32', shape: [n, 1], data: ROWS.x2 },
      { name: 'city', datatype: 'BYTES', shape: [n, 1], data: ROWS.city },
    ];
    for (const c of CASES) {
      const model = models.get(c.name)!;
      const want = expected(model);
      const infer = () =>
        fetch(`${server.url}/v2/models/${c.name}/infer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ inputs }),
        });
      await waitFor(async () => (await infer()).status === 200, 60_000, `${c.name} to be served`);
      const res = await infer();
      const body = await json(res);
      expect(res.status, JSON.stringify(body)).toBe(200);
      const out = Object.fromEntries(
        (body.outputs as { name: string; shape: number[]; data: (number | string)[] }[]).map((o) => [
          o.name,
          o,
        ]),
      );
      if (model.task === 'regression') {
        expect(out.variable!.shape).toEqual([n, 1]);
        expectClose(out.variable!.data as number[], want.values!, `${c.name} variable`);
      } else {
        expect(out.probabilities!.shape).toEqual([n, model.classes!.length]);
        expectClose(out.probabilities!.data as number[], want.probabilities!, `${c.name} probabilities`);
        expect(out.label!.data, `${c.name} labels`).toEqual(want.labels);
      }
    }
  });

  it('answers MLflow /invocations (dataframe_split) on a replica with the same predictions', async () => {
    const config = resolveConfig({ home: server.home, port: 0 });
    for (const c of CASES) {
      const replica = await startReplica(config, {
        model: `models:/${c.name}/1`,
        workers: 1,
        log: () => undefined,
      });
      replicas.push(replica);
      const model = models.get(c.name)!;
      const want = expected(model);
      const res = await fetch(`${replica.url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          dataframe_split: {
            columns: ['city', 'x2', 'x1'],
            data: ROWS.x1.map((x1, i) => [ROWS.city[i], ROWS.x2[i], Number.isNaN(x1) ? null : x1]),
          },
        }),
      });
      const body = await json(res);
      expect(res.status, JSON.stringify(body)).toBe(200);
      const records = body.predictions as Record<string, unknown>[];
      expect(records).toHaveLength(ROWS.x1.length);
      if (model.task === 'regression') {
        expectClose(
          records.map((r) => (Array.isArray(r.variable) ? r.variable[0] : r.variable) as number),
          want.values!,
          `${c.name} variable`,
        );
      } else {
        const k = model.classes!.length;
        expectClose(
          records.flatMap((r) => r.probabilities as number[]),
          want.probabilities!,
          `${c.name} probabilities`,
        );
        expect(
          records.map((r) => r.label),
          `${c.name} labels`,
        ).toEqual(want.labels);
        expect((records[0]!.probabilities as number[]).length).toBe(k);
      }
    }
  });
});

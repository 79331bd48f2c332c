import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlflowRpcs } from '../../src/compat/mlflow/mount.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { STORE_BACKENDS } from '../support/stores.js';

/** A small deterministic PRNG (mulberry32) so that a failure reproduces from its seed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIELDS = [
  'name',
  'experiment_id',
  'experiment_ids',
  'run_id',
  'run_uuid',
  'key',
  'value',
  'timestamp',
  'step',
  'metrics',
  'params',
  'tags',
  'filter',
  'order_by',
  'max_results',
  'page_token',
  'status',
  'end_time',
  'start_time',
  'run_name',
  'new_name',
  'artifact_location',
  'view_type',
  'run_view_type',
  'datasets',
  'models',
  'metric_key',
  'run_ids',
  'path',
  'model_json',
  'experiment_name',
  'source_run_id',
  'model_type',
  'start_step',
  'end_step',
];

function randomValue(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * 14);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return Math.floor(r() * 2 ** 53) * (r() < 0.5 ? -1 : 1);
    case 3:
      return r() * 1e308;
    case 4:
      return '';
    case 5:
      return 'x'.repeat(Math.floor(r() * 10000));
    case 6:
      return [
        '../../etc/passwd',
        '%2e%2e%2f',
        'NaN',
        '0',
        '-1',
        "a' OR '1'='1",
        'metrics.m > ',
        '\u0000',
        '😀',
      ][Math.floor(r() * 9)];
    case 7:
      return depth > 2 ? [] : Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    case 8:
      return depth > 2 ? {} : randomObject(r, depth + 1);
    case 9:
      return [
        {
          key: randomValue(r, 3),
          value: randomValue(r, 3),
          timestamp: randomValue(r, 3),
          step: randomValue(r, 3),
        },
      ];
    case 10:
      return '0123456789abcdef0123456789abcdef';
    case 11:
      return 'm-0123456789abcdef0123456789abcdef';
    case 12:
      return Array.from({ length: 1200 }, () => ({ key: 'k', value: 1, timestamp: 1 }));
    default:
      return Math.floor(r() * 100);
  }
}

function randomObject(r: () => number, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = Math.floor(r() * 6);
  for (let i = 0; i < n; i++) out[FIELDS[Math.floor(r() * FIELDS.length)]!] = randomValue(r, depth);
  return out;
}

const MALFORMED = [
  '{',
  '[]',
  '"just a string"',
  'null',
  '{"a":}',
  '\u0000\u0001',
  '{"name": NaN}',
  'x'.repeat(2000),
  '{"metrics": [1,2,3]}',
  '"{\\"name\\": 5}"',
];

for (const backend of STORE_BACKENDS) {
  describe(`fuzzing every MLflow endpoint on ${backend.name}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(backend);
    });
    afterAll(async () => t?.close());

    it('never answers 5xx to random or malformed bodies', async () => {
      const r = rng(20261122);
      let requests = 0;
      for (const rpc of mlflowRpcs) {
        const methods = Array.isArray(rpc.method) ? rpc.method : [rpc.method];
        for (const method of methods) {
          for (let i = 0; i < 40; i++) {
            const path = `/api/2.0/mlflow${rpc.path.replace(/:(\w+)/g, () => (r() < 0.5 ? 'm-0123456789abcdef0123456789abcdef' : encodeURIComponent(String(randomValue(r, 3)))))}`;
            const body = i < MALFORMED.length ? MALFORMED[i]! : JSON.stringify(randomObject(r));
            const init: RequestInit = {
              method,
              headers: { 'content-type': r() < 0.9 ? 'application/json' : 'text/plain' },
            };
            let url = path;
            if (method === 'GET') {
              const query = new URLSearchParams();
              for (const [k, v] of Object.entries(randomObject(r)))
                query.append(k, typeof v === 'string' ? v : JSON.stringify(v));
              url = `${path}?${query}`;
            } else {
              init.body = body;
            }
            const res = await t.app.request(url, init);
            requests++;
            expect(
              res.status,
              `${method} ${url} body=${String(init.body).slice(0, 200)} → ${await res.clone().text()}`,
            ).toBeLessThan(500);
            const json = (await res.json()) as Record<string, unknown>;
            if (res.status >= 400)
              expect(json).toMatchObject({ error_code: expect.any(String), message: expect.any(String) });
          }
        }
      }
      expect(requests).toBeGreaterThan(1000);
    });
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, OPENAPI } from '../../src/server/openapi.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { fuzzer, MALFORMED, rng } from '../support/fuzz.js';
import { STORE_BACKENDS } from '../support/stores.js';

const sqlite = STORE_BACKENDS.find((b) => b.name === 'sqlite')!;

/** Every field the document names: request body properties and query parameters, plus near misses. */
const FIELDS = [
  ...new Set([
    ...Object.values(OPENAPI.components.schemas).flatMap((s) => Object.keys(s.properties ?? {})),
    ...Object.values(OPENAPI.paths).flatMap((item) =>
      Object.values(item).flatMap((op) => (op!.parameters ?? []).map((p) => p.name)),
    ),
    'experiment_id',
    'run_id',
    'sourceType',
    'modelId',
  ]),
];
const { randomValue, randomObject } = fuzzer(FIELDS);

describe('fuzzing every native API operation on sqlite', () => {
  let t: TestApp;
  let runId: string;
  beforeAll(async () => {
    t = await startTestApp(sqlite);
    runId = (await t.services.runs.create({})).info.runId;
  });
  afterAll(async () => t?.close());

  it('never answers 5xx to random or malformed input', async () => {
    const r = rng(20261123);
    let requests = 0;
    for (const [path, item] of Object.entries(OPENAPI.paths)) {
      for (const verb of Object.keys(item)) {
        for (let i = 0; i < 40; i++) {
          const concrete = path.replace(/\{(\w+)\}/g, (_m, name: string) => {
            const roll = r();
            if (roll < 0.3) return name === 'id' && path.startsWith('/runs') ? runId : '0';
            return encodeURIComponent(String(randomValue(r, 3)));
          });
          const query = new URLSearchParams();
          for (const [k, v] of Object.entries(randomObject(r)))
            query.append(k, typeof v === 'string' ? v : JSON.stringify(v));
          const url = `${API_PREFIX}${concrete}?${query}`;
          const method = verb.toUpperCase();
          const init: RequestInit = {
            method,
            headers: { 'content-type': r() < 0.9 ? 'application/json' : 'text/plain' },
          };
          if (method === 'POST' || method === 'PATCH')
            init.body = i < MALFORMED.length ? MALFORMED[i]! : JSON.stringify(randomObject(r));
          const res = await t.app.request(url, init);
          requests++;
          const text = await res.text();
          expect(
            res.status,
            `${method} ${url.slice(0, 300)} body=${String(init.body).slice(0, 200)} → ${text}`,
          ).toBeLessThan(500);
          if (res.status >= 400)
            expect(JSON.parse(text)).toMatchObject({
              error_code: expect.any(String),
              message: expect.any(String),
            });
        }
      }
    }
    expect(requests).toBeGreaterThan(500);
  });
});

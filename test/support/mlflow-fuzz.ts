import { mlflowRpcs } from '../../src/compat/mlflow/mount.js';
import type { TestApp } from './app.js';
import { fuzzer, MALFORMED, rng } from './fuzz.js';

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

const { randomValue, randomObject } = fuzzer(FIELDS);

/**
 * One seeded pass over every MLflow RPC with random and malformed requests (40 per RPC and method); each response goes
 * to `check`. Returns the number of requests.
 */
export async function fuzzRound(
  t: TestApp,
  seed: number,
  check: (res: Response, describe: () => Promise<string>) => Promise<void>,
): Promise<number> {
  const r = rng(seed);
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
        await check(
          res,
          async () =>
            `${method} ${url} body=${String(init.body).slice(0, 200)} → ${await res.clone().text()}`,
        );
      }
    }
  }
  return requests;
}

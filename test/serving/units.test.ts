import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/serving/batching.js';
import { ServingError } from '../../src/serving/errors.js';
import { flatten } from '../../src/serving/frame.js';
import { ServingMetrics } from '../../src/serving/metrics.js';
import { buildModelSpec } from '../../src/serving/model-spec.js';
import { parseModelUri } from '../../src/serving/model-uri.js';
import { mirrors, pickRoute, stickyPoint } from '../../src/serving/router.js';

describe('pickRoute', () => {
  it('splits [0, 1) by cumulative weight', () => {
    const routes = [{ weight: 90 }, { weight: 10 }];
    expect(pickRoute(routes, 0)).toBe(0);
    expect(pickRoute(routes, 0.8999)).toBe(0);
    expect(pickRoute(routes, 0.9)).toBe(1);
    expect(pickRoute(routes, 0.99999)).toBe(1);
    expect(pickRoute([{ weight: 0 }, { weight: 5 }], 0)).toBe(1);
    expect(pickRoute([{ weight: 0 }], 0.5)).toBe(-1);
    expect(pickRoute([], 0.5)).toBe(-1);
  });

  it('gives each route its share over many draws', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 10_000; i++)
      counts[pickRoute([{ weight: 1 }, { weight: 2 }, { weight: 7 }], i / 10_000)]!++;
    expect(counts).toEqual([1000, 2000, 7000]);
  });

  it('maps sticky keys to stable, spread points', () => {
    expect(stickyPoint('user-1')).toBe(stickyPoint('user-1'));
    const points = Array.from({ length: 1000 }, (_, i) => stickyPoint(`user-${i}`));
    expect(points.every((p) => p >= 0 && p < 1)).toBe(true);
    const low = points.filter((p) => p < 0.5).length;
    expect(low).toBeGreaterThan(400);
    expect(low).toBeLessThan(600);
    expect(mirrors(100, 0.999)).toBe(true);
    expect(mirrors(0, 0)).toBe(false);
    expect(mirrors(30, 0.29)).toBe(true);
    expect(mirrors(30, 0.3)).toBe(false);
  });
});

describe('Batcher', () => {
  const options = { maxBatchSize: 4, maxQueueDelayMs: 0, maxQueueSize: 10, timeoutMs: 1000 };

  it('runs at most maxInFlight batches and stacks what queued meanwhile, up to maxBatchSize rows', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const b = new Batcher<number, number>(options, 1, async (items) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      return { results: items.map((x) => x * 10), computeMs: 0 };
    });
    const all = [b.submit(1, 1)];
    await new Promise((r) => setImmediate(r));
    all.push(...[2, 3, 4, 5, 6].map((x) => b.submit(x, 1)));
    await new Promise((r) => setImmediate(r));
    expect(b.inFlight).toBe(1);
    expect(b.queued).toBe(5);
    release();
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(batches).toEqual([[1], [2, 3, 4, 5], [6]]);
    await b.idle();
  });

  it('sends what arrived in one event-loop turn as one batch, even with runtime slots free', async () => {
    const batches: number[][] = [];
    const b = new Batcher<number, number>(options, 2, async (items) => {
      batches.push(items);
      return { results: items, computeMs: 0 };
    });
    const first = [1, 2, 3].map((x) => b.submit(x, 1));
    expect(b.inFlight).toBe(0);
    await Promise.all(first);
    await Promise.all([b.submit(4, 1), b.submit(5, 1)]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('waits up to maxQueueDelayMs for a fuller batch', async () => {
    const batches: number[][] = [];
    const b = new Batcher<number, number>({ ...options, maxQueueDelayMs: 30 }, 1, async (items) => {
      batches.push(items);
      return { results: items, computeMs: 0 };
    });
    await Promise.all([b.submit(1, 1), new Promise((r) => setTimeout(r, 5)).then(() => b.submit(2, 2))]);
    expect(batches).toEqual([[1, 2]]);
  });

  it('refuses beyond maxQueueSize with QUEUE_FULL and a retry hint', async () => {
    const b = new Batcher<number, number>(
      { ...options, maxQueueSize: 1 },
      1,
      () => new Promise(() => undefined),
    );
    void b.submit(1, 1).catch(() => undefined);
    await new Promise((r) => setImmediate(r));
    void b.submit(2, 1).catch(() => undefined);
    const err = await b.submit(3, 1).catch((e: ServingError) => e);
    expect(err).toBeInstanceOf(ServingError);
    expect((err as ServingError).code).toBe('QUEUE_FULL');
    expect((err as ServingError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it('times out from arrival, queued or running; a runtime error fails the whole batch', async () => {
    const b = new Batcher<number, number>(
      { ...options, timeoutMs: 20 },
      1,
      () => new Promise(() => undefined),
    );
    const running = b.submit(1, 1).catch((e: ServingError) => e.message);
    await new Promise((r) => setImmediate(r));
    const queued = b.submit(2, 1).catch((e: ServingError) => e.message);
    const t0 = performance.now();
    expect(await running).toMatch(/within 20 ms \(inference running\)/);
    expect(await queued).toMatch(/within 20 ms \(still queued\)/);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(15);
    expect(b.queued).toBe(0);
    const failing = new Batcher<number, number>(options, 1, async () => {
      throw new Error('boom');
    });
    await expect(failing.submit(1, 1)).rejects.toMatchObject({
      code: 'INFERENCE_FAILED',
      message: 'Inference failed: boom',
    });
  });
});

describe('model specs', () => {
  const X = { name: 'X', type: 'float32', shape: ['N', 3] as (string | number)[] };
  const y = { name: 'y', type: 'float32', shape: ['N', 1] as (string | number)[] };

  it('reads shapes and datatypes from the graph, and knows when it batches', () => {
    expect(buildModelSpec([X], [y])).toEqual({
      inputs: [{ name: 'X', datatype: 'FP32', shape: [-1, 3] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }],
      batchable: true,
    });
    expect(buildModelSpec([{ ...X, shape: [1, 3] }], [y]).batchable).toBe(false);
  });

  it('refuses signatures that cannot feed the graph, naming both sides', () => {
    const cols = (n: number, type: 'double' | 'string' = 'double') => ({
      inputs: Array.from({ length: n }, (_, i) => ({ type, name: `c${i}` })),
    });
    expect(buildModelSpec([X], [y], cols(3)).columns).toHaveLength(3);
    expect(() => buildModelSpec([X], [y], cols(4))).toThrow(
      /4 column\(s\) but the ONNX input 'X' \[-1, 3\] takes 3 features/,
    );
    expect(() => buildModelSpec([X], [y], cols(3, 'string'))).toThrow(
      /Column 'c0' is string, which cannot feed the ONNX input 'X' of FP32/,
    );
    expect(() =>
      buildModelSpec([X], [y], {
        inputs: [{ type: 'tensor', 'tensor-spec': { dtype: 'float64', shape: [-1, 3] } }],
      }),
    ).toThrow(/declares input '0' as float64 \(FP64\) but the ONNX input 'X' is FP32/);
    expect(() =>
      buildModelSpec([X], [{ name: 'z', type: 'non-tensor (e.g. a ZipMap sequence of maps)', shape: [] }]),
    ).toThrow(/output 'z' has type non-tensor \(e.g. a ZipMap sequence of maps\), which is not served/);
  });
});

describe('parseModelUri', () => {
  it('takes versions, aliases, latest and stages; refuses anything else', () => {
    expect(parseModelUri('models:/fd/3')).toEqual({ name: 'fd', ref: '3' });
    expect(parseModelUri('models:/fd@champion')).toEqual({ name: 'fd', ref: '@champion' });
    expect(parseModelUri('models:/fd/latest')).toEqual({ name: 'fd', ref: 'latest' });
    expect(parseModelUri('models:/fd/Production')).toEqual({ name: 'fd', ref: 'Production' });
    for (const bad of [
      'fd/3',
      'models:/fd',
      'models:/fd/0',
      'models:/fd/x y',
      'runs:/a/b',
      'models:/@x',
      'models:/fd@',
    ])
      expect(() => parseModelUri(bad), bad).toThrow(/expected models:\/<name>\/<version>/);
  });
});

describe('flatten', () => {
  it('turns nesting into a shape and refuses ragged data', () => {
    expect(
      flatten(
        [
          [1, 2],
          [3, 4],
        ],
        'x',
      ),
    ).toEqual({ shape: [2, 2], data: [1, 2, 3, 4] });
    expect(flatten(5, 'x')).toEqual({ shape: [], data: [5] });
    expect(() => flatten([[1, 2], [3]], 'x')).toThrow(/ragged/);
    expect(() => flatten([[1, 2], 3], 'x')).toThrow(/ragged/);
  });
});

describe('ServingMetrics', () => {
  it('renders Prometheus text with escaped labels and cumulative histogram buckets', () => {
    const m = new ServingMetrics();
    const s = m.forModel('a"b', '1');
    s.success(3);
    s.success(30);
    s.failure('INVALID');
    s.batch(5, 2, 0.4, [0.1, 0.2]);
    const text = m.render();
    expect(text).toContain('nv_inference_request_success{model="a\\"b",version="1"} 2');
    expect(text).toContain('nv_inference_request_failure{model="a\\"b",version="1",reason="INVALID"} 1');
    expect(text).toContain('nv_inference_request_duration_ms_bucket{model="a\\"b",version="1",le="5"} 1');
    expect(text).toContain('nv_inference_request_duration_ms_bucket{model="a\\"b",version="1",le="50"} 2');
    expect(text).toContain('nv_inference_request_duration_ms_bucket{model="a\\"b",version="1",le="+Inf"} 2');
    expect(text).toContain('nv_inference_request_duration_ms_sum{model="a\\"b",version="1"} 33');
    expect(text).toContain('nv_inference_batch_size_bucket{model="a\\"b",version="1",le="4"} 0');
    expect(text).toContain('nv_inference_count{model="a\\"b",version="1"} 5');
    expect(text).toContain('nv_inference_queue_duration_us{model="a\\"b",version="1"} 300');
    expect(text.endsWith('\n')).toBe(true);
  });
});

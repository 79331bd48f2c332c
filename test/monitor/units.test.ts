import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { LocalArtifactStore } from '../../src/artifacts/local/local-artifact-store.js';
import { uuidv7, uuidv7Time } from '../../src/core/ids.js';
import { ProfileBuilder } from '../../src/data/profile/profile.js';
import { breachedRules } from '../../src/monitor/alert-rules.js';
import { ColumnBuffer } from '../../src/monitor/column-buffer.js';
import { applyConfig, DEFAULT_CONFIG } from '../../src/monitor/config.js';
import { MonitorConfigStore } from '../../src/monitor/config-store.js';
import { MonitorEvaluator } from '../../src/monitor/evaluator.js';
import { type IngestOptions, MonitorIngest } from '../../src/monitor/ingest.js';
import { cbpe, performanceOf } from '../../src/monitor/performance.js';
import { PredictionBuffer, predictionRows } from '../../src/monitor/prediction-buffer.js';
import { appendTensors, tensorColumns } from '../../src/monitor/record-columns.js';
import { ReferenceCache } from '../../src/monitor/reference.js';
import { deliver, isBlockedAddress, resolveTarget, signature } from '../../src/monitor/webhooks.js';
import type { WindowJob } from '../../src/monitor/window-profile.js';
import { WindowProfiler } from '../../src/monitor/window-profiler.js';
import { type WindowWrite, writeWindow } from '../../src/monitor/window-write.js';
import { estimateFromProfile } from '../../src/monitor/windows.js';
import type { PredictionRecord } from '../../src/serving/payload-hook.js';
import type { Store } from '../../src/store/open-store.js';
import { STORE_BACKENDS } from '../support/stores.js';
import { webhookReceiver } from './live-support.js';

describe('tensors to columns', () => {
  it('names the columns of a single [N,K] input by the signature and splits probabilities by class', () => {
    const cols = tensorColumns(
      [{ name: 'X', datatype: 'FP32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) }],
      { columns: ['a', 'b', 'c'] },
      'input',
    );
    expect(cols.map((c) => [c.name, Array.from(c.values as Float64Array)])).toEqual([
      ['a', [1, 4]],
      ['b', [2, 5]],
      ['c', [3, 6]],
    ]);
    const out = tensorColumns(
      [{ name: 'probabilities', datatype: 'FP32', shape: [1, 2], data: new Float32Array([0.25, 0.75]) }],
      { classes: ['no', 'yes'] },
      'output',
    );
    expect(out.map((c) => c.name)).toEqual(['probabilities[no]', 'probabilities[yes]']);
  });

  it('profiles a column that disappears as missing, and a constant column exactly', () => {
    const buffer = new ColumnBuffer();
    buffer.append(
      [
        { name: 'x', kind: 'float', values: [1, 2] },
        { name: 'k', kind: 'float', values: [7, 7] },
      ],
      2,
    );
    buffer.append([{ name: 'k', kind: 'float', values: [7] }], 1);
    buffer.append(
      [
        { name: 's', kind: 'string', values: ['u'] },
        { name: 'k', kind: 'float', values: [7] },
      ],
      1,
    );
    const b = new ProfileBuilder();
    b.add(buffer.toBatch());
    const p = b.build();
    const col = (n: string) => p.columns.find((c) => c.name === n)!;
    expect(p.rows).toBe(4);
    expect([col('x').count, col('x').missing]).toEqual([4, 2]);
    expect([col('s').count, col('s').missing]).toEqual([4, 3]);
    expect(col('k').numeric).toMatchObject({ count: 4, mean: 7, min: 7, max: 7 });
    expect(col('k').summary.variance).toBe(0);
  });

  it('appends tensors straight into the buffer exactly as tensorColumns splits them', () => {
    const meta = { columns: ['a', 'b'], classes: ['no', 'yes'] };
    const requests = [
      {
        inputs: [
          { name: 'X', datatype: 'FP32' as const, shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
        ],
        outputs: [
          { name: 'label', datatype: 'BYTES' as const, shape: [2], data: ['no', 'yes'] },
          {
            name: 'probabilities',
            datatype: 'FP32' as const,
            shape: [2, 2],
            data: new Float32Array([0.5, 0.5, 0.25, 0.75]),
          },
        ],
      },
      {
        inputs: [
          { name: 'X', datatype: 'FP32' as const, shape: [1, 2], data: new Float32Array([5, Number.NaN]) },
        ],
        outputs: [{ name: 'label', datatype: 'INT64' as const, shape: [1], data: new BigInt64Array([3n]) }],
      },
    ];
    const direct = { inputs: new ColumnBuffer(), outputs: new ColumnBuffer() };
    const split = { inputs: new ColumnBuffer(), outputs: new ColumnBuffer() };
    for (const r of requests) {
      appendTensors(direct.inputs, r.inputs, meta, 'input');
      appendTensors(direct.outputs, r.outputs, meta, 'output');
      split.inputs.append(tensorColumns(r.inputs, meta, 'input'), r.inputs[0]!.shape[0]!);
      split.outputs.append(tensorColumns(r.outputs, meta, 'output'), r.outputs[0]!.shape[0]!);
    }
    expect(direct.inputs.toBatch()).toEqual(split.inputs.toBatch());
    expect(direct.outputs.toBatch()).toEqual(split.outputs.toBatch());
    const outputs = direct.outputs.toBatch();
    expect(outputs.columns.map((c) => c.name)).toEqual(['label', 'probabilities[no]', 'probabilities[yes]']);
    // 'label' was strings, then a number: kept as strings; the third row had no probabilities.
    expect(outputs.columns[0]).toMatchObject({ type: 'string', dictionary: ['no', 'yes', '3'] });
    expect(Array.from((outputs.columns[2] as { values: Float64Array }).values)).toEqual([
      0.5,
      0.75,
      Number.NaN,
    ]);
  });
});

describe('window profiling off the event loop', () => {
  const job = (): WindowJob => {
    const buffer = new ColumnBuffer();
    for (let i = 0; i < 3000; i++)
      buffer.append(
        [
          { name: 'x', kind: 'float', values: [Math.sin(i)] },
          { name: 'c', kind: 'string', values: [i % 3 ? 'a' : 'b'] },
        ],
        1,
      );
    return {
      inputs: buffer.toBatch(),
      outputs: null,
      latency: Float64Array.from({ length: 3000 }, (_, i) => i % 10),
      requests: 3000,
      errors: 2,
    };
  };

  const write = (job: WindowJob, window_start = 60_000): WindowWrite => ({
    key: { deployment: 'd', model_version: '1', shadow: 0, window_start, replica: 'r' },
    model: 'm',
    windowMs: 60_000,
    job,
    now: 1,
  });
  const rowsOf = (store: Store) =>
    store.db
      .selectFrom('monitor_windows')
      .select(['window_start', 'requests', 'errors', 'inputs', 'outputs', 'latency'])
      .orderBy('window_start')
      .execute();

  it('writes in the worker thread, through its own connection, the same merged row as on the calling thread', async () => {
    const [threadedStore, hereStore] = [await STORE_BACKENDS[0]!.open(), await STORE_BACKENDS[0]!.open()];
    const threaded = new WindowProfiler();
    try {
      for (let i = 0; i < 2; i++) {
        expect(await threaded.write(threadedStore.uri, write(job()), () => Promise.reject())).toEqual({
          ok: true,
        });
        expect(await writeWindow(hereStore.db, write(job()))).toEqual({ ok: true });
      }
      expect(threaded.threaded).toBe(true);
      const [a, b] = [await rowsOf(threadedStore), await rowsOf(hereStore)];
      expect(a).toEqual(b);
      expect(a).toHaveLength(1);
      expect([a[0]!.requests, a[0]!.errors, JSON.parse(a[0]!.inputs).rows]).toEqual([6000, 4, 6000]);
      const purge = threadedStore.db
        .deleteFrom('monitor_windows')
        .where('window_start', '<', 120_000)
        .compile();
      const purged = await threaded.execute(threadedStore.uri, purge, () => Promise.reject());
      expect(Number(purged.numAffectedRows)).toBe(1);
    } finally {
      await threaded.close();
      await threadedStore.close();
      await hereStore.close();
    }
  });

  it('reports a failed write with the profiles it built, so that the next flush can carry them', async () => {
    const store = await STORE_BACKENDS[0]!.open();
    try {
      await sql`create trigger refuse before insert on monitor_windows begin select raise(abort, 'disk on fire'); end`.execute(
        store.db,
      );
      const outcome = await writeWindow(store.db, write(job()));
      expect(outcome).toMatchObject({ ok: false, error: 'disk on fire' });
      expect(!outcome.ok && outcome.delta?.requests).toBe(3000);
      await store.db.schema.dropTable('monitor_windows').execute();
      // Nothing was read, so nothing was profiled: the rows themselves are carried.
      expect(await writeWindow(store.db, write(job()))).toEqual({
        ok: false,
        error: expect.stringMatching(/monitor_windows/),
      });
    } finally {
      await store.close();
    }
  });

  it('writes on the calling thread when the worker cannot start, losing no job, and says so once', async () => {
    const store = await STORE_BACKENDS[0]!.open();
    const logged: string[] = [];
    const profiler = new WindowProfiler({
      entry: new URL('./no-such-worker.js', import.meta.url).href,
      log: (event) => logged.push(event),
    });
    try {
      const here = (w: WindowWrite) => () => writeWindow(store.db, w);
      const [a, b] = [write(job(), 0), write(job(), 60_000)];
      expect(
        await Promise.all([profiler.write(store.uri, a, here(a)), profiler.write(store.uri, b, here(b))]),
      ).toEqual([{ ok: true }, { ok: true }]);
      expect(profiler.threaded).toBe(false);
      const c = write(job(), 60_000);
      expect(await profiler.write(store.uri, c, here(c))).toEqual({ ok: true });
      expect((await rowsOf(store)).map((r) => [r.window_start, r.requests])).toEqual([
        [0, 3000],
        [60_000, 6000],
      ]);
      expect(logged).toEqual(['profile_worker_failed']);
    } finally {
      await profiler.close();
      await store.close();
    }
  });
});

describe('configuration', () => {
  it('names the field, the value and what is valid', () => {
    expect(() => applyConfig(DEFAULT_CONFIG, { windowMs: 10 })).toThrow(
      /Invalid windowMs 10: expected an integer between 1000 and 86400000/,
    );
    expect(() => applyConfig(DEFAULT_CONFIG, { window: 1000 })).toThrow(
      /Unknown monitoring setting "window"/,
    );
    expect(() => applyConfig(DEFAULT_CONFIG, { alerts: [{ name: 'x', kind: 'drift' }] })).toThrow(
      /Invalid alerts\[0\].kind "drift": expected one of drift_share, feature_drift/,
    );
    expect(() =>
      applyConfig(DEFAULT_CONFIG, { alerts: [{ name: 'x', kind: 'performance', metric: 'auc', below: 1 }] }),
    ).toThrow(/Invalid alerts\[0\].metric "auc"/);
    expect(() =>
      applyConfig(DEFAULT_CONFIG, { webhooks: [{ url: 'file:///etc/passwd', secret: 'x'.repeat(16) }] }),
    ).toThrow(/only http:\/\/ and https:\/\//);
    expect(() => applyConfig(DEFAULT_CONFIG, { webhooks: [{ url: 'https://example.com/h' }] })).toThrow(
      /secret is required/,
    );
    const kept = applyConfig(
      applyConfig(DEFAULT_CONFIG, { webhooks: [{ url: 'https://example.com/h', secret: 's'.repeat(20) }] }),
      { webhooks: [{ url: 'https://example.com/h' }], sampleRate: 0.5 },
    );
    expect(kept.webhooks[0]!.secret).toBe('s'.repeat(20));
    expect(kept.sampleRate).toBe(0.5);
    expect(kept.windowMs).toBe(60_000);
  });
});

describe('alert rules', () => {
  it('fire above or below their bound; drift share at or above it', () => {
    const fired = breachedRules(
      [
        { name: 'share', kind: 'drift_share', above: 0.5 },
        { name: 'f', kind: 'feature_drift', feature: 'x' },
        { name: 'acc', kind: 'performance', metric: 'accuracy', below: 0.8 },
        { name: 'est', kind: 'performance', metric: 'f1', below: 0.8, estimated: true },
        { name: 'dp', kind: 'bias', metric: 'demographic_parity_difference', above: 0.2 },
        { name: 'err', kind: 'error_rate', above: 0.01 },
        { name: 'p99', kind: 'latency_p99', above: 100 },
      ],
      {
        driftShare: 0.5,
        columns: { x: { score: 0.3, drifted: true } },
        performance: { accuracy: 0.9 },
        estimated: { f1: 0.7 },
        bias: { demographic_parity_difference: 0.25 },
        errorRate: 0.01,
        latencyP99: 120,
      },
    );
    expect(fired.map((f) => f.rule.name)).toEqual(['share', 'f', 'est', 'dp', 'p99']);
    expect(fired[0]!.message).toBe('The share of drifted columns is 0.5, at or above 0.5.');
  });
});

describe('performance', () => {
  it('estimates binary performance with CBPE from weighted scores alone', () => {
    // Perfectly calibrated scores: 10 rows at 0.9 (predicted "yes"), 10 at 0.2 (predicted "no").
    const est = cbpe([0.9, 0.2], [10, 10], false)!;
    // Expected TP 9, FP 1, FN 2, TN 8.
    expect(est.accuracy).toBeCloseTo(17 / 20, 12);
    expect(est.precision).toBeCloseTo(0.9, 12);
    expect(est.recall).toBeCloseTo(9 / 11, 12);
    expect(est.specificity).toBeCloseTo(8 / 9, 12);
    // Expected ROC curve: (0,0) → (1/9, 9/11) → (1,1).
    expect(est.roc_auc).toBeCloseTo(((1 / 9) * (9 / 11)) / 2 + (8 / 9) * ((9 / 11 + 1) / 2), 12);
    // The same from a window's output profile: the KLL sketch of probabilities[yes] holds the 20 values exactly.
    const b = new ProfileBuilder();
    const yes = Float64Array.from([...Array(10).fill(0.9), ...Array(10).fill(0.2)]);
    b.add({
      columns: [
        { name: 'probabilities[no]', type: 'float', values: yes.map((p) => 1 - p) },
        { name: 'probabilities[yes]', type: 'float', values: yes },
      ],
      numRows: 20,
      rowOffset: 0,
    });
    expect(estimateFromProfile(b.build(), DEFAULT_CONFIG)!.accuracy).toBeCloseTo(17 / 20, 12);
    // With "no" as the positive class the estimate is of that class.
    const no = estimateFromProfile(b.build(), { ...DEFAULT_CONFIG, positiveClass: 'no' })!;
    expect(no.precision).toBeCloseTo(8 / 10, 12);
  });

  it('computes regression metrics once values arrive', () => {
    const r = performanceOf([
      { output: { task: 'regression', y: [1, 2] }, label: [1, 4] },
      { output: { task: 'regression', y: [3] } },
    ])!;
    expect(r).toMatchObject({ rows: 3, labeledRows: 2, metrics: { mae: 1, rmse: Math.sqrt(2) } });
  });
});

describe('webhooks', () => {
  it("signs with MLflow's convention", () => {
    const sig = signature('k'.repeat(16), 'id', 1700000000, '{"a":1}');
    expect(sig).toBe(
      `v1,${createHmac('sha256', 'k'.repeat(16)).update('id.1700000000.{"a":1}').digest('base64')}`,
    );
  });

  it('refuses loopback, private and link-local targets unless allowed, checking every resolved address', async () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
    ])
      expect(isBlockedAddress(a), a).toBe(true);
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700::1111']) expect(isBlockedAddress(a), a).toBe(false);
    await expect(resolveTarget(new URL('http://localhost:9/x'))).rejects.toThrow(
      /loopback, private or link-local/,
    );
    await expect(resolveTarget(new URL('http://[::1]:9/x'))).rejects.toThrow(/MLOOP_WEBHOOK_ALLOWED_HOSTS/);
    await expect(resolveTarget(new URL('http://127.0.0.1:9/x'), ['127.0.0.1'])).resolves.toMatchObject({
      address: '127.0.0.1',
    });
    const receiver = await webhookReceiver();
    try {
      const refused = await deliver(
        { url: receiver.url, secret: 's'.repeat(16) },
        { entity: 'e', action: 'a', data: {} },
      );
      expect(refused).toMatchObject({ status: 'refused', attempts: 0 });
      expect(receiver.received).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });

  it('retries 5xx answers and reports the last status', async () => {
    const receiver = await webhookReceiver(503);
    try {
      const r = await deliver(
        { url: receiver.url, secret: 's'.repeat(16) },
        { entity: 'e', action: 'a', data: {} },
        { allowedHosts: ['127.0.0.1'], attempts: 3, backoffMs: 1 },
      );
      expect(r).toMatchObject({ status: 'failed', attempts: 3, httpStatus: 503 });
      expect(receiver.received).toHaveLength(3);
    } finally {
      await receiver.close();
    }
  });
});

describe('prediction ids', () => {
  it('are UUIDv7 whose time can be read back', () => {
    const id = uuidv7(1_700_000_000_123);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidv7Time(id)).toBe(1_700_000_000_123);
    expect(uuidv7Time('not-an-id')).toBeUndefined();
  });
});

/** An ingest path on `store` that logs nowhere. */
const ingestOn = (store: Store, opts: IngestOptions) =>
  new MonitorIngest(
    store,
    new LocalArtifactStore(mkdtempSync(join(tmpdir(), 'mloop-mon-'))),
    new MonitorConfigStore(store),
    { ...opts, log: () => undefined },
  );

/** A one-row prediction of deployment d (model m, version 1): input x, output variable. */
const prediction = (predictionId: string, timestamp: number, x: number, y: number): PredictionRecord => ({
  predictionId,
  deployment: 'd',
  model: 'm',
  modelVersion: '1',
  shadow: false,
  timestamp,
  latencyMs: 1,
  inputs: [{ name: 'x', datatype: 'FP64', shape: [1], data: new Float64Array([x]) }],
  outputs: [{ name: 'variable', datatype: 'FP64', shape: [1], data: new Float64Array([y]) }],
});

describe('ingest queue', () => {
  it('drops and counts records beyond its bound without waiting, and processes the rest', async () => {
    const store = await STORE_BACKENDS[0]!.open();
    try {
      const ingest = ingestOn(store, { queueSize: 3 });
      const record = (i: number) => prediction(`p${i}`, Date.now(), i, i);
      const started = performance.now();
      for (let i = 0; i < 10; i++) ingest.onPrediction(record(i));
      expect(performance.now() - started).toBeLessThan(50);
      expect(ingest.counters).toMatchObject({ received: 10, dropped: 7 });
      await ingest.drainAndFlush();
      expect(ingest.counters.processed).toBe(3);
      expect(ingest.renderMetrics()).toMatch(/^mloop_monitor_dropped_total 7$/m);
      const rows = await store.db.selectFrom('monitor_predictions').select('prediction_id').execute();
      expect(rows.map((r) => r.prediction_id).sort()).toEqual(['p0', 'p1', 'p2']);
    } finally {
      await store.close();
    }
  });
});

describe('window writes', () => {
  it('merges an open window into its row only when due, an ended one at the next flush, everything on drain', async () => {
    const store = await STORE_BACKENDS[0]!.open();
    try {
      const ingest = ingestOn(store, { windowWriteMs: 3_600_000 });
      const record = (id: string, timestamp: number) => prediction(id, timestamp, 1, 2);
      const windows = async () =>
        (await store.db.selectFrom('monitor_windows').select(['window_start', 'requests']).execute()).map(
          (r) => Number(r.requests),
        );
      const now = Date.now();
      ingest.onPrediction(record('ended', now - 3 * DEFAULT_CONFIG.windowMs));
      ingest.onPrediction(record('open', now));
      while (ingest.counters.processed < 2) await new Promise((r) => setImmediate(r));
      await ingest.flush();
      // Both predictions are stored at once; of the windows, only the one that has ended.
      expect(await store.db.selectFrom('monitor_predictions').select('prediction_id').execute()).toHaveLength(
        2,
      );
      expect(await windows()).toEqual([1]);
      await ingest.drainAndFlush();
      expect(await windows()).toEqual([1, 1]);
    } finally {
      await store.close();
    }
  });
});

describe('prediction retention', () => {
  for (const backend of STORE_BACKENDS)
    it(`purges each deployment's expired predictions, and only those (${backend.name})`, async () => {
      const store = await backend.open();
      try {
        const configs = new MonitorConfigStore(store);
        await configs.update('short', { retentionMs: 60_000 });
        const now = 10 * 86_400_000;
        const row = (deployment: string, id: string, timestamp: number) => ({
          prediction_id: id,
          shadow: 0,
          deployment,
          model_version: '1',
          timestamp,
          window_start: Math.floor(timestamp / 60_000) * 60_000,
          output: '{}',
          groups: null,
          label: null,
          label_time: null,
        });
        await store.db
          .insertInto('monitor_predictions')
          .values([
            row('short', 'old', now - 61_000),
            // Its window started before the cutoff, the prediction after it: kept.
            row('short', 'edge', now - 59_000),
            row('short', 'new', now - 1_000),
            row('long', 'week-old', now - 7 * 86_400_000 + 1_000),
            row('long', 'expired', now - 7 * 86_400_000 - 1_000),
            row('zeta', 'z', now - 1_000),
          ])
          .execute();
        const writes: string[] = [];
        const evaluator = new MonitorEvaluator({
          store,
          configs,
          references: new ReferenceCache({} as never),
          write: (q) => {
            writes.push(q.sql);
            return store.db.executeQuery(q);
          },
        });
        await evaluator.tick(now);
        const left = await store.db.selectFrom('monitor_predictions').select('prediction_id').execute();
        expect(left.map((r) => r.prediction_id).sort()).toEqual(['edge', 'new', 'week-old', 'z']);
        expect(writes).toHaveLength(3);
        expect(writes.every((q) => /^delete from "monitor_predictions"/.test(q))).toBe(true);
      } finally {
        await store.close();
      }
    });
});

describe('prediction buffer', () => {
  it('gives back every row as pushed, across growth, in any slice', () => {
    const buffer = new PredictionBuffer();
    const rows = Array.from({ length: 1500 }, (_, i) => ({
      prediction_id: `id-${i}`,
      shadow: i % 2,
      deployment: i % 3 ? 'dep' : 'dép-ü',
      model_version: String(i % 5),
      timestamp: 1_700_000_000_000 + i,
      window_start: 1_700_000_000_000,
      output: JSON.stringify({ task: 'classification', y: [i % 7 ? 'yes' : '🙂'], note: 'x'.repeat(i % 97) }),
      groups: i % 4 ? null : JSON.stringify(['a', '(missing)']),
    }));
    for (const r of rows) buffer.push(r);
    expect(buffer.rows).toBe(1500);
    const batch = buffer.take();
    expect(buffer.rows).toBe(0);
    const expected = rows.map((r) => ({ ...r, label: null, label_time: null }));
    expect(predictionRows(batch)).toEqual(expected);
    expect(predictionRows(batch, 500, 1000)).toEqual(expected.slice(500, 1000));
    // A slice that starts after a row whose last field is missing.
    expect(predictionRows(batch, 1, 3)).toEqual(expected.slice(1, 3));
    buffer.push(rows[7]!);
    expect(predictionRows(buffer.take())).toEqual([expected[7]]);
  });
});

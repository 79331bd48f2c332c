import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/config.js';
import { uuidv7 } from '../../src/core/ids.js';
import { type RunningServer, startServer } from '../../src/server/start.js';
import { json, waitFor } from '../support/serving.js';
import { STORE_BACKENDS } from '../support/stores.js';
import { oneRow, recordTrainingDataset, registerClassifier, webhookReceiver } from './live-support.js';

const SECRET = 'monitor-test-secret-0123456789';

for (const backend of STORE_BACKENDS) {
  describe(`live monitoring from serving (${backend.name})`, () => {
    let a: RunningServer;
    let b: RunningServer;
    let hook: Awaited<ReturnType<typeof webhookReceiver>>;
    const artifacts = mkdtempSync(join(tmpdir(), 'mloop-mon-artifacts-'));

    const api = async (server: RunningServer, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server.url}/api/v1${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: await json(res) };
    };
    const predict = async (server: RunningServer, x1: number, group: string) => {
      const res = await fetch(`${server.url}/v2/models/clf/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(oneRow(x1, group)),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { outputs: { data: string[] }[] };
      return { id: res.headers.get('x-mloop-prediction-id')!, label: body.outputs[0]!.data[0]! };
    };

    beforeAll(async () => {
      hook = await webhookReceiver();
      const uri = await backend.uri();
      const start = (evaluate: boolean) =>
        startServer(
          resolveConfig({
            home: mkdtempSync(join(tmpdir(), 'mloop-mon-')),
            store: uri,
            artifacts: `file://${artifacts}`,
            port: 0,
          }),
          { pollMs: 100, workers: 1, log: () => undefined },
          {
            ingest: { flushMs: 100 },
            evaluateMs: evaluate ? 100 : 3_600_000,
            evaluator: { graceMs: 200, webhooks: { allowedHosts: ['127.0.0.1'], backoffMs: 10 } },
          },
        );
      a = await start(true);
      b = await start(false);
      const { runId } = await registerClassifier(a.services, 'clf');
      await recordTrainingDataset(a.services, runId, 'train');
      await a.services.deployments.create({ name: 'clf', model: 'models:/clf/1' });
      for (const s of [a, b]) {
        await s.services.serving!.sync();
        await waitFor(
          async () => (await fetch(`${s.url}/v2/models/clf/ready`)).status === 200,
          60_000,
          'ready',
        );
      }
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await hook?.close();
    });

    it('merges the windows of two serving instances on one store, joins feedback, alerts once, signs webhooks', async () => {
      const config = await api(a, 'PATCH', '/deployments/clf/monitoring', {
        windowMs: 2000,
        sampleRate: 1,
        sensitiveColumn: 'group',
        cooldownMs: 3_600_000,
        alerts: [
          { name: 'accuracy', kind: 'performance', metric: 'accuracy', below: 0.99 },
          { name: 'slow', kind: 'latency_p99', above: 60_000 },
        ],
        webhooks: [{ url: hook.url, secret: SECRET }],
      });
      expect(config.status).toBe(200);
      expect(config.body.webhooks).toEqual([{ url: hook.url }]);
      // Instance b reads the config from the store after its cache expires; wait until it sees it.
      await waitFor(
        async () => (await b.services.monitoring.configs.get('clf')).windowMs === 2000,
        10_000,
        'config',
      );

      // Start at the beginning of a window so every request falls in it.
      await new Promise((r) => setTimeout(r, 2000 - (Date.now() % 2000) + 20));
      const sent: { id: string; label: string; x1: number; group: string }[] = [];
      for (let i = 0; i < 20; i++) {
        const x1 = (i - 10) / 5;
        const group = i % 2 ? 'a' : 'b';
        sent.push({ ...(await predict(i % 2 ? a : b, x1, group)), x1, group });
      }
      const start = Math.floor(Date.now() / 2000) * 2000;
      for (const s of [a, b]) await s.services.monitoring.ingest.drainAndFlush();

      const windows = await api(
        a,
        'GET',
        `/deployments/clf/monitoring/windows?from=${start - 4000}&profiles=true`,
      );
      expect(windows.status).toBe(200);
      const w = windows.body.items.find((x: { requests: number }) => x.requests > 0);
      expect(w).toMatchObject({
        modelVersion: '1',
        shadow: false,
        replicas: 2,
        requests: 20,
        rows: 20,
        errors: 0,
      });
      expect(w.inputs.columns.map((c: { name: string }) => c.name).sort()).toEqual(['group', 'x1']);
      expect(w.outputs.columns.map((c: { name: string }) => c.name)).toContain('probabilities[yes]');
      expect(w.latencyMs.p99).toBeGreaterThan(0);
      // The reference is the training data, found through lineage (version → run → dataset input).
      expect(w.reference).toEqual({ dataset: 'train@1', source: 'lineage' });
      expect(Object.keys(w.drift.columns).sort()).toEqual(['group', 'x1']);
      expect(w.performance).toMatchObject({
        task: 'classification',
        rows: 20,
        labeledRows: 0,
        metrics: null,
      });
      // CBPE estimates without any label.
      expect(w.performance.estimated.accuracy).toBeGreaterThan(0.5);
      expect(w.performance.estimated.accuracy).toBeLessThanOrEqual(1);

      // Ground truth arrives later: the truth is the opposite of the prediction for 5 of the 20 rows.
      const items = sent.map((p, i) => ({
        predictionId: p.id,
        label: i < 5 ? (p.label === 'yes' ? 'no' : 'yes') : p.label,
      }));
      const fb = await api(b, 'POST', '/feedback', { items });
      expect(fb).toEqual({ status: 201, body: { accepted: 20 } });
      const again = await api(a, 'POST', '/feedback', { predictionId: sent[0]!.id, label: 'yes' });
      expect(again.status).toBe(409);
      expect(again.body.message).toContain('already has feedback');

      const after = await api(a, 'GET', `/deployments/clf/monitoring/windows?from=${start - 4000}`);
      const perf = after.body.items.find((x: { requests: number }) => x.requests > 0).performance;
      expect(perf.labeledRows).toBe(20);
      expect(perf.metrics.accuracy).toBeCloseTo(15 / 20, 10);
      expect(perf.bias.column).toBe('group');
      expect(perf.bias.groups.map((g: { group: string }) => g.group)).toEqual(['a', 'b']);

      // The window closes; the evaluator (instance a) raises the accuracy alert once and delivers it signed.
      await waitFor(async () => hook.received.length > 0, 20_000, 'webhook');
      const delivery = hook.received[0]!;
      const id = delivery.headers['x-mlflow-delivery-id'] as string;
      const ts = delivery.headers['x-mlflow-timestamp'] as string;
      const expected = `v1,${createHmac('sha256', SECRET).update(`${id}.${ts}.${delivery.body}`).digest('base64')}`;
      expect(delivery.headers['x-mlflow-signature']).toBe(expected);
      const payload = JSON.parse(delivery.body);
      expect(payload).toMatchObject({
        entity: 'monitor_alert',
        action: 'triggered',
        data: { rule: 'accuracy' },
      });
      expect(payload.data.value).toBeCloseTo(0.75, 10);

      const alerts = await api(a, 'GET', '/alerts?deployment=clf');
      expect(alerts.body.items).toHaveLength(1);
      expect(alerts.body.items[0]).toMatchObject({ rule: 'accuracy', kind: 'performance', bound: 0.99 });
      expect(alerts.body.items[0].deliveries).toEqual([
        { url: hook.url, status: 'delivered', attempts: 1, httpStatus: 200 },
      ]);

      // A later window breaks the rule again (10 wrong answers), but the cool-down keeps it quiet.
      await new Promise((r) => setTimeout(r, 2000 - (Date.now() % 2000) + 20));
      const start2 = Math.floor(Date.now() / 2000) * 2000;
      const next: { id: string; label: string }[] = [];
      for (let i = 0; i < 10; i++) next.push(await predict(a, 1.5, 'a'));
      await a.services.monitoring.ingest.drainAndFlush();
      const wrong = next.map((p) => ({ predictionId: p.id, label: p.label === 'yes' ? 'no' : 'yes' }));
      expect((await api(a, 'POST', '/feedback', { items: wrong })).status).toBe(201);
      const again2 = await a.services.monitoring.evaluator.evaluate('clf', start2, start2 + 2000);
      expect(again2.versions[0]!.performance!.metrics!.accuracy).toBe(0);
      expect(again2.alerts).toEqual([]);
      await new Promise((r) => setTimeout(r, 2500));
      expect((await api(a, 'GET', '/alerts?deployment=clf')).body.items).toHaveLength(1);
      expect(hook.received).toHaveLength(1);

      // Sampled raw requests are in the artifact store.
      const samples = await a.services.artifacts.list('monitoring/clf/samples');
      expect(samples.length).toBeGreaterThan(0);

      // The dropped-records counter is exported with the serving metrics.
      const metrics = await (await fetch(`${a.url}/metrics`)).text();
      expect(metrics).toMatch(/^mloop_monitor_dropped_total 0$/m);
      expect(metrics).toMatch(/^mloop_monitor_processed_total \d+$/m);
    });

    it('reports drift per window against the reference and alerts on one feature', async () => {
      await api(a, 'PATCH', '/deployments/clf/monitoring', {
        alerts: [{ name: 'x1-drift', kind: 'feature_drift', feature: 'x1' }],
      });
      await waitFor(
        async () => (await a.services.monitoring.configs.get('clf')).alerts.length === 1,
        10_000,
        'config',
      );
      await new Promise((r) => setTimeout(r, 2000 - (Date.now() % 2000) + 20));
      const start = Math.floor(Date.now() / 2000) * 2000;
      for (let i = 0; i < 30; i++) await predict(a, 6 + i / 10, i % 2 ? 'a' : 'b');
      await a.services.monitoring.ingest.drainAndFlush();
      const res = await api(a, 'GET', `/deployments/clf/monitoring/windows?from=${start}&to=${start + 2000}`);
      const w = res.body.items[0];
      expect(w.requests).toBe(30);
      expect(w.drift.columns.x1.drifted).toBe(true);
      expect(w.drift.columns.group.drifted).toBe(false);
      expect(w.drift.driftedColumns).toEqual(['x1']);
      await waitFor(
        async () =>
          (await api(a, 'GET', '/alerts?deployment=clf')).body.items.some(
            (x: { rule: string }) => x.rule === 'x1-drift',
          ),
        20_000,
        'drift alert',
      );
      const report = await api(
        a,
        'GET',
        `/deployments/clf/monitoring/report?from=${start}&to=${start + 2000}`,
      );
      expect(report.body.windows).toHaveLength(1);
      expect(report.body.alerts.map((x: { rule: string }) => x.rule)).toContain('x1-drift');
    });

    it('answers bad feedback with a clear 4xx and records nothing', async () => {
      const p = await predict(a, 0.3, 'a');
      await a.services.monitoring.ingest.drainAndFlush();
      const unknown = await api(a, 'POST', '/feedback', { predictionId: uuidv7(), label: 'yes' });
      expect(unknown.status).toBe(404);
      expect(unknown.body.message).toMatch(/Unknown prediction/);
      const old = await api(a, 'POST', '/feedback', {
        predictionId: uuidv7(Date.now() - 30 * 86_400_000),
        label: 'yes',
      });
      expect(old.status).toBe(404);
      expect(old.body.message).toMatch(/expired/);
      const wrongClass = await api(a, 'POST', '/feedback', { predictionId: p.id, label: 'maybe' });
      expect(wrongClass.status).toBe(400);
      expect(wrongClass.body.message).toMatch(/expected one of the model's classes \["no","yes"\]/);
      const wrongType = await api(a, 'POST', '/feedback', { predictionId: p.id, label: 1 });
      expect(wrongType.status).toBe(400);
      const twoRows = await api(a, 'POST', '/feedback', { predictionId: p.id, label: ['yes', 'no'] });
      expect(twoRows.status).toBe(400);
      expect(twoRows.body.message).toMatch(/2 value\(s\); the request had 1 row/);
      const object = await api(a, 'POST', '/feedback', { predictionId: p.id, label: { a: 1 } });
      expect(object.status).toBe(400);
      // A batch with one bad item records none of its items.
      const batch = await api(a, 'POST', '/feedback', {
        items: [
          { predictionId: p.id, label: 'yes' },
          { predictionId: uuidv7(), label: 'yes' },
        ],
      });
      expect(batch.status).toBe(404);
      expect((await api(a, 'POST', '/feedback', { predictionId: p.id, label: 'yes' })).status).toBe(201);
      const noTraffic = await api(
        a,
        'GET',
        '/deployments/clf/monitoring/windows?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z',
      );
      expect(noTraffic).toEqual({ status: 200, body: { items: [] } });
      const badRange = await api(a, 'GET', '/deployments/clf/monitoring/windows?from=tomorrow');
      expect(badRange.status).toBe(400);
      expect(badRange.body.message).toMatch(/Invalid from "tomorrow"/);
    });
  });
}

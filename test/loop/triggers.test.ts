import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MonitoringReader } from '../../src/loop/triggers.js';
import { scheduleTrigger } from '../../src/loop/triggers.js';
import type { StoredPolicy } from '../../src/loop/types.js';
import type { RunningServer } from '../../src/server/start.js';
import { buildOnnx, featureColumns } from '../support/serving.js';
import {
  api,
  registerVersion,
  startLoopServer,
  trainCommand,
  until,
  waitForRun,
  writePackage,
} from './support.js';

/** What monitoring would report, set by each test; the reader is the seam the monitoring branch fills. */
const observed = {
  // Drift "observed" at this time; 0: none yet.
  driftAt: 0,
  performance: undefined as { value: number; labels: number } | undefined,
  calls: [] as string[],
};
const reader: MonitoringReader = {
  driftShare: async (deployment, sinceMs, minRows) => {
    observed.calls.push(`drift ${deployment} ${minRows}`);
    return sinceMs < observed.driftAt
      ? { share: 0.7, evidence: { drifted: ['f1', 'f2'], columns: 3, windowStart: sinceMs } }
      : undefined;
  },
  featureDrift: async (deployment, column, _sinceMs, minRows) => {
    observed.calls.push(`feature ${deployment} ${column} ${minRows}`);
    return { statistic: 0.01, drifted: false, evidence: { test: 'ks' } };
  },
  performance: async (deployment, metric) => {
    observed.calls.push(`performance ${deployment} ${metric}`);
    return observed.performance ? { ...observed.performance, evidence: { window: '1h' } } : undefined;
  },
};

describe('loop triggers', () => {
  let server: RunningServer;
  let call: ReturnType<typeof api>;
  let pkg: string;
  const workdir = mkdtempSync(join(tmpdir(), 'mloop-project-'));

  beforeAll(async () => {
    pkg = writePackage(
      await buildOnnx(inject('pythonBin'), 'linear', { features: 4, offset: 1 }),
      featureColumns(4),
    );
    server = await startLoopServer(mkdtempSync(join(tmpdir(), 'mloop-home-')), undefined, {
      monitoring: reader,
    });
    call = api(server.url);
  }, 120_000);
  afterAll(async () => server?.close());

  async function setup(model: string, triggers: unknown[], extra: Record<string, unknown> = {}) {
    await registerVersion(server.url, model, pkg, ['accuracy=0.8']);
    await call('PUT', `/registered-models/${model}/aliases/champion`, { version: '1' });
    await call('POST', '/deployments', { name: `${model}-live`, model: `models:/${model}@champion` });
    const policy = {
      model,
      deployment: `${model}-live`,
      train: { command: trainCommand(model, pkg, ['accuracy=0.85']) },
      gate: { bounds: ['accuracy>=0.5'] },
      triggers,
      ...extra,
    };
    const res = await call('PUT', `/loops/${model}`, { policy, workdir });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }

  const runsOf = async (model: string) => (await call('GET', `/loops/${model}/runs`)).body.items;

  it('dataset drift at or above the share starts one run, with the drift report as evidence', async () => {
    await setup('drifty', [{ drift: { share: 0.5 } }, { feature_drift: { column: 'f1', min_rows: 500 } }]);
    observed.driftAt = Date.now() + 1;
    const [run] = await until('a drift run', async () =>
      (await runsOf('drifty')).length ? runsOf('drifty') : undefined,
    );
    expect(run.trigger).toMatchObject({
      kind: 'drift',
      evidence: {
        deployment: 'drifty-live',
        share: 0.7,
        threshold: 0.5,
        minRows: 100,
        report: { drifted: ['f1', 'f2'] },
      },
    });
    await waitForRun(server.url, run.id, ['succeeded']);
    // Evidence older than the run does not fire again.
    await new Promise((r) => setTimeout(r, 600));
    expect(await runsOf('drifty')).toHaveLength(1);
    // Each drift trigger asks for windows of its own minimum size (100 by default).
    expect(observed.calls).toContain('drift drifty-live 100');
    expect(observed.calls).toContain('feature drifty-live f1 500');
  }, 60_000);

  it('performance below the bound fires only with enough labels', async () => {
    observed.performance = { value: 0.6, labels: 10 };
    await setup('perf', [{ performance: { metric: 'accuracy', below: 0.75, min_labels: 50 } }]);
    await new Promise((r) => setTimeout(r, 600));
    expect(await runsOf('perf')).toHaveLength(0);
    observed.performance = { value: 0.6, labels: 80 };
    const [run] = await until('a performance run', async () =>
      (await runsOf('perf')).length ? runsOf('perf') : undefined,
    );
    expect(run.trigger.evidence).toMatchObject({ metric: 'accuracy', value: 0.6, below: 0.75, labels: 80 });
    observed.performance = undefined;
    await waitForRun(server.url, run.id, ['succeeded']);
  }, 60_000);

  it('a new version of the dataset fires once; the run records the version it trained on', async () => {
    const push = async (text: string) => {
      const hash = createHash('sha256').update(text).digest('hex');
      await fetch(`${server.url}/api/v1/dataset-content/${hash}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream' },
        body: text,
      });
      const res = await call('POST', '/datasets/fresh/versions', {
        hash,
        kind: 'file',
        size: text.length,
        files: 1,
        format: 'csv',
        sourcePath: 'fresh.csv',
      });
      expect(res.status).toBeLessThan(300);
    };
    await push('a,b\n1,2\n');
    await setup('newdata', [{ new_data: true }], { data: { dataset: 'fresh' } });
    await new Promise((r) => setTimeout(r, 600));
    expect(await runsOf('newdata')).toHaveLength(0);
    await push('a,b\n1,2\n3,4\n');
    const [run] = await until('a new-data run', async () =>
      (await runsOf('newdata')).length ? runsOf('newdata') : undefined,
    );
    expect(run.trigger).toMatchObject({
      kind: 'new_data',
      evidence: { dataset: 'fresh', version: 2, previousVersion: 1 },
    });
    const done = await waitForRun(server.url, run.id, ['succeeded']);
    expect(done.run.dataVersion).toBe(2);
    await new Promise((r) => setTimeout(r, 600));
    expect(await runsOf('newdata')).toHaveLength(1);
  }, 60_000);

  it('a cron schedule fires for the latest scheduled minute after the previous run', async () => {
    const policy = { model: 'x', triggers: [] } as unknown as StoredPolicy;
    const trigger = { kind: 'schedule' as const, cron: '30 2 * * *' };
    const at = Date.UTC(2026, 10, 22, 2, 30);
    expect(await scheduleTrigger.evaluate(policy, trigger, { now: at + 5000, sinceMs: at - 1000 })).toEqual({
      kind: 'schedule',
      evidence: { cron: '30 2 * * *', scheduledAt: '2026-11-22T02:30:00.000Z' },
    });
    expect(
      await scheduleTrigger.evaluate(policy, trigger, { now: at + 5000, sinceMs: at + 1000 }),
    ).toBeUndefined();
  });
});

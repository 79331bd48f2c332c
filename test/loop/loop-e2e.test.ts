import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningServer } from '../../src/server/start.js';
import { buildOnnx, featureColumns } from '../support/serving.js';
import {
  api,
  ready,
  registerVersion,
  startLoopServer,
  traffic,
  trainCommand,
  waitForRun,
  writePackage,
} from './support.js';

/**
 * The loop end to end on the real server in this process: HTTP API, ONNX serving with deployments, the controller
 * running real training commands (a script that registers a new ONNX version over the API) and gates.
 */
describe('continuous-training loop, end to end', () => {
  let server: RunningServer;
  let call: ReturnType<typeof api>;
  let good: string;
  let better: string;
  let incompatible: string;
  let unloadable: string;
  const workdir = mkdtempSync(join(tmpdir(), 'mloop-project-'));

  beforeAll(async () => {
    const py = inject('pythonBin');
    good = writePackage(await buildOnnx(py, 'linear', { features: 4, offset: 1 }), featureColumns(4));
    better = writePackage(await buildOnnx(py, 'linear', { features: 4, offset: 2 }), featureColumns(4));
    // Expects 5 features: every request the champion answers is refused by it (an error-rate spike).
    incompatible = writePackage(await buildOnnx(py, 'linear', { features: 5, offset: 3 }), featureColumns(5));
    // Its signature names 5 columns for a graph that takes 4: serving refuses to load it.
    unloadable = writePackage(await buildOnnx(py, 'linear', { features: 4, offset: 4 }), featureColumns(5));
    server = await startLoopServer(mkdtempSync(join(tmpdir(), 'mloop-home-')));
    call = api(server.url);
  }, 120_000);
  afterAll(async () => server?.close());

  /** Champion v1 (accuracy 0.8) of a fresh model, served by a deployment that follows @champion. */
  async function champion(model: string, deployment?: string): Promise<void> {
    await registerVersion(server.url, model, good, ['accuracy=0.8']);
    expect((await call('PUT', `/registered-models/${model}/aliases/champion`, { version: '1' })).status).toBe(
      200,
    );
    if (deployment)
      expect(
        (await call('POST', '/deployments', { name: deployment, model: `models:/${model}@champion` })).status,
      ).toBe(201);
  }

  async function apply(policy: Record<string, unknown>) {
    const res = await call('PUT', `/loops/${policy.model}`, { policy, workdir });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  }

  const kinds = (events: { kind: string }[]) => events.map((e) => e.kind);

  it('trains, gates, canaries, bakes and promotes, leaving an audit trail and lineage', async () => {
    await champion('promo', 'promo-live');
    await apply({
      model: 'promo',
      deployment: 'promo-live',
      train: { command: trainCommand('promo', better, ['accuracy=0.9']) },
      gate: { bounds: ['accuracy>=0.5'], min_improvement: 0 },
      rollout: { canary: 50, bake: { requests: 20 }, min_requests: 10, rollback_on: { error_rate: 0.2 } },
    });
    await ready(server.url, 'promo-live');
    const load = traffic(server.url, 'promo-live');
    try {
      const started = await call('POST', '/loops/promo/runs', { reason: 'test' });
      expect(started.status).toBe(201);
      expect(started.body.outcome).toBe('started');
      const { run, events } = await waitForRun(server.url, started.body.run.id, [
        'succeeded',
        'failed',
        'rolled_back',
        'rejected',
      ]);
      expect(run.state, JSON.stringify(events, null, 1)).toBe('succeeded');
      expect(run).toMatchObject({ championVersion: '1', challengerVersion: '2' });
      expect(kinds(events)).toEqual([
        'triggered',
        'training_started',
        'challenger_registered',
        'canary_started',
        'bake_passed',
        'promoted',
      ]);
      const gate = events.find((e) => e.kind === 'canary_started').evidence.gate;
      expect(gate).toMatchObject({
        using: 'run_metrics',
        blessed: true,
        numbers: { challenger: { accuracy: 0.9 } },
      });
      const bake = events.find((e) => e.kind === 'bake_passed').evidence;
      expect(bake.requests).toBeGreaterThanOrEqual(20);
      expect(bake.errors).toBe(0);
    } finally {
      await load.stop();
    }
    expect(load.statuses[200]).toBeGreaterThan(20);
    expect(Object.keys(load.statuses)).toEqual(['200']);
    const model = (await call('GET', '/registered-models/promo')).body;
    expect(model.aliases).toEqual([{ alias: 'champion', version: '2' }]);
    expect((await call('GET', '/deployments/promo-live')).body.routes).toEqual([
      { model: 'models:/promo@champion', weight: 100 },
    ]);
    // The new version's lineage shows the loop run and the trigger that caused it.
    const lineage = (await call('GET', '/lineage/model-versions/promo/2')).body;
    const loopNode = lineage.nodes.find((n: any) => n.kind === 'loop_run');
    const triggerNode = lineage.nodes.find((n: any) => n.kind === 'trigger');
    expect(loopNode.attributes.state).toBe('succeeded');
    expect(triggerNode).toMatchObject({ label: 'manual', attributes: { reason: 'test' } });
    expect(lineage.edges).toEqual(
      expect.arrayContaining([
        { from: lineage.root, to: loopNode.id, relation: 'trained_by' },
        { from: loopNode.id, to: triggerNode.id, relation: 'triggered_by' },
      ]),
    );
    // The history API holds every decision.
    const history = (await call('GET', '/loops/promo/events')).body.items;
    expect(kinds(history)).toContain('promoted');
  }, 120_000);

  it('the gate rejects a worse challenger: the champion stays, the event holds the numbers', async () => {
    await champion('worse', 'worse-live');
    await apply({
      model: 'worse',
      deployment: 'worse-live',
      train: { command: trainCommand('worse', better, ['accuracy=0.6']) },
      gate: { bounds: ['accuracy>=0.5'], min_improvement: 0 },
      rollout: { canary: 20, bake: { requests: 10 } },
    });
    const { body } = await call('POST', '/loops/worse/runs');
    const { run, events } = await waitForRun(server.url, body.run.id, ['succeeded', 'failed', 'rejected']);
    expect(run.state).toBe('rejected');
    const rejected = events.find((e) => e.kind === 'gate_rejected');
    expect(rejected.message).toMatch(/did not bless v2; the champion stays v1/);
    expect(rejected.evidence).toMatchObject({
      blessed: false,
      numbers: { challenger: { accuracy: 0.6 }, champion: { accuracy: 0.8 } },
    });
    expect(rejected.evidence.checks).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'absolute_change', passed: false })]),
    );
    const model = (await call('GET', '/registered-models/worse')).body;
    expect(model.aliases).toEqual([{ alias: 'champion', version: '1' }]);
    expect((await call('GET', '/deployments/worse-live')).body.routes).toEqual([
      { model: 'models:/worse@champion', weight: 100 },
    ]);
  }, 120_000);

  it('a canary whose error rate spikes rolls back automatically and records why', async () => {
    await champion('spike', 'spike-live');
    await apply({
      model: 'spike',
      deployment: 'spike-live',
      train: { command: trainCommand('spike', incompatible, ['accuracy=0.95']) },
      gate: { bounds: ['accuracy>=0.5'] },
      rollout: { canary: 50, bake: { requests: 500 }, min_requests: 10, rollback_on: { error_rate: 0.1 } },
    });
    await ready(server.url, 'spike-live');
    const load = traffic(server.url, 'spike-live');
    let result: Awaited<ReturnType<typeof waitForRun>>;
    try {
      const { body } = await call('POST', '/loops/spike/runs');
      result = await waitForRun(server.url, body.run.id, ['succeeded', 'failed', 'rolled_back']);
    } finally {
      await load.stop();
    }
    expect(result.run.state).toBe('rolled_back');
    expect(kinds(result.events)).toEqual([
      'triggered',
      'training_started',
      'challenger_registered',
      'canary_started',
      'rollback_decided',
      'rolled_back',
    ]);
    const decided = result.events.find((e) => e.kind === 'rollback_decided');
    expect(decided.message).toMatch(/error rate 1 \(\d+ of \d+ requests\) is above 0.1/);
    expect(decided.evidence.errors).toBeGreaterThanOrEqual(10);
    expect(result.run.reason).toMatch(/Canary rolled back/);
    const model = (await call('GET', '/registered-models/spike')).body;
    expect(model.aliases).toEqual([{ alias: 'champion', version: '1' }]);
    expect((await call('GET', '/deployments/spike-live')).body.routes).toEqual([
      { model: 'models:/spike@champion', weight: 100 },
    ]);
    // The deployment's own history shows the canary and the return, by the loop.
    const dEvents = (await call('GET', '/deployments/spike-live/events')).body.items;
    expect(dEvents.slice(-2).map((e: any) => e.actor)).toEqual(['mloop-loop', 'mloop-loop']);
  }, 120_000);

  it('a challenger that serving cannot load is rolled back with the load error', async () => {
    await champion('noload', 'noload-live');
    await apply({
      model: 'noload',
      deployment: 'noload-live',
      train: { command: trainCommand('noload', unloadable, ['accuracy=0.95']) },
      gate: { bounds: ['accuracy>=0.5'] },
      rollout: { canary: 10, bake: { requests: 100 } },
    });
    const { body } = await call('POST', '/loops/noload/runs');
    const { run, events } = await waitForRun(server.url, body.run.id, ['succeeded', 'failed', 'rolled_back']);
    expect(run.state).toBe('rolled_back');
    expect(events.find((e) => e.kind === 'rollback_decided').message).toMatch(
      /v2 failed to load on noload-live/,
    );
    expect((await call('GET', '/deployments/noload-live')).body.routes).toEqual([
      { model: 'models:/noload@champion', weight: 100 },
    ]);
  }, 120_000);

  it('a gate command decides by its exit code and its JSON report is the evidence', async () => {
    await champion('gatecmd');
    const gate = (code: number) =>
      `"${process.execPath}" -e 'console.log(JSON.stringify({ roc_auc: 0.71, challenger: process.env.MLOOP_CHALLENGER, champion: process.env.MLOOP_CHAMPION })); process.exit(${code})'`;
    const run = async (code: number) => {
      await apply({
        model: 'gatecmd',
        train: { command: trainCommand('gatecmd', better, ['accuracy=0.9']) },
        gate: { using: 'command', command: gate(code) },
      });
      const { body } = await call('POST', '/loops/gatecmd/runs');
      return waitForRun(server.url, body.run.id, ['succeeded', 'failed', 'rejected']);
    };
    const no = await run(1);
    expect(no.run.state).toBe('rejected');
    expect(no.events.find((e) => e.kind === 'gate_rejected').evidence).toMatchObject({
      using: 'command',
      exitCode: 1,
      report: { roc_auc: 0.71, challenger: 'models:/gatecmd/2', champion: 'models:/gatecmd@champion' },
    });
    const broken = await run(2);
    expect(broken.run.state).toBe('failed');
    expect(broken.events.at(-1).message).toMatch(/exited with 2 \(0 = blessed, 1 = not blessed\)/);
    const yes = await run(0);
    expect(yes.run.state).toBe('succeeded');
    expect((await call('GET', '/registered-models/gatecmd')).body.aliases).toEqual([
      { alias: 'champion', version: '4' },
    ]);
  }, 120_000);

  it('a trigger that fires during a run queues instead of starting a second', async () => {
    await champion('queue');
    await apply({
      model: 'queue',
      train: { command: trainCommand('queue', better, ['accuracy=0.9'], 'SLEEP_MS=1500') },
      gate: { bounds: ['accuracy>=0.5'], min_improvement: 0 },
    });
    const first = (await call('POST', '/loops/queue/runs')).body;
    const second = (await call('POST', '/loops/queue/runs')).body;
    const third = (await call('POST', '/loops/queue/runs')).body;
    expect([first.outcome, second.outcome, third.outcome]).toEqual(['started', 'queued', 'coalesced']);
    expect(third.run.id).toBe(second.run.id);
    const status = (await call('GET', '/loops/queue')).body;
    expect(status.active.id).toBe(first.run.id);
    expect(status.queued.id).toBe(second.run.id);
    const a = await waitForRun(server.url, first.run.id, ['succeeded', 'failed']);
    const b = await waitForRun(server.url, second.run.id, ['succeeded', 'failed']);
    expect([a.run.state, b.run.state]).toEqual(['succeeded', 'succeeded']);
    // The second started only after the first finished.
    const dequeued = b.events.find((e) => e.kind === 'dequeued');
    expect(dequeued.timestamp).toBeGreaterThanOrEqual(a.run.finishedTimestamp);
    expect(kinds(b.events).slice(0, 3)).toEqual(['queued', 'coalesced', 'dequeued']);
    const model = (await call('GET', '/registered-models/queue')).body;
    expect(model.aliases).toEqual([{ alias: 'champion', version: '3' }]);
  }, 120_000);

  it('refuses bad policies and unknown runs with 4xx, naming what is wrong', async () => {
    await champion('bad');
    const res = await call('PUT', '/loops/bad', {
      policy: { model: 'bad', train: { command: 'x' }, gate: { bounds: ['accuracy=0.8'] } },
      workdir,
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(
      /'gate.bounds\[0\]' must be a bound such as "accuracy>=0.8".*got "accuracy=0.8"/,
    );
    expect((await call('PUT', '/loops/bad', { policy: { model: 'other' }, workdir })).status).toBe(400);
    expect((await call('GET', `/loop-runs/${'0'.repeat(32)}`)).status).toBe(404);
    expect((await call('POST', `/loop-runs/${'0'.repeat(32)}/approve`)).status).toBe(404);
    expect((await call('POST', '/loops/none/runs')).status).toBe(404);
  });
});

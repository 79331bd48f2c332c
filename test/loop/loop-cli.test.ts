import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BIN, type ServerProcess, startServerProcess } from '../support/server-process.js';
import { buildOnnx, featureColumns } from '../support/serving.js';
import { registerVersion, trainCommand, until, writePackage } from './support.js';

const exec = promisify(execFile);

/** `mloop loop …` against a real server process, on a fixture project whose mloop.yaml also has a pipeline. */
describe('mloop loop (CLI)', () => {
  let server: ServerProcess;
  let project: string;
  let pkg: string;

  async function mloop(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
        cwd: project,
        env: { ...process.env, NO_COLOR: '1', MLOOP_TRACKING_URI: server.url },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  beforeAll(async () => {
    server = await startServerProcess({ env: { MLOOP_SERVING_POLL_MS: '100', MLOOP_LOOP_TICK_MS: '100' } });
    project = mkdtempSync(join(tmpdir(), 'mloop-project-'));
    pkg = writePackage(
      await buildOnnx(inject('pythonBin'), 'linear', { features: 4, offset: 1 }),
      featureColumns(4),
    );
    await registerVersion(server.url, 'cli-model', pkg, ['accuracy=0.8']);
  }, 120_000);
  afterAll(async () => server?.stop());

  it('applies the policy, runs, waits for approval, approves, and shows the history', async () => {
    expect((await mloop('models', 'alias', 'set', 'cli-model', 'champion', '1')).code).toBe(0);
    writeFileSync(
      join(project, 'mloop.yaml'),
      `pipeline:
  stages:
    train: { cmd: "python train.py", deps: [data.csv], outs: [model] }
loop:
  model: cli-model
  train:
    command: '${trainCommand('cli-model', pkg, ['accuracy=0.9'])}'
    timeout: 2m
  triggers:
    - schedule: "0 3 * * 1"
  gate:
    bounds: ["accuracy>=0.5"]
    min_improvement: 0.05
  approval: manual
`,
    );
    const applied = await mloop('loop', 'apply');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/model\s+cli-model/);
    expect(applied.stdout).toMatch(/triggers\s+schedule/);
    expect(applied.stdout).toMatch(/approval\s+manual/);

    const started = await mloop('loop', 'run', 'cli-model', '--reason', 'first try');
    expect(started.code, started.stderr).toBe(0);
    const id = /Loop run ([0-9a-f]{32}) of cli-model started/.exec(started.stdout)?.[1];
    expect(id).toBeDefined();
    await until('the run to await approval', async () => {
      const s = JSON.parse((await mloop('loop', 'status', 'cli-model', '--json')).stdout);
      return s.active?.state === 'awaiting_approval' ? s : undefined;
    });
    const status = await mloop('loop', 'status');
    expect(status.stdout).toMatch(/cli-model\s+awaiting_approval/);

    const approved = await mloop('loop', 'approve', id!);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(/Approved: cli-model v2 is being promoted/);
    await until('the run to succeed', async () => {
      const s = JSON.parse((await mloop('loop', 'status', 'cli-model', '--json')).stdout);
      return s.last?.state === 'succeeded' ? s : undefined;
    });
    const again = await mloop('loop', 'approve', id!);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is succeeded; only a run awaiting approval can be approved/);

    const history = await mloop('loop', 'history', 'cli-model');
    expect(history.code).toBe(0);
    for (const kind of [
      'triggered',
      'training_started',
      'challenger_registered',
      'gate_passed',
      'approved',
      'promoted',
    ])
      expect(history.stdout).toContain(kind);
    const json = JSON.parse((await mloop('loop', 'history', 'cli-model', '--json')).stdout);
    expect(json.runs[0]).toMatchObject({ id, state: 'succeeded', challengerVersion: '2' });
    const gate = json.events.find((e: { kind: string }) => e.kind === 'gate_passed');
    expect(gate.evidence.checks.map((c: { kind: string }) => c.kind)).toEqual(['min', 'absolute_change']);
    const show = await mloop('loop', 'show', id!);
    expect(show.stdout).toMatch(/state\s+succeeded/);
    expect(show.stdout).toMatch(/evidence: .*"reason":"first try"/);
    const alias = JSON.parse((await mloop('models', 'show', 'cli-model@champion', '--json')).stdout);
    expect(alias.version).toBe('2');
  }, 120_000);

  it('says what is wrong with a policy, and exits 2 without a loop: key', async () => {
    writeFileSync(
      join(project, 'bad.yaml'),
      'loop:\n  model: cli-model\n  train: { command: "true" }\n  gate: { bounds: ["accuracy>=0.5"] }\n  rollout: { canary: 150 }\n',
    );
    const bad = await mloop('loop', 'apply', '-f', 'bad.yaml');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/'rollout.canary' must be an integer >= 0 and <= 100, got 150/);
    writeFileSync(join(project, 'nolo.yaml'), 'pipeline: {}\n');
    const none = await mloop('loop', 'apply', '-f', 'nolo.yaml');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/has no 'loop:' mapping/);
    expect((await mloop('loop', 'apply', '-f', 'missing.yaml')).code).toBe(2);
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/config.js';
import { type RunningServer, startServer } from '../../src/server/start.js';
import { BIN } from '../support/server-process.js';
import { waitFor } from '../support/serving.js';
import { oneRow, registerClassifier } from './live-support.js';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'mloop-mon-cli-'));
let server: RunningServer;

async function mloop(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
      env: { ...process.env, NO_COLOR: '1', MLOOP_TRACKING_URI: server.url },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  server = await startServer(
    resolveConfig({ home: join(dir, 'home'), port: 0 }),
    { pollMs: 100, workers: 1, log: () => undefined },
    { ingest: { flushMs: 100 }, evaluateMs: 100, evaluator: { graceMs: 100 } },
  );
  await registerClassifier(server.services, 'clf');
  await server.services.deployments.create({ name: 'clf', model: 'models:/clf/1' });
  await server.services.serving!.sync();
  await waitFor(
    async () => (await fetch(`${server.url}/v2/models/clf/ready`)).status === 200,
    60_000,
    'ready',
  );
});
afterAll(async () => server?.close());

describe('mloop monitor (live)', () => {
  it('sets and shows the configuration; bad settings exit 2 with the reason', async () => {
    const set = await mloop(
      'monitor',
      'config',
      'set',
      'clf',
      '--window-ms',
      '2000',
      '--sample-rate',
      '0.5',
      '--min-labeled-rows',
      '6',
      '--alerts',
      '[{"name":"acc","kind":"performance","metric":"accuracy","below":0.99}]',
      '--json',
    );
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({
      windowMs: 2000,
      sampleRate: 0.5,
      alerts: [{ name: 'acc' }],
    });
    const show = await mloop('monitor', 'config', 'show', 'clf');
    expect(show.stdout).toMatch(/windowMs\s+2000/);
    const bad = await mloop('monitor', 'config', 'set', 'clf', '--sample-rate', '2');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"2" is not a share/);
    const badRule = await mloop(
      'monitor',
      'config',
      'set',
      'clf',
      '--alerts',
      '[{"name":"x","kind":"nope"}]',
    );
    expect(badRule.code).not.toBe(0);
    expect(badRule.stderr).toMatch(/Invalid alerts\[0\]\.kind "nope"/);
  });

  it('reports windows (exit 0 healthy, 1 after an alert), takes feedback, writes HTML, lists alerts', async () => {
    const empty = await mloop(
      'monitor',
      'report',
      '--deployment',
      'clf',
      '--from',
      '2020-01-01T00:00:00Z',
      '--to',
      '2020-01-02T00:00:00Z',
    );
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(/No traffic in this range/);

    // All six requests in one window.
    await new Promise((r) => setTimeout(r, 2000 - (Date.now() % 2000) + 20));
    const ids: { id: string; label: string }[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${server.url}/v2/models/clf/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(oneRow(i - 3, 'a')),
      });
      const body = (await res.json()) as { outputs: { data: string[] }[] };
      ids.push({ id: res.headers.get('x-mloop-prediction-id')!, label: body.outputs[0]!.data[0]! });
    }
    await server.services.monitoring.ingest.drainAndFlush();
    const healthy = await mloop('monitor', 'report', '--deployment', 'clf', '--json');
    expect(healthy.code).toBe(0);
    expect(
      JSON.parse(healthy.stdout).windows.reduce((a: number, w: { requests: number }) => a + w.requests, 0),
    ).toBe(6);

    const wrong = ids[0]!.label === 'yes' ? 'no' : 'yes';
    const one = await mloop('monitor', 'feedback', '--prediction-id', ids[0]!.id, '--label', wrong);
    expect(one).toMatchObject({ code: 0, stdout: 'Recorded ground truth for 1 prediction(s).\n' });
    const file = join(dir, 'labels.jsonl');
    writeFileSync(
      file,
      ids
        .slice(1)
        .map((p) => JSON.stringify({ predictionId: p.id, label: p.label }))
        .join('\n'),
    );
    expect((await mloop('monitor', 'feedback', '--file', file)).stdout).toMatch(/for 5 prediction/);
    const dup = await mloop('monitor', 'feedback', '--prediction-id', ids[0]!.id, '--label', 'yes');
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/already has feedback/);

    await waitFor(
      async () => (await server.services.monitoring.alerts({ deployment: 'clf' })).length > 0,
      20_000,
      'alert',
    );
    const html = join(dir, 'report.html');
    const report = await mloop('monitor', 'report', '--deployment', 'clf', '--html', html);
    expect(report.code).toBe(1);
    expect(report.stdout).toMatch(/ALERT acc: .*accuracy is 0\.8333, below 0\.99/);
    expect(report.stdout).toMatch(/requests\s+6\n/);
    expect(readFileSync(html, 'utf8')).toContain('Live monitoring of clf');
    const alerts = await mloop('monitor', 'alerts', '--deployment', 'clf');
    expect(alerts.stdout).toMatch(/acc/);
    const help = await mloop('monitor', 'report', '--help');
    expect(help.stdout).toMatch(/Exit code: 0 healthy, 1 drift or alerts/);
  });
});

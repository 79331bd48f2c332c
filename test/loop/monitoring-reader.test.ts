import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitoringReader } from '../../src/loop/monitoring-reader.js';
import { CLOSE_GRACE_MS } from '../../src/monitor/evaluator.js';
import type { RunningServer } from '../../src/server/start.js';
import { oneRow, recordTrainingDataset, registerClassifier } from '../monitor/live-support.js';
import { waitFor } from '../support/serving.js';
import { startLoopServer } from './support.js';

const WINDOW = 1000;

/** The loop's triggers over real monitoring windows: served predictions, their ground truth, drift vs training data. */
describe("the loop's monitoring reader", () => {
  let server: RunningServer;
  let start: number;
  beforeAll(async () => {
    server = await startLoopServer(mkdtempSync(join(tmpdir(), 'mloop-reader-')));
    const { runId } = await registerClassifier(server.services, 'clf');
    await recordTrainingDataset(server.services, runId, 'train');
    await server.services.deployments.create({ name: 'clf', model: 'models:/clf/1' });
    await server.services.serving!.sync();
    await waitFor(
      async () => (await fetch(`${server.url}/v2/models/clf/ready`)).status === 200,
      60_000,
      'ready',
    );
    await server.services.monitoring.updateConfig('clf', { windowMs: WINDOW });

    // One window of drifted traffic: x1 far outside the training range (−2…2), group as in training.
    await new Promise((r) => setTimeout(r, WINDOW - (Date.now() % WINDOW) + 20));
    start = Math.floor(Date.now() / WINDOW) * WINDOW;
    const ids: { id: string; label: string }[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${server.url}/v2/models/clf/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(oneRow(5 + i / 10, i % 2 ? 'a' : 'b')),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { outputs: { data: string[] }[] };
      ids.push({ id: res.headers.get('x-mloop-prediction-id')!, label: body.outputs[0]!.data[0]! });
    }
    await server.services.monitoring.ingest.drainAndFlush();
    // Ground truth: the model was right on 5 of 20.
    await server.services.monitoring.feedback({
      items: ids.map((p, i) => ({
        predictionId: p.id,
        label: i < 5 ? p.label : p.label === 'yes' ? 'no' : 'yes',
      })),
    });
  });
  afterAll(async () => server?.close());

  const reader = () =>
    monitoringReader(server.services.monitoring, () => start + 3 * WINDOW + CLOSE_GRACE_MS);

  it('reads the dataset drift share and one feature’s drift from the newest closed window', async () => {
    const share = await reader().driftShare('clf', start - WINDOW, 1);
    expect(share?.share).toBe(0.5);
    expect(share?.evidence).toMatchObject({
      window: { modelVersion: '1', rows: 20 },
      driftedColumns: ['x1'],
    });
    const x1 = await reader().featureDrift('clf', 'x1', start - WINDOW, 1);
    expect(x1).toMatchObject({ drifted: true, evidence: { column: 'x1' } });
    expect((await reader().featureDrift('clf', 'group', start - WINDOW, 1))?.drifted).toBe(false);
    // The window holds 20 rows: a trigger asking for more does not read it.
    expect((await reader().driftShare('clf', start - WINDOW, 20))?.share).toBe(0.5);
    expect(await reader().driftShare('clf', start - WINDOW, 21)).toBeUndefined();
    expect(await reader().featureDrift('clf', 'x1', start - WINDOW, 21)).toBeUndefined();
    expect(await reader().featureDrift('clf', 'nope', start - WINDOW, 1)).toBeUndefined();
  });

  it('pools realized performance over the labeled windows, with the number of labels', async () => {
    const accuracy = await reader().performance('clf', 'accuracy', start - WINDOW);
    expect(accuracy).toMatchObject({ labels: 20 });
    expect(accuracy!.value).toBeCloseTo(0.25, 10);
  });

  it('sees nothing before the traffic, in an open window, or for another deployment', async () => {
    expect(await reader().driftShare('clf', start + 2 * WINDOW, 1)).toBeUndefined();
    expect(
      await monitoringReader(server.services.monitoring, () => start + 10).driftShare(
        'clf',
        start - WINDOW,
        1,
      ),
    ).toBeUndefined();
    expect(await reader().performance('other', 'accuracy', start - WINDOW)).toBeUndefined();
  });

  it('waits out the flush grace after a window ends: a window not written yet must not hide behind an older one', async () => {
    const justEnded = () => start + 3 * WINDOW;
    expect(
      await monitoringReader(server.services.monitoring, justEnded).driftShare('clf', start - WINDOW, 1),
    ).toBeUndefined();
    expect(
      (await monitoringReader(server.services.monitoring, justEnded, 0).driftShare('clf', start - WINDOW, 1))
        ?.share,
    ).toBe(0.5);
  });
});

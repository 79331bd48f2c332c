import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { datasetInput } from '../../src/data/lineage.js';
import { ProfileBuilder } from '../../src/data/profile/profile.js';
import { fitModel } from '../../src/learn/fit.js';
import { categorical, frameFrom, numeric } from '../../src/learn/frame.js';
import { learnPackageFiles } from '../../src/learn/model-package.js';
import { Random } from '../../src/learn/random.js';
import type { Services } from '../../src/server/services.js';

/** Training rows: y is "yes" when x1 + noise > 0; group a/b has no effect. */
export function trainingRows(n: number, seed = 3) {
  const r = new Random(seed);
  const x1: number[] = [];
  const group: string[] = [];
  const y: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = r.next() * 4 - 2;
    x1.push(x);
    group.push(r.next() < 0.5 ? 'a' : 'b');
    y.push(x + (r.next() - 0.5) > 0 ? 'yes' : 'no');
  }
  return { x1, group, y };
}

/** Trains a logistic classifier (x1, group → yes/no) with the built-in learner and registers it as a new version. */
export async function registerClassifier(
  services: Services,
  name: string,
): Promise<{ version: string; runId: string }> {
  const rows = trainingRows(400);
  const frame = frameFrom({
    x1: numeric(Float64Array.from(rows.x1)),
    group: categorical(rows.group),
    y: categorical(rows.y),
  });
  const model = fitModel(frame, { learner: 'logistic', target: 'y' });
  const run = await services.runs.create({});
  const base = run.info.artifactUri.slice('mlflow-artifacts:/'.length);
  for (const [path, bytes] of learnPackageFiles(model, { runId: run.info.runId }))
    await services.artifacts.put(`${base}/model/${path}`, bytes);
  await services.registry.createModel({ name }).catch(() => undefined);
  const v = await services.registry.createVersion({ name, source: `runs:/${run.info.runId}/model` });
  return { version: v.version, runId: run.info.runId };
}

/** An OIP request of one row. */
export const oneRow = (x1: number, group: string) => ({
  inputs: [
    { name: 'x1', shape: [1, 1], datatype: 'FP32', data: [x1] },
    { name: 'group', shape: [1, 1], datatype: 'BYTES', data: [group] },
  ],
});

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local HTTP server that records what it receives (webhook target). */
export async function webhookReceiver(
  status = 200,
): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Records the training rows as dataset version `name@N` (content + profile) and logs it as the run's training input. */
export async function recordTrainingDataset(
  services: Services,
  runId: string,
  name: string,
): Promise<string> {
  const rows = trainingRows(400);
  const csv = `x1,group,y\n${rows.x1.map((x, i) => `${x},${rows.group[i]},${rows.y[i]}`).join('\n')}\n`;
  const bytes = Buffer.from(csv);
  const hash = createHash('sha256').update(bytes).digest('hex');
  await services.datasets.putContent(hash, Readable.from([bytes]));
  const builder = new ProfileBuilder();
  builder.add({
    columns: [
      { name: 'x1', type: 'float', values: Float64Array.from(rows.x1) },
      {
        name: 'group',
        type: 'string',
        codes: Int32Array.from(rows.group, (g) => (g === 'a' ? 0 : 1)),
        dictionary: ['a', 'b'],
      },
      {
        name: 'y',
        type: 'string',
        codes: Int32Array.from(rows.y, (g) => (g === 'no' ? 0 : 1)),
        dictionary: ['no', 'yes'],
      },
    ],
    numRows: rows.x1.length,
    rowOffset: 0,
  });
  const { version } = await services.datasets.recordVersion(name, {
    hash,
    kind: 'file',
    size: bytes.length,
    files: 1,
    rows: rows.x1.length,
    format: 'csv',
    sourcePath: `${name}.csv`,
    profile: builder.build(),
  });
  const input = datasetInput(version, 'training');
  await services.runs.logInputs(runId, [{ ...input, dataset: { ...input.dataset, source_type: 'mloop' } }]);
  return `${version.name}@${version.version}`;
}

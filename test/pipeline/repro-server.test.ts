import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MloopClient } from '../../src/sdk/client.js';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';
import { mloop, requireBuild } from './cli-support.js';
import { project } from './support.js';

const PIPELINE = `pipeline:
  stages:
    prepare:
      cmd: mkdir -p data && cp raw.csv data/clean.csv
      deps: [raw.csv]
      outs: [data/clean.csv]
    train:
      cmd: wc -l < data/clean.csv > rows.txt && echo '{"acc":\${train.acc}}' > metrics.json
      deps: [data/clean.csv]
      params: [train.acc]
      outs: [rows.txt]
      metrics: [metrics.json]
`;

/** `repro --server`: the stage runs reach a real server over HTTP (the tracker's own node:http transport). */
describe('mloop repro --server (built CLI and server)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    requireBuild();
    server = await startServerProcess();
  });
  afterAll(async () => server?.stop());

  it('records the pipeline run, each stage run with params, metrics and upstream inputs, and the run record', async () => {
    const dir = project({
      'mloop.yaml': PIPELINE,
      'params.yaml': 'train:\n  acc: 0.9\n',
      'raw.csv': 'x\n1\n2\n',
    });
    const run = await mloop(dir, ['repro', '--server', server.url, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const [prepareId, trainId] = JSON.parse(run.stdout).stages.map((s: { run: string }) => s.run);

    const client = new MloopClient({ baseUrl: server.url, git: false });
    const train = await client.getRun(trainId);
    const tag = (k: string) => train.data.tags.find((t) => t.key === k)?.value;
    expect(train.info).toMatchObject({ runName: 'train', status: 'FINISHED' });
    expect(train.data.params).toEqual([{ key: 'train.acc', value: '0.9' }]);
    expect(train.data.metrics.map((m) => [m.key, m.value])).toEqual([['acc', 0.9]]);
    expect(JSON.parse(tag('mloop.pipeline.outs')!).map((o: { path: string }) => o.path)).toEqual([
      'rows.txt',
      'metrics.json',
    ]);
    const upstream = train.inputs.datasetInputs[0]!.dataset;
    expect(upstream).toMatchObject({ name: 'data/clean.csv', sourceType: 'mloop-stage-output' });
    expect(JSON.parse(upstream.source)).toMatchObject({ uri: 'mloop-stage:prepare', run: prepareId });

    const parentId = tag('mlflow.parentRunId')!;
    expect((await client.getRun(prepareId)).data.tags).toContainEqual({
      key: 'mlflow.parentRunId',
      value: parentId,
    });
    // The graph and outcomes went up as an artifact of the parent run.
    const detail = (await fetch(`${server.url}/api/v1/pipeline-runs/${parentId}`).then((r) => r.json())) as {
      stages: { name: string; status: string }[];
    };
    expect(detail).toMatchObject({ status: 'FINISHED', recorded: true });
    expect(detail.stages.map((s) => [s.name, s.status])).toEqual([
      ['prepare', 'ran'],
      ['train', 'ran'],
    ]);
  });
});

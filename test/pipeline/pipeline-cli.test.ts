import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openLocalClient } from '../../src/sdk/local.js';
import { git } from '../support/git-repo.js';
import { mloop, requireBuild, spawnMloop } from './cli-support.js';
import { project, write } from './support.js';

const TRAIN = `pipeline:
  stages:
    prepare:
      cmd: mkdir -p data && cp raw.csv data/clean.csv && echo prepared
      deps: [raw.csv]
      outs: [data/clean.csv]
    train:
      cmd: >-
        mkdir -p model && wc -l < data/clean.csv > model/rows.txt &&
        echo '{"acc":\${train.acc},"loss":{"val":0.25}}' > metrics.json
      deps: [data/clean.csv]
      params: [train.acc]
      outs: [model]
      metrics: [metrics.json]
`;

describe('mloop repro/status/dag/metrics/params (built CLI, end to end)', () => {
  beforeAll(requireBuild);

  it('has --help with --json on every command, exit 2 on usage and definition errors', async () => {
    const dir = project({ 'mloop.yaml': 'pipeline:\n  stages:\n    a:\n      cmd: x\n      outz: [a]\n' });
    for (const args of [
      ['repro'],
      ['run'],
      ['status'],
      ['dag'],
      ['metrics', 'diff'],
      ['params', 'diff'],
      ['plots', 'show'],
      ['plots', 'diff'],
    ]) {
      const help = await mloop(dir, [...args, '--help']);
      expect(help.code, args.join(' ')).toBe(0);
      expect(help.stdout, args.join(' ')).toContain('--json');
    }
    expect((await mloop(dir, ['worker', '--help'])).code).toBe(0);
    expect((await mloop(dir, ['repro', '--bogus'])).code).toBe(2);
    const bad = await mloop(dir, ['repro']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'mloop: mloop.yaml is not valid:\n  stage a: outz: unknown key (did you mean "outs"?)\n',
    );
    const queue = await mloop(project({ 'mloop.yaml': 'pipeline:\n  stages:\n    a: {cmd: "true"}\n' }), [
      'repro',
      '--executor',
      'queue',
    ]);
    expect(queue).toMatchObject({ code: 2, stderr: expect.stringContaining('--executor queue needs Redis') });
  });

  it('tracks every stage run under a pipeline run, with params, metrics and inputs; lineage reaches data through the stages', async () => {
    const dir = project({
      'mloop.yaml': TRAIN,
      'params.yaml': 'train:\n  acc: 0.8\n',
      'raw.csv': 'x,y\n1,2\n3,4\n',
    });
    const add = await mloop(dir, ['data', 'add', 'raw.csv', '--home', 'home', '--no-gitignore']);
    expect(add.code, add.stderr).toBe(0);

    const run = await mloop(dir, ['repro', '--home', 'home', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      ok: true,
      stages: [
        { stage: 'prepare', status: 'ran' },
        { stage: 'train', status: 'ran' },
      ],
    });
    // Stage output is streamed with a prefix (to stderr under --json) and kept in a log file.
    expect(run.stderr).toMatch(/^prepare +\| prepared$/m);
    expect(readFileSync(join(dir, '.mloop/logs/prepare.log'), 'utf8')).toContain('prepared');

    const cached = await mloop(dir, ['repro', '--home', 'home']);
    expect(cached.stdout).toMatch(/2 up-to-date\n$/);

    const client = await openLocalClient({ home: join(dir, 'home'), create: false });
    try {
      const [prepareId, trainId] = result.stages.map((s: { run: string }) => s.run);
      const train = await client.getRun(trainId);
      const tag = (r: typeof train, k: string) => r.data.tags.find((t) => t.key === k)?.value;
      const parentId = tag(train, 'mlflow.parentRunId')!;
      expect(tag(await client.getRun(prepareId), 'mlflow.parentRunId')).toBe(parentId);
      expect((await client.getRun(parentId)).info).toMatchObject({ runName: 'pipeline', status: 'FINISHED' });
      expect(train.info).toMatchObject({ runName: 'train', status: 'FINISHED' });
      expect(train.data.params).toEqual([{ key: 'train.acc', value: '0.8' }]);
      expect(Object.fromEntries(train.data.metrics.map((m) => [m.key, m.value]))).toEqual({
        acc: 0.8,
        'loss.val': 0.25,
      });
      expect(JSON.parse(tag(train, 'mloop.pipeline.outs')!).map((o: { path: string }) => o.path)).toEqual([
        'model',
        'metrics.json',
      ]);
      // prepare read the tracked dataset; train read prepare's output, which names prepare's run.
      const prepare = await client.getRun(prepareId);
      expect(prepare.inputs.datasetInputs.map((i) => [i.dataset.name, i.dataset.sourceType])).toEqual([
        ['raw', 'mloop'],
      ]);
      const upstream = train.inputs.datasetInputs[0]!.dataset;
      expect(upstream).toMatchObject({ name: 'data/clean.csv', sourceType: 'mloop-stage-output' });
      expect(JSON.parse(upstream.source)).toMatchObject({ uri: 'mloop-stage:prepare', run: prepareId });

      await client.createRegisteredModel({ name: 'pipe-model' });
      await client.createModelVersion('pipe-model', { source: `runs:/${trainId}/model`, runId: trainId });
      const lineage = await client.lineage('pipe-model', '1');
      const edge = (from: string, to: string) => lineage.edges.some((e) => e.from === from && e.to === to);
      const upstreamNode = lineage.nodes.find(
        (n) => n.kind === 'dataset' && n.label.startsWith('data/clean.csv@'),
      )!;
      const rawNode = lineage.nodes.find((n) => n.kind === 'dataset' && n.label.startsWith('raw@'))!;
      expect(edge('model_version:pipe-model/1', `run:${trainId}`)).toBe(true);
      expect(edge(`run:${trainId}`, upstreamNode.id)).toBe(true);
      expect(edge(upstreamNode.id, `run:${prepareId}`)).toBe(true);
      expect(edge(`run:${prepareId}`, rawNode.id)).toBe(true);
      expect(lineage.nodes.find((n) => n.id === `run:${prepareId}`)!.attributes.stage).toBe('prepare');
    } finally {
      await client.close();
    }
  });

  it('status says why, dag draws, metrics and params diff compare with git HEAD', async () => {
    const dir = project({ 'mloop.yaml': TRAIN, 'params.yaml': 'train:\n  acc: 0.8\n', 'raw.csv': 'x\n1\n' });
    git(dir, 'init', '-q', '-b', 'main');
    expect((await mloop(dir, ['repro', '--no-track'])).code).toBe(0);
    git(dir, 'add', 'mloop.yaml', 'params.yaml', 'mloop.lock', 'metrics.json', 'raw.csv');
    git(dir, 'commit', '-q', '-m', 'baseline');

    write(dir, { 'params.yaml': 'train:\n  acc: 0.9\n' });
    const status = await mloop(dir, ['status']);
    expect(status.stdout).toBe(
      'train:\n  changed command\n  changed param train.acc (0.8 -> 0.9)\n1 other stage(s) up to date.\n',
    );
    const statusJson = JSON.parse((await mloop(dir, ['status', '--json'])).stdout);
    expect(statusJson[1]).toMatchObject({
      stage: 'train',
      stale: true,
      reasons: [{ code: 'changed-command' }, { code: 'changed-param', subject: 'train.acc' }],
    });
    const dry = await mloop(dir, ['repro', '--dry']);
    expect(dry.stdout).toMatch(/^Would run:\ntrain:/);

    const params = JSON.parse((await mloop(dir, ['params', 'diff', '--json'])).stdout);
    expect(params).toEqual([
      { source: 'train', key: 'train.acc', old: 0.8, new: 0.9, diff: expect.closeTo(0.1, 10) },
    ]);
    expect((await mloop(dir, ['repro', '--no-track'])).code).toBe(0);
    const metrics = JSON.parse((await mloop(dir, ['metrics', 'diff', '--json'])).stdout);
    expect(metrics).toEqual([
      { source: 'metrics.json', key: 'acc', old: 0.8, new: 0.9, diff: expect.closeTo(0.1, 10) },
    ]);
    const table = await mloop(dir, ['metrics', 'diff', '--all']);
    expect(table.stdout).toMatch(/metrics\.json\s+acc\s+0\.8\s+0\.9\s+0\.1/);
    expect(table.stdout).toMatch(/metrics\.json\s+loss\.val\s+0\.25\s+0\.25\s+0/);

    const dag = await mloop(dir, ['dag']);
    expect(dag.stdout).toBe('[prepare]\n    │\n    ▼\n [train]\n');
    expect((await mloop(dir, ['dag', '--dot'])).stdout).toContain('"prepare" -> "train";');
    expect(JSON.parse((await mloop(dir, ['dag', '--json'])).stdout).edges).toEqual([
      { from: 'prepare', to: 'train', paths: ['data/clean.csv'] },
    ]);
  });

  it('built-in validate and register stages run the mloop CLI; a failed validation fails its stage with exit code 1', async () => {
    const dir = project({
      'ref.csv': 'id,city\n1,Oslo\n2,Rome\n',
      'new.csv': 'id,city\n2,Oslo\n',
      'bad.csv': 'id,city\n4,Paris\n',
    });
    const client = await openLocalClient({ home: join(dir, 'home'), create: true });
    let runId: string;
    try {
      const exp = await client.createExperiment({ name: 'manual' });
      runId = (await client.createRun({ experimentId: exp.experimentId })).info.runId;
    } finally {
      await client.close();
    }
    write(dir, {
      'params.yaml': `source_run: ${runId}\n`,
      'mloop.yaml': `pipeline:
  stages:
    check: {kind: validate, data: new.csv, against: ref.csv}
    publish:
      kind: register
      model: cities
      run: \${source_run}
      deps: [new.csv]
`,
    });
    const ok = await mloop(dir, ['repro', '--home', 'home']);
    expect(ok.code, ok.stderr + ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/^publish +\| Registered cities version 1 from run [0-9a-f]{32}/m);
    const after = await openLocalClient({ home: join(dir, 'home'), create: false });
    try {
      const version = await after.getModelVersion('cities', '1');
      expect(version.runId).toBe(runId);
    } finally {
      await after.close();
    }

    write(dir, {
      'mloop.yaml': 'pipeline:\n  stages:\n    check: {kind: validate, data: bad.csv, against: ref.csv}\n',
    });
    const failed = await mloop(dir, ['repro', '--home', 'home']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      'mloop: stage check failed: exit code 1. Last lines of .mloop/logs/check.log:',
    );
    expect(failed.stderr).toContain('unseen-category');
  });

  it('Ctrl-C stops the running stage, exits 130 and records nothing for it', async () => {
    const dir = project({
      'mloop.yaml':
        'pipeline:\n  stages:\n    long:\n      cmd: echo started; sleep 30; echo done > out.txt\n      outs: [out.txt]\n',
    });
    const child = spawnMloop(dir, ['repro', '--no-track']);
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
    });
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (out.includes('| started')) {
          clearInterval(t);
          resolve();
        }
      }, 20);
    });
    const started = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err).toContain('interrupted stages recorded nothing');
    expect(existsSync(join(dir, 'mloop.lock'))).toBe(false);
    expect(existsSync(join(dir, 'out.txt'))).toBe(false);
  });

  it('repro SIGKILLed before mloop.lock caught up: the next repro restores the finished stages, runs none twice, and kills the running one', async () => {
    const marks = join(project({}), 'marks');
    const dir = project({
      'mloop.yaml': `pipeline:
  stages:
    a:
      cmd: echo a >> ${marks} && echo a > a.txt
      outs: [a.txt]
    b:
      cmd: echo b >> ${marks} && cat a.txt > b.txt
      deps: [a.txt]
      outs: [b.txt]
    c:
      cmd: echo c >> ${marks} && while [ ! -e go ]; do sleep 0.05; done && cat b.txt > c.txt && echo c-done >> ${marks}
      deps: [b.txt]
      outs: [c.txt]
`,
    });
    const child = spawnMloop(dir, ['repro', '--no-track']);
    const runs = join(dir, '.mloop/cache/pipeline/runs');
    const deadline = Date.now() + 30_000;
    while (!(existsSync(marks) && readFileSync(marks, 'utf8').includes('c\n'))) {
      if (Date.now() > deadline) throw new Error('stage c did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(readdirSync(runs, { recursive: true }).filter((f) => String(f).endsWith('.json'))).toHaveLength(2);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    writeFileSync(join(dir, 'go'), '');
    // Stage c's process died with repro (it would otherwise see "go" now and finish unrecorded).
    await new Promise((r) => setTimeout(r, 300));
    expect(readFileSync(marks, 'utf8')).toBe('a\nb\nc\n');

    const again = await mloop(dir, ['repro', '--no-track', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const status = Object.fromEntries(
      JSON.parse(again.stdout).stages.map((x: { stage: string; status: string }) => [x.stage, x.status]),
    );
    expect(['up-to-date', 'restored']).toContain(status.a);
    expect(['up-to-date', 'restored']).toContain(status.b);
    expect(status.c).toBe('ran');
    expect(readFileSync(marks, 'utf8')).toBe('a\nb\nc\nc\nc-done\n');
    expect(readFileSync(join(dir, 'c.txt'), 'utf8')).toBe('a\n');
  });
});

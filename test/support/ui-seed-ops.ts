import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Random } from '../../src/learn/random.js';
import { BIN } from './server-process.js';

const exec = promisify(execFile);

/** Runs the built CLI in `cwd` against the server; resolves with the exit code and output (never throws). */
async function mloop(cwd: string, args: string[], url: string) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(MLOOP_|MLFLOW_|FORCE_COLOR)/.test(k)),
  );
  try {
    const r = await exec(process.execPath, [BIN, ...args, '--server', url], {
      cwd,
      env: { ...env, NO_COLOR: '1', MLOOP_STATE_DIR: join(cwd, '.state') },
      timeout: 120_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function must(cwd: string, args: string[], url: string): Promise<string> {
  const r = await mloop(cwd, args, url);
  if (r.code !== 0) throw new Error(`mloop ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const pipelineYaml = (evaluate: string) => `pipeline:
  stages:
    prepare:
      cmd: echo preparing 3 rows && mkdir -p data && cp raw.csv data/clean.csv
      deps: [raw.csv]
      outs: [data/clean.csv]
    features:
      cmd: echo building features && wc -l < data/clean.csv > features.txt
      deps: [data/clean.csv]
      outs: [features.txt]
    train:
      cmd: echo training on features && cat features.txt > model.txt && echo '{"accuracy":0.91,"loss":0.2}' > metrics.json
      deps: [features.txt]
      outs: [model.txt]
      metrics: [metrics.json]
    lint:
      cmd: echo checking schema > lint.txt
      deps: [raw.csv]
      outs: [lint.txt]
    evaluate:
      cmd: ${evaluate}
      deps: [model.txt, lint.txt]
      outs: [report.txt]
`;

export interface SeededPipelines {
  /** Every stage ran; evaluate wrote its report. */
  okRun: string;
  /** Four stages up to date, evaluate failed with exit code 4 after two lines of output. */
  failedRun: string;
  /** Four stages up to date, evaluate's outputs restored from the run-cache. */
  restoredRun: string;
}

/**
 * Three pipeline runs recorded by `mloop repro --server`: one that ran all five stages, one whose last stage failed,
 * one that restored the last stage from the run-cache.
 */
export async function seedPipelines(url: string): Promise<SeededPipelines> {
  const dir = mkdtempSync(join(tmpdir(), 'mloop-ui-pipe-'));
  writeFileSync(join(dir, 'raw.csv'), 'a,b\n1,2\n3,4\n5,6\n');
  writeFileSync(join(dir, 'mloop.yaml'), pipelineYaml('cat model.txt lint.txt > report.txt'));
  await must(dir, ['repro'], url);
  writeFileSync(
    join(dir, 'mloop.yaml'),
    pipelineYaml('echo scoring the model && echo "evaluation data missing" >&2 && exit 4'),
  );
  const failed = await mloop(dir, ['repro'], url);
  if (failed.code !== 1) throw new Error(`the failing repro exited ${failed.code}: ${failed.stderr}`);
  // Back to the first command: the run-cache has its outputs, so evaluate is restored instead of run.
  writeFileSync(join(dir, 'mloop.yaml'), pipelineYaml('cat model.txt lint.txt > report.txt'));
  await must(dir, ['repro'], url);
  const res = await fetch(`${url}/api/v1/pipeline-runs`);
  const { items } = (await res.json()) as { items: { runId: string }[] };
  if (items.length !== 3) throw new Error(`expected 3 pipeline runs, got ${items.length}`);
  return { restoredRun: items[0]!.runId, failedRun: items[1]!.runId, okRun: items[2]!.runId };
}

/** Rows of (x1, x2, group) → y: y is "yes" when x1 + noise > 0; `shift` moves x1 (drift) without moving the truth. */
function rows(n: number, seed: number, shift = 0) {
  const r = new Random(seed);
  const out: { x1: number; x2: number; group: string; y: string }[] = [];
  for (let i = 0; i < n; i++) {
    const x = r.next() * 4 - 2;
    out.push({
      x1: x + shift,
      x2: r.next() * 10,
      group: r.next() < 0.5 ? 'a' : 'b',
      y: x + (r.next() - 0.5) * 0.5 > 0 ? 'yes' : 'no',
    });
  }
  return out;
}

export interface SeededMonitoring {
  deployment: string;
  model: string;
  windowMs: number;
}

/**
 * A logistic classifier trained with `mloop train` on a tracked dataset (so lineage finds its reference), deployed,
 * monitored in 2-second windows with a sensitive column and two alert rules, then fed traffic from the training
 * distribution followed by traffic whose x1 is shifted (drift), with ground truth for every prediction; and a loop
 * policy for the model run once by hand, so its events exist.
 */
export async function seedMonitoring(url: string): Promise<SeededMonitoring> {
  const dir = mkdtempSync(join(tmpdir(), 'mloop-ui-mon-'));
  mkdirSync(join(dir, 'data'));
  const train = rows(400, 7);
  writeFileSync(
    join(dir, 'data/credit.csv'),
    `x1,x2,group,y\n${train.map((r) => `${r.x1},${r.x2},${r.group},${r.y}`).join('\n')}\n`,
  );
  await must(dir, ['data', 'add', 'data/credit.csv', '--name', 'credit'], url);
  const trainArgs = ['train', '--data', 'credit@1', '--target', 'y', '--learner', 'logistic'];
  await must(dir, [...trainArgs, '--register', 'credit-clf', '--experiment', 'credit'], url);
  const model = 'credit-clf';
  const deployment = 'credit-live';
  await must(dir, ['deploy', 'create', deployment, '--model', `models:/${model}/1`], url);
  const windowMs = 2000;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return text ? JSON.parse(text) : {};
  };
  await call('PATCH', `/deployments/${deployment}/monitoring`, {
    windowMs,
    sensitiveColumn: 'group',
    alerts: [
      { name: 'inputs-drifted', kind: 'drift_share', above: 0.3 },
      { name: 'x1-drift', kind: 'feature_drift', feature: 'x1' },
    ],
  });

  const infer = async (batch: ReturnType<typeof rows>) => {
    const res = await fetch(`${url}/v2/models/${deployment}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [
          { name: 'x1', shape: [batch.length, 1], datatype: 'FP32', data: batch.map((r) => r.x1) },
          { name: 'x2', shape: [batch.length, 1], datatype: 'FP32', data: batch.map((r) => r.x2) },
          { name: 'group', shape: [batch.length, 1], datatype: 'BYTES', data: batch.map((r) => r.group) },
        ],
      }),
    });
    if (res.status !== 200) return undefined;
    await res.arrayBuffer();
    return res.headers.get('x-mloop-prediction-id') ?? undefined;
  };
  // Serving loads the version in the background after the deployment is created.
  const deadline = Date.now() + 60_000;
  while (!(await infer(rows(1, 1)))) {
    if (Date.now() > deadline) throw new Error('the deployment did not answer in 60 s');
    await new Promise((r) => setTimeout(r, 250));
  }

  // Three windows like the training data, then three with x1 shifted by +2.5; 30 rows every 250 ms.
  const feedback: { predictionId: string; label: string[] }[] = [];
  for (let i = 0; i < 48; i++) {
    const batch = rows(30, 100 + i, i < 24 ? 0 : 2.5);
    const id = await infer(batch);
    if (id) feedback.push({ predictionId: id, label: batch.map((r) => r.y) });
    await new Promise((r) => setTimeout(r, 250));
  }
  // Predictions reach the store with the ingest path's next flush (every 2 s); a batch is all or nothing, so an
  // answer of "unknown prediction" means only that the last ones are not written yet.
  for (let tries = 0; ; tries++) {
    try {
      await call('POST', '/feedback', { items: feedback });
      break;
    } catch (err) {
      if (tries >= 40 || !/Unknown prediction/.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  await call('PUT', `/loops/${model}`, {
    workdir: dir,
    policy: {
      model,
      train: {
        command: `"${process.execPath}" "${BIN}" ${trainArgs.join(' ')} --register ${model} --experiment credit --json`,
      },
      gate: { bounds: ['training_accuracy>=0.5'] },
    },
  });
  const started = await call('POST', `/loops/${model}/runs`, { reason: 'UI test' });
  const until = Date.now() + 90_000;
  for (;;) {
    const { run } = await call('GET', `/loop-runs/${started.run.id}`);
    if (['succeeded', 'failed', 'rejected', 'rolled_back'].includes(run.state)) break;
    if (Date.now() > until) throw new Error(`the loop run is still ${run.state} after 90 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  // Alerts are raised once a window has closed (plus the replicas' 5 s grace) and the evaluator looked (every 5 s).
  const alertsBy = Date.now() + 60_000;
  for (;;) {
    const { items } = await call('GET', `/alerts?deployment=${deployment}`);
    if (items.length > 0) break;
    if (Date.now() > alertsBy) throw new Error('no alert was raised in 60 s');
    await new Promise((r) => setTimeout(r, 500));
  }
  return { deployment, model, windowMs };
}
